import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE_LIMITS, mergeProfile } from '../../src/persist/merge-profile.js';
import type { ProfilePatch } from '../../src/persist/types.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const device = (key: string, vouched = false) => ({ key, fromToken: true, classKey: 'ios|mobile#iphone', osFamily: 'ios', deviceType: 'mobile', vouched });
const patch = (at: number, extra: Partial<ProfilePatch> = {}): ProfilePatch => ({ at, phoneHash: 'h1', ...extra });

describe('mergeProfile', () => {
  it('upserts devices by key with first/last seen, counts and sticky vouching', () => {
    let profile = mergeProfile(null, patch(T0, { device: device('a', true) }), DEFAULT_PROFILE_LIMITS);
    profile = mergeProfile(profile, patch(T0 + DAY, { device: device('a', false) }), DEFAULT_PROFILE_LIMITS);
    expect(profile.devices).toEqual([{ ...device('a', true), firstSeen: T0, lastSeen: T0 + DAY, count: 2 }]);
  });

  it('is order-independent for devices, places and proofs (what lets stores merge concurrently)', () => {
    const a = patch(T0, { device: device('a'), ownerProofAt: T0, location: { key: 'CN|BJ|', country: 'CN', region: 'BJ' } });
    const b = patch(T0 + DAY, { device: device('b'), ownerProofAt: T0 + DAY, strongProofAt: T0 + DAY });
    const ab = mergeProfile(mergeProfile(null, a, DEFAULT_PROFILE_LIMITS), b, DEFAULT_PROFILE_LIMITS);
    const ba = mergeProfile(mergeProfile(null, b, DEFAULT_PROFILE_LIMITS), a, DEFAULT_PROFILE_LIMITS);
    expect(ab).toEqual(ba);
  });

  it('keeps lists bounded and drops what is older than the retention window', () => {
    let profile = null;
    for (let i = 0; i < 40; i++)
      profile = mergeProfile(
        profile,
        patch(T0 + i * DAY, { device: device(`d${i}`), failedStepUp: { at: T0 + i * DAY, checks: ['password'] } }),
        DEFAULT_PROFILE_LIMITS,
      );
    expect(profile!.devices).toHaveLength(DEFAULT_PROFILE_LIMITS.maxDevices);
    expect(profile!.devices[0]!.key).toBe('d39');
    expect(profile!.failedStepUps).toHaveLength(DEFAULT_PROFILE_LIMITS.maxFailedStepUps);
    const later = mergeProfile(profile, patch(T0 + 800 * DAY, { device: device('new') }), DEFAULT_PROFILE_LIMITS);
    expect(later.devices.map((d) => d.key)).toEqual(['new']);
    expect(later.failedStepUps).toEqual([]);
  });

  it('a newer binding to another number voids the proofs about the old one but keeps strong proofs', () => {
    const old = mergeProfile(null, patch(T0, { ownerProofAt: T0, strongProofAt: T0 }), DEFAULT_PROFILE_LIMITS);
    const next = mergeProfile(old, { at: T0 + DAY, phoneHash: 'h2' }, DEFAULT_PROFILE_LIMITS);
    expect(next.phoneHash).toBe('h2');
    expect(next.ownerProofAt).toBeUndefined();
    expect(next.strongProofAt).toBe(T0);
  });

  it('keeps the latest last-login even when patches arrive out of order', () => {
    const late = mergeProfile(null, patch(T0 + DAY, { lastLogin: { at: T0 + DAY, country: 'CN' } }), DEFAULT_PROFILE_LIMITS);
    const merged = mergeProfile(late, patch(T0, { lastLogin: { at: T0, country: 'JP' } }), DEFAULT_PROFILE_LIMITS);
    expect(merged.lastLogin).toEqual({ at: T0 + DAY, country: 'CN' });
  });
});
