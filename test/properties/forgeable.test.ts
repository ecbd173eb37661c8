/**
 * What the holder of a recycled number can and cannot forge. Once the owner's last proof of holding
 * the number is older than the country's minimum aging period, the person with the SIM may be the
 * number's new holder. They can copy the owner's user agent, phone model and city; they cannot
 * produce a device token the owner vouched for, pass the owner's strong check, or change the
 * carrier's records. These properties hold for every preset, dormancy and history generated.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/core/evaluate.js';
import { minAgingDaysFor, PRESETS, PRESET_NAMES, thresholdsFor } from '../../src/core/policy.js';
import type { LoginInput } from '../../src/core/signals/index.js';
import type { DeviceRecord, LocationRecord } from '../../src/persist/types.js';
import type { DeviceFacts, GeoResult, NumberIntelAnswer } from '../../src/types/index.js';
import { AT, DAY, PHONE_HASH, attempt, loginInput, ownerProfile, withLogin, withSubject } from '../helpers/core-input.js';

const place = (country: string, region: string, lat: number, lon: number): GeoResult => ({ country, region, city: region, lat, lon, accuracyKm: 20 });
const PLACES = [place('CN', 'BJ', 39.9, 116.4), place('CN', 'SH', 31.2, 121.5), place('US', 'CA', 37.8, -122.4), place('US', 'NY', 40.7, -74.0)];
const CLASSES = [
  { classKey: 'ios|mobile|safari#iphone', osFamily: 'ios', deviceType: 'mobile' },
  { classKey: 'android|mobile|chrome#', osFamily: 'android', deviceType: 'mobile' },
  { classKey: 'android|mobile|chrome#sm-s9180', osFamily: 'android', deviceType: 'mobile' },
  { classKey: 'windows|desktop|chrome#', osFamily: 'windows', deviceType: 'desktop' },
];
/** Carrier answers that settle nothing: a provider that could not answer, or none configured. */
const silentCarrier: fc.Arbitrary<NumberIntelAnswer[]> = fc.constantFrom([], [{ source: 'camara-number-recycling', unavailable: 'timeout' }]);

interface Dormant {
  input: LoginInput;
  /** The owner's devices and places, as the guard remembers them. */
  devices: DeviceRecord[];
  places: LocationRecord[];
}

/** A login with the SMS code whose last proof of possession is older than the aging period. */
const dormantLogins: fc.Arbitrary<Dormant> = fc
  .record({
    preset: fc.constantFrom(...PRESET_NAMES),
    phoneCountry: fc.constantFrom('CN', 'US', 'GB'),
    beyondAgingDays: fc.integer({ min: 0, max: 1500 }),
    classes: fc.subarray(CLASSES, { minLength: 1 }),
    vouchedToken: fc.boolean(),
    places: fc.subarray(PLACES, { minLength: 1 }),
    carrier: silentCarrier,
    hoursSinceLastLogin: fc.integer({ min: 1, max: 5000 }),
  })
  .map((g) => {
    const policy = PRESETS[g.preset];
    const dormancyDays = minAgingDaysFor(policy, g.phoneCountry) + g.beyondAgingDays;
    const devices: DeviceRecord[] = g.classes.map((c, i) => ({
      key: i === 0 ? 't:owner-token' : `c:${c.classKey}`,
      fromToken: i === 0,
      classKey: c.classKey,
      osFamily: c.osFamily,
      deviceType: c.deviceType,
      vouched: i === 0 && g.vouchedToken,
      firstSeen: AT - (dormancyDays + 300) * DAY,
      lastSeen: AT - dormancyDays * DAY,
      count: 5,
    }));
    const places: LocationRecord[] = g.places.map((p) => ({
      key: `${p.country}|${p.region}|${p.city}`,
      country: p.country,
      region: p.region!,
      lat: p.lat!,
      lon: p.lon!,
      firstSeen: AT - (dormancyDays + 300) * DAY,
      lastSeen: AT - dormancyDays * DAY,
      count: 5,
    }));
    const last = g.places[0]!;
    const profile = ownerProfile({
      ownerProofAt: AT - dormancyDays * DAY,
      devices,
      locations: places,
      lastLogin: {
        at: AT - Math.max(dormancyDays * 24, g.hoursSinceLastLogin) * 3_600_000,
        country: last.country,
        region: last.region!,
        lat: last.lat!,
        lon: last.lon!,
        accuracyKm: 20,
      },
    });
    const normalized = attempt({ phoneCountry: g.phoneCountry, phoneBoundAt: AT - 3000 * DAY, verified: ['sms_otp'] });
    const input = loginInput(
      normalized,
      {
        phoneHash: PHONE_HASH,
        device: null,
        geo: { status: 'unavailable', result: null },
        history: { status: 'ok', profile },
        intel: { status: g.carrier.length ? 'unavailable' : 'not_configured', since: normalized.phoneBoundAt, answers: g.carrier },
        numberEvents: [],
      },
      policy,
      ['password', 'face', 'id_match'],
    );
    return { input, devices, places };
  });

