/**
 * A fixed, realistic stream of login attempts for the benchmarks: many accounts with skewed
 * activity, each on one or two devices from a shared pool of real user agents, mostly from its
 * home addresses and sometimes from a new one (about 1 in 8 logins, as Firefox Accounts measured).
 * Seeded, so every run times the same work.
 */
import { prng } from '../src/util/prng.js';

export interface BenchAttempt {
  accountId: string;
  phone: string;
  phoneBoundAt: string;
  ip: string;
  userAgent: string;
  deviceId: string;
  at: number;
}

const USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 14; SM-S9180 Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64',
  'Mozilla/5.0 (Linux; Android 13; 22081212C) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 12; V2134A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/101.0.4951.74 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
];

/** Public IPv4 /16 prefixes (only looked up in the local geolocation database, never contacted). */
const PREFIXES = [
  '8.8',
  '1.1',
  '36.110',
  '58.250',
  '101.226',
  '112.80',
  '114.114',
  '120.204',
  '183.60',
  '203.208',
  '24.48',
  '66.249',
  '72.229',
  '98.137',
  '151.101',
  '172.217',
];

export function benchStream(count: number, accounts = 20_000, seed = 42): BenchAttempt[] {
  const random = prng(seed);
  const start = Date.parse('2026-01-01T00:00:00Z');
  const profiles = Array.from({ length: accounts }, (_, i) => {
    const home = `${PREFIXES[Math.floor(random() * PREFIXES.length)]}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 250)}`;
    const us = random() < 0.5;
    return {
      accountId: `acct-${i}`,
      phone: us ? `+1415555${String(1000 + (i % 9000)).padStart(4, '0')}` : `+86138${String(i).padStart(8, '0')}`,
      phoneBoundAt: new Date(start - (30 + Math.floor(random() * 1500)) * 86_400_000).toISOString(),
      homes: [home, `${home.split('.').slice(0, 3).join('.')}.${1 + Math.floor(random() * 250)}`],
      devices: Array.from({ length: random() < 0.4 ? 2 : 1 }, (_, d) => ({
        userAgent: USER_AGENTS[Math.floor(random() * USER_AGENTS.length)]!,
        deviceId: `dev-${i}-${d}`,
      })),
    };
  });
  const out: BenchAttempt[] = [];
  let at = start;
  for (let n = 0; n < count; n++) {
    // Skewed activity: a few accounts log in often, most rarely (random^3 concentrates on low ids).
    const profile = profiles[Math.floor(random() ** 3 * accounts)]!;
    const device = profile.devices[Math.floor(random() * profile.devices.length)]!;
    const ip =
      random() < 0.125
        ? `${PREFIXES[Math.floor(random() * PREFIXES.length)]}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 250)}`
        : profile.homes[Math.floor(random() * 2)]!;
    at += 1 + Math.floor(random() * 2000);
    out.push({
      accountId: profile.accountId,
      phone: profile.phone,
      phoneBoundAt: profile.phoneBoundAt,
      ip,
      userAgent: device.userAgent,
      deviceId: device.deviceId,
      at,
    });
  }
  return out;
}
