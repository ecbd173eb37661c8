import { createGuard, memoryStore, type GuardOptions } from 'recycled-number-guard';
import { cidrGeoLookup } from 'recycled-number-guard/evidence';

export const DAY = 86_400_000;
export const NOW = Date.parse('2026-03-02T09:00:00Z');
export const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

/** Loopback is Beijing, so requests from the test client have a place. */
export const loopbackGeo = cidrGeoLookup([
  { cidr: '127.0.0.0/8', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 } },
  { cidr: '::1/128', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 } },
  { cidr: '198.51.100.0/24', geo: { country: 'CN', region: 'SH', city: 'Shanghai', lat: 31.2, lon: 121.5, accuracyKm: 20 } },
]);

/**
 * Three accounts whose first SMS login gets three different answers on the cloud-drive preset:
 * `fresh` bound 10 days ago (within the aging period: allow), `dormant` bound years ago with no
 * history (step_up), and the same dormant account on a guard whose only check is too weak (deny).
 */
export const ACCOUNTS = {
  fresh: { accountId: 'acct-fresh', phone: '+8613800138001', phoneBoundAt: new Date(NOW - 10 * DAY).toISOString() },
  dormant: { accountId: 'acct-dormant', phone: '+8613800138002', phoneBoundAt: '2021-05-01T00:00:00Z' },
} as const;

export function testGuard(options: Partial<GuardOptions> = {}) {
  return createGuard({
    preset: 'cloud-drive',
    checks: ['password', 'face', 'id_match'],
    geo: loopbackGeo,
    store: memoryStore({ now: () => NOW }),
    hashKey: 'adapter-tests-hash-key-0123456789',
    clock: () => NOW,
    ...options,
  });
}
