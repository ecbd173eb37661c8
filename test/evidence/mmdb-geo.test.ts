import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGuard, GuardConfigError, type AttemptInput } from 'recycled-number-guard';
import { mmdbGeoLookup } from 'recycled-number-guard/evidence';
import { writeMmdb } from '../helpers/mmdb-writer.js';

// A GeoIP2-City-shaped database of documentation networks, written by the test (no licensed data).
const dir = mkdtempSync(join(tmpdir(), 'rng-mmdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const db = writeMmdb([
  {
    cidr: '198.51.100.0/24',
    record: {
      country: { iso_code: 'US' },
      subdivisions: [{ iso_code: 'WA', names: { en: 'Washington' } }],
      city: { names: { en: 'Seattle', de: 'Seattle' } },
      location: { latitude: 47.6062, longitude: -122.3321, accuracy_radius: 20 },
    },
  },
  {
    cidr: '203.0.113.0/25',
    record: {
      country: { iso_code: 'CN' },
      subdivisions: [{ names: { en: 'Guangdong' } }],
      city: { names: { en: 'Shenzhen' } },
      location: { latitude: 22.5431, longitude: 114.0579, accuracy_radius: 50 },
    },
  },
  {
    cidr: '2001:db8:86::/48',
    record: { country: { iso_code: 'CN' }, city: { names: { en: 'Beijing' } }, location: { latitude: 39.9042, longitude: 116.4074, accuracy_radius: 100 } },
  },
  // A country database's record: the country only.
  { cidr: '192.0.2.0/24', record: { country: { iso_code: 'DE' }, traits: { autonomous_system_number: 64_500 } } },
]);
const path = join(dir, 'test-city.mmdb');
writeFileSync(path, db);

const AT = '2026-01-10T09:30:00Z';
const attempt = (overrides: Partial<AttemptInput> = {}): AttemptInput => ({
  accountId: 'u-mmdb',
  phone: '+14155552671',
  phoneBoundAt: '2022-01-01T00:00:00Z',
  ip: '198.51.100.23',
  at: AT,
  ...overrides,
});

describe('mmdbGeoLookup over a MaxMind DB file', () => {
  it('answers IPv4 and IPv6 lookups from the file: country, region (ISO code, else the name), city, coordinates, accuracy', async () => {
    const geo = mmdbGeoLookup({ path });
    await geo.ready!();
    expect(geo.lookup('198.51.100.23')).toEqual({ country: 'US', region: 'WA', city: 'Seattle', lat: 47.6062, lon: -122.3321, accuracyKm: 20 });
    expect(geo.lookup('203.0.113.9')).toEqual({ country: 'CN', region: 'Guangdong', city: 'Shenzhen', lat: 22.5431, lon: 114.0579, accuracyKm: 50 });
    expect(geo.lookup('2001:db8:86::7')).toEqual({ country: 'CN', city: 'Beijing', lat: 39.9042, lon: 116.4074, accuracyKm: 100 });
    expect(geo.lookup('192.0.2.1')).toEqual({ country: 'DE', asn: 64_500 });
    expect(geo.lookup('203.0.113.200')).toBeNull();
    expect(geo.lookup('8.8.8.8')).toBeNull();
    expect(mmdbGeoLookup({ data: db, language: 'de', name: 'de-names' }).name).toBe('de-names');
  });

  it('called directly before ready(), a lookup loads the file and answers with a promise', async () => {
    const geo = mmdbGeoLookup({ data: new Uint8Array(db) });
    await expect(geo.lookup('198.51.100.1')).resolves.toMatchObject({ country: 'US', city: 'Seattle' });
    expect(geo.lookup('198.51.100.1')).toMatchObject({ country: 'US' });
  });

  it('a guard on it: after ready() every attempt is located; a login from the usual city, then one from another country', async () => {
    let now = Date.parse(AT);
    const guard = createGuard({ geo: mmdbGeoLookup({ path }), clock: () => now, hashKey: 'mmdb-test-key-0123456789' });
    await guard.ready();
    const first = await guard.assess(attempt({ at: new Date(now).toISOString(), verified: ['sms_otp', 'password'], deviceId: 'phone-1' }));
    expect(first.evidence.geo).toBe('ok');
    now += 86_400_000;
    const home = await guard.assess(attempt({ at: new Date(now).toISOString(), deviceId: 'phone-1' }));
    expect(home.reasons.map((reason) => reason.code)).toContain('known_region');
    now += 3_600_000;
    const abroad = await guard.assess(attempt({ at: new Date(now).toISOString(), deviceId: 'phone-1', ip: '2001:db8:86::7' }));
    expect(abroad.evidence.geo).toBe('ok');
    expect(abroad.reasons.map((reason) => reason.code)).not.toContain('known_region');
  });

  it('without ready(), the guard decides the first attempt without a location and reads the file after it', async () => {
    const guard = createGuard({ geo: mmdbGeoLookup({ path }), clock: () => Date.parse(AT) });
    const first = await guard.assess(attempt());
    expect(first.evidence.geo).toBe('unavailable');
    expect(first.reasons.find((reason) => reason.code === 'geo_unavailable')?.message).toMatch(/mmdb is still loading/);
    await guard.ready();
    expect((await guard.assess(attempt())).evidence.geo).toBe('ok');
  });

  it('a missing or malformed file: ready() rejects naming the problem, attempts go on without a location', async () => {
    const missing = createGuard({ geo: mmdbGeoLookup({ path: join(dir, 'absent.mmdb') }), clock: () => Date.parse(AT) });
    await expect(missing.ready()).rejects.toThrow(/ENOENT/);
    expect((await missing.assess(attempt())).evidence.geo).toBe('unavailable');
    const garbage = join(dir, 'garbage.mmdb');
    writeFileSync(garbage, 'not a database');
    const malformed = createGuard({ geo: mmdbGeoLookup({ path: garbage }), clock: () => Date.parse(AT) });
    await expect(malformed.ready()).rejects.toThrow();
    const decision = await malformed.assess(attempt());
    expect(decision.reasons.find((reason) => reason.code === 'geo_unavailable')?.message).toMatch(/mmdb could not load its data/);
  });

  it('takes exactly one of path and data', () => {
    expect(() => mmdbGeoLookup({})).toThrow(GuardConfigError);
    expect(() => mmdbGeoLookup({ path, data: db })).toThrow(/one of path or data/);
  });
});