/** Everything a new holder can copy: the owner's device class (with or without a fresh token of
 * their own), the owner's city, no device at all. */
const copies = (d: Dormant): LoginInput[] => {
  const out: LoginInput[] = [];
  const geos: LoginInput['login']['geo'][] = [
    { status: 'unavailable', result: null },
    ...d.places.map((p) => ({ status: 'ok' as const, result: PLACES.find((q) => q.region === p.region)! })),
  ];
  const devices: (DeviceFacts | null)[] = [null];
  for (const record of d.devices) {
    const facts = { classKey: record.classKey, deviceType: record.deviceType, ...(record.osFamily ? { osFamily: record.osFamily } : {}) };
    devices.push({ ...facts, key: `c:${record.classKey}`, fromToken: false });
    devices.push({ ...facts, key: 't:the-new-holders-own-token', fromToken: true });
  }
  for (const device of devices) for (const geo of geos) out.push(withLogin(d.input, { device, geo }));
  return out;
};

const line = (input: LoginInput) => thresholdsFor(input.policy, input.login.action).stepUp;

describe('a possible new holder cannot talk the risk down with what he can copy', () => {
  it('copying the user agent, phone model or city never lowers the risk below the step-up line', () => {
    fc.assert(
      fc.property(dormantLogins, (dormant) => {
        for (const copy of copies(dormant)) {
          const result = evaluate(copy);
          expect(result.risk).toBeGreaterThanOrEqual(line(copy));
          expect(result.action).not.toBe('allow');
          expect(result.numberChangedHands).toBe('likely');
          // What he copied is shown, and shown not to count.
          for (const reason of result.reasons) {
            if (reason.code === 'known_region' || reason.code === 'known_device_class') {
              expect(reason.effect).toBe(0);
            }
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a vouched device token, a strong check in the attempt, or the carrier does let the owner in', () => {
    fc.assert(
      fc.property(dormantLogins, (dormant) => {
        const home = PLACES.find((p) => p.region === dormant.places[0]!.region)!;
        const quiet = withLogin(dormant.input, { geo: { status: 'ok', result: home } });
        const token = dormant.devices[0]!;
        const ownToken: DeviceFacts = {
          key: token.key,
          fromToken: true,
          classKey: token.classKey,
          deviceType: token.deviceType,
          ...(token.osFamily ? { osFamily: token.osFamily } : {}),
        };
        const withToken = evaluate(withLogin(quiet, { device: ownToken }));
        // fintech's own rule: a configured carrier that could not answer steps up a dormant account.
        const failMode = quiet.policy.failMode.intelWhenDormant === 'step_up' && quiet.subject.intel.status === 'unavailable';
        if (failMode) {
          expect(withToken.reasons.map((reason) => reason.code)).toContain('fail_mode_applied');
        } else if (token.vouched) {
          expect(withToken.action).toBe('allow');
          expect(withToken.risk).toBeLessThan(line(quiet));
        } else {
          // A token seen before but never vouched for is not enough on its own.
          expect(withToken.action).not.toBe('allow');
        }
        const withFace = evaluate(withLogin(quiet, { device: ownToken, verified: ['sms_otp', 'face'] }));
        expect(withFace.action).toBe('allow');
        const carrierNo = evaluate(
          withSubject(withLogin(quiet, { device: ownToken }), {
            intel: { status: 'ok', since: quiet.subject.intel.since, answers: [{ source: 'camara-number-recycling', changedSince: false }] },
          }),
        );
        expect(carrierNo.action).toBe('allow');
        expect(carrierNo.numberChangedHands).toBe('no');
      }),
      { numRuns: 400 },
    );
  });

  it('within the aging period the same copied evidence may still reassure: no reissue can have happened', () => {
    fc.assert(
      fc.property(dormantLogins, (dormant) => {
        const withinAging = {
          ...dormant.input.subject.history.profile!,
          ownerProofAt: AT - 5 * DAY,
        };
        const record = dormant.devices[0]!;
        const copy = withLogin(withSubject(dormant.input, { history: { status: 'ok', profile: withinAging } }), {
          device: {
            key: `c:${record.classKey}`,
            fromToken: false,
            classKey: record.classKey,
            deviceType: record.deviceType,
            ...(record.osFamily ? { osFamily: record.osFamily } : {}),
          },
        });
        const result = evaluate(copy);
        expect(result.numberChangedHands).toBe('no');
        expect(result.reasons.map((reason) => reason.code)).not.toContain('continuity_unproven');
      }),
      { numRuns: 200 },
    );
  });
});
