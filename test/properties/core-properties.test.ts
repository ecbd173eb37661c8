import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, intelSince } from '../../src/core/evaluate.js';
import { PRESETS, PRESET_NAMES } from '../../src/core/policy.js';
import { DEFAULT_PROFILE_LIMITS, mergeProfile } from '../../src/persist/merge-profile.js';
import type { LoginInput, Subject } from '../../src/core/signals/index.js';
import { withLogin, withSubject } from '../helpers/core-input.js';
import type { AccountProfile, DeviceRecord, LocationRecord, NumberEvent, ProfilePatch } from '../../src/persist/types.js';
import {
  ATTEMPT_ACTIONS,
  STEP_UP_CHECKS,
  type DecisionAction,
  type DeviceFacts,
  type GeoResult,
  type NumberIntelAnswer,
  type StepUpCheck,
  type VerifiedFactor,
} from '../../src/types/index.js';

/**
 * Properties of the pure core over a wide generator: every part of CoreInput varies (history
 * present, absent or unreadable; any mix of carrier answers, ingested events, devices, places,
 * failed step-ups, hints). test/properties/properties.test.ts covers a narrower, owner-shaped
 * generator; this one is meant to reach the corners.
 *
 * Tolerance: risks are compared with 1e-12 of slack, far below any effect a signal can have
 * (the smallest nonzero effect at the lowest prior is above 1e-7) and above floating-point noise.
 */
const EPS = 1e-12;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const AT = Date.parse('2026-01-10T09:30:00Z');
const CURRENT = 'hash-current';
const RETIRED = 'hash-retired';
const RANK: Record<DecisionAction, number> = { allow: 0, step_up: 1, deny: 2 };

const DEVICE_POOL: DeviceFacts[] = [
  { key: 't:iphone', fromToken: true, classKey: 'ios|mobile#iphone', osFamily: 'ios', deviceType: 'mobile', model: 'iPhone' },
  { key: 't:pixel', fromToken: true, classKey: 'android|mobile#pixel 8', osFamily: 'android', deviceType: 'mobile', model: 'Pixel 8' },
  { key: 'c:android|mobile#', fromToken: false, classKey: 'android|mobile#', osFamily: 'android', deviceType: 'mobile' },
  { key: 'c:windows|desktop#', fromToken: false, classKey: 'windows|desktop#', osFamily: 'windows', deviceType: 'desktop' },
  { key: 't:mac', fromToken: true, classKey: 'macos|desktop#', osFamily: 'macos', deviceType: 'desktop' },
];
const PLACE_POOL: GeoResult[] = [
  { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 },
  { country: 'CN', region: 'SH', city: 'Shanghai', lat: 31.2, lon: 121.5, accuracyKm: 20 },
  { country: 'US', region: 'CA', city: 'San Francisco', lat: 37.8, lon: -122.4, accuracyKm: 20 },
  { country: 'GB', region: 'ENG', city: 'London', lat: 51.5, lon: -0.1, accuracyKm: 50 },
  { country: 'JP', region: '13', city: 'Tokyo', lat: 35.7, lon: 139.7, accuracyKm: 400 },
];
const OTHER_COUNTRIES = ['BR', 'ZA', 'AU', 'IN', 'DE'];

const time = (minDaysAgo: number, maxDaysAgo: number) => fc.integer({ min: AT - maxDaysAgo * DAY, max: AT - minDaysAgo * DAY });
/** `arb` or undefined, in the ratio present : absent (fast-check's option would be absent 1 in 6). */
const maybe = <T>(arb: fc.Arbitrary<T>, present = 1, absent = 1) =>
  fc.oneof({ arbitrary: arb, weight: present }, { arbitrary: fc.constant(undefined), weight: absent });

const answerArb: fc.Arbitrary<NumberIntelAnswer> = fc
  .record({
    source: fc.constantFrom('camara', 'twilio', 'own'),
    changedSince: maybe(fc.boolean()),
    reissuedAt: maybe(time(0, 3000)),
    tenureSince: maybe(time(0, 3000)),
    tenureCoversSince: maybe(fc.boolean()),
    lastSimChange: maybe(fc.oneof(fc.constant(null), time(0, 3000))),
    lastDeviceChange: maybe(fc.oneof(fc.constant(null), time(0, 3000))),
    identityMatch: maybe(fc.boolean()),
    // Mostly answers, sometimes failures: an unavailable answer contributes nothing else.
    unavailable: maybe(fc.constantFrom('timeout: budget', 'IDENTIFIER_NOT_FOUND: no', 'error: HTTP 500'), 1, 4),
  })
  .map((answer) => Object.fromEntries(Object.entries(answer).filter(([, value]) => value !== undefined)) as unknown as NumberIntelAnswer);

const eventArb: fc.Arbitrary<NumberEvent> = fc.record({
  type: fc.constantFrom('disconnected', 'reissued', 'ported', 'sim_change'),
  at: time(0, 3000),
  source: fc.constantFrom('carrier-file', 'renewals'),
});

function record(device: DeviceFacts, vouched: boolean, lastSeen: number): DeviceRecord {
  return {
    key: device.key,
    fromToken: device.fromToken,
    classKey: device.classKey,
    deviceType: device.deviceType,
    vouched,
    firstSeen: lastSeen - 30 * DAY,
    lastSeen,
    count: 3,
    ...(device.osFamily ? { osFamily: device.osFamily } : {}),
  };
}

function location(place: GeoResult, lastSeen: number): LocationRecord {
  return {
    key: `${place.country}|${place.region ?? ''}|${place.city ?? ''}`,
    country: place.country,
    region: place.region!,
    lat: place.lat!,
    lon: place.lon!,
    firstSeen: lastSeen - 100 * DAY,
    lastSeen,
    count: 5,
  };
}

const profileArb: fc.Arbitrary<AccountProfile> = fc
  .record({
    phoneHash: fc.constantFrom(CURRENT, CURRENT, 'hash-of-another-number'),
    devices: fc.uniqueArray(fc.record({ device: fc.constantFrom(...DEVICE_POOL), vouched: fc.boolean(), lastSeen: time(0, 170) }), {
      selector: (entry) => entry.device.key,
      maxLength: 4,
    }),
    places: fc.uniqueArray(fc.record({ place: fc.constantFrom(...PLACE_POOL), lastSeen: time(0, 170) }), {
      selector: (entry) => entry.place.city,
      maxLength: 4,
    }),
    lastLogin: maybe(fc.record({ minutesAgo: fc.integer({ min: 1, max: 200_000 }), place: fc.constantFrom(...PLACE_POOL) })),
    ownerProofDaysAgo: maybe(fc.integer({ min: 0, max: 2000 })),
    strongProofDaysAgo: maybe(fc.integer({ min: 0, max: 2000 })),
    failedHoursAgo: fc.array(fc.integer({ min: 1, max: 24 * 20 }), { maxLength: 5 }),
  })
  .map((g) => {
    const profile: AccountProfile = {
      v: 1,
      phoneHash: g.phoneHash,
      devices: g.devices.map((entry) => record(entry.device, entry.vouched, entry.lastSeen)),
      locations: g.places.map((entry) => location(entry.place, entry.lastSeen)),
      failedStepUps: g.failedHoursAgo.map((hours) => ({ at: AT - hours * HOUR, checks: ['password'] })),
      updatedAt: AT - DAY,
    };
    if (g.lastLogin)
      profile.lastLogin = {
        at: AT - g.lastLogin.minutesAgo * 60_000,
        country: g.lastLogin.place.country,
        lat: g.lastLogin.place.lat!,
        lon: g.lastLogin.place.lon!,
        accuracyKm: g.lastLogin.place.accuracyKm!,
      };
    if (g.ownerProofDaysAgo !== undefined) profile.ownerProofAt = AT - g.ownerProofDaysAgo * DAY;
    if (g.strongProofDaysAgo !== undefined) profile.strongProofAt = AT - g.strongProofDaysAgo * DAY;
    return profile;
  });

const coreInputArb: fc.Arbitrary<LoginInput> = fc
  .record({
    preset: fc.constantFrom(...PRESET_NAMES),
    action: fc.constantFrom(...ATTEMPT_ACTIONS),
    sms: fc.boolean(),
    strong: fc.subarray([...STEP_UP_CHECKS]),
    boundDaysAgo: fc.integer({ min: 0, max: 3000 }),
    lastSeenDaysAgo: maybe(fc.integer({ min: 0, max: 3000 })),
    phoneCountry: fc.constantFrom('CN', 'US', 'GB', 'JP', 'DE'),
    history: fc.oneof(fc.constant<'none' | 'unavailable'>('none'), fc.constant<'none' | 'unavailable'>('unavailable'), profileArb),
    device: fc.option(
      fc.oneof(
        fc.constantFrom(...DEVICE_POOL),
        fc.constant<DeviceFacts>({ key: 't:unseen', fromToken: true, classKey: 'harmonyos|tablet#x', osFamily: 'harmonyos', deviceType: 'tablet' }),
      ),
      { nil: null },
    ),
    geo: fc.oneof(
      fc.constantFrom(...PLACE_POOL).map((result) => ({ status: 'ok' as const, result })),
      fc.constant({ status: 'unavailable' as const, result: null }),
      fc.constant({ status: 'not_configured' as const, result: null }),
    ),
    intelStatus: fc.constantFrom('ok', 'unavailable', 'not_configured', 'cached'),
    answers: fc.array(answerArb, { maxLength: 3 }),
    events: fc.array(eventArb, { maxLength: 3 }),
    checks: fc.subarray([...STEP_UP_CHECKS]),
  })
  .map((g): LoginInput => {
    const phoneBoundAt = AT - g.boundDaysAgo * DAY;
    const verified: VerifiedFactor[] = [...(g.sms || g.strong.length === 0 ? (['sms_otp'] as const) : []), ...g.strong];
    const profile = typeof g.history === 'string' ? null : g.history;
    return {
      subject: {
        phoneCountry: g.phoneCountry,
        phoneBoundAt,
        at: AT,
        ...(g.lastSeenDaysAgo !== undefined && g.lastSeenDaysAgo <= g.boundDaysAgo + 3000 ? { lastSeenAt: AT - g.lastSeenDaysAgo * DAY } : {}),
        phoneHash: CURRENT,
        history: profile
          ? { status: 'ok', profile }
          : g.history === 'unavailable'
            ? { status: 'unavailable', profile: null, error: 'store down' }
            : { status: 'none', profile: null },
        intel: { status: g.intelStatus as Subject['intel']['status'], since: intelSince(phoneBoundAt, profile?.strongProofAt), answers: g.answers },
        numberEvents: g.events,
      },
      login: { action: g.action, verified, device: g.device, geo: g.geo },
      policy: PRESETS[g.preset],
      checks: g.checks as StepUpCheck[],
    };
  });

const withProfile = coreInputArb.filter((input) => input.subject.history.profile !== null);

function expectNotLower(before: LoginInput, after: LoginInput) {
  const a = evaluate(before);
  const b = evaluate(after);
  expect(b.risk).toBeGreaterThanOrEqual(a.risk - EPS);
  // Adverse evidence never makes the action more lenient either (allow < step_up < deny).
  expect(RANK[b.action]).toBeGreaterThanOrEqual(RANK[a.action]);
}

describe('the core over a wide generator', () => {
  it('risk is in [0, 1], finite, and prior + sum(effect) = risk within 1e-9', () => {
    fc.assert(
      fc.property(coreInputArb, (input) => {
        const result = evaluate(input);
        expect(Number.isFinite(result.risk)).toBe(true);
        expect(result.risk).toBeGreaterThanOrEqual(0);
        expect(result.risk).toBeLessThanOrEqual(1);
        const sum = result.reasons.reduce((total, reason) => total + reason.effect, 0);
        expect(Math.abs(result.prior + sum - result.risk)).toBeLessThan(1e-9);
        for (const reason of result.reasons) expect(Math.abs(reason.effect)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 3000 },
    );
  });

  it('a carrier reissue after binding, asked first, never lowers risk nor eases the action, and is never allow with an SMS code', () => {
    fc.assert(
      fc.property(coreInputArb, (input) => {
        const reissued = withSubject(input, {
          intel: { ...input.subject.intel, status: 'ok', answers: [{ source: 'carrier', changedSince: true }, ...input.subject.intel.answers] },
        });
        expectNotLower(input, reissued);
        // A login that did not use the number (password only) is not about its holder: not scored.
        if (input.login.verified.includes('sms_otp')) expect(evaluate(reissued).action).not.toBe('allow');
      }),
      { numRuns: 3000 },
    );
  });

  it('longer dormancy (every proof of possession earlier) never lowers risk nor eases the action', () => {
    fc.assert(
      fc.property(coreInputArb, fc.integer({ min: 1, max: 1500 }), (input, extraDays) => {
        const shift = extraDays * DAY;
        const phoneBoundAt = input.subject.phoneBoundAt - shift;
        const profile =
          input.subject.history.profile && input.subject.history.profile.ownerProofAt !== undefined
            ? { ...input.subject.history.profile, ownerProofAt: input.subject.history.profile.ownerProofAt - shift }
            : input.subject.history.profile;
        const lastSeenAt = input.subject.lastSeenAt;
        const older = withSubject(input, {
          phoneBoundAt,
          ...(lastSeenAt !== undefined ? { lastSeenAt: lastSeenAt - shift } : {}),
          history: profile ? { status: 'ok', profile } : input.subject.history,
          intel: { ...input.subject.intel, since: intelSince(phoneBoundAt, profile?.strongProofAt) },
        });
        expectNotLower(input, older);
      }),
      { numRuns: 3000 },
    );
  });

  it('a device the account never used, instead of one it did, never lowers risk nor eases the action', () => {
    fc.assert(
      fc.property(
        withProfile.filter((input) => input.subject.history.profile!.devices.length > 0),
        fc.nat(),
        (input, pick) => {
          const devices = input.subject.history.profile!.devices;
          const known = devices[pick % devices.length]!;
          const knownFacts = DEVICE_POOL.find((device) => device.key === known.key)!;
          const unseen = DEVICE_POOL.filter((device) => devices.every((entry) => entry.classKey !== device.classKey));
          const stranger = unseen[pick % Math.max(1, unseen.length)] ?? {
            key: 't:unseen',
            fromToken: true,
            classKey: 'harmonyos|tablet#x',
            osFamily: 'harmonyos',
            deviceType: 'tablet',
          };
          expectNotLower(
            withLogin(input, { device: knownFacts }),
            withLogin(input, { device: { ...stranger, key: stranger.fromToken ? 't:stranger' : stranger.key } }),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a country the account never used, instead of a region it did, never lowers risk nor eases the action', () => {
    fc.assert(
      fc.property(
        withProfile.filter((input) => input.subject.history.profile!.locations.length > 0),
        fc.nat(),
        fc.double({ min: -60, max: 70, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        (input, pick, lat, lon) => {
          const places = input.subject.history.profile!.locations;
          const home = places[pick % places.length]!;
          const country = OTHER_COUNTRIES.find((code) => places.every((place) => place.country !== code))!;
          const atHome: GeoResult = { country: home.country, region: home.region!, lat: home.lat!, lon: home.lon!, accuracyKm: 20 };
          // Anywhere on earth, including right next to home: the new country alone must not help.
          const abroad: GeoResult = { country, region: 'X', lat, lon, accuracyKm: 20 };
          expectNotLower(withLogin(input, { geo: { status: 'ok', result: atHome } }), withLogin(input, { geo: { status: 'ok', result: abroad } }));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('one more failed step-up in the last week never lowers risk nor eases the action', () => {
    fc.assert(
      fc.property(withProfile, fc.integer({ min: 1, max: 24 * 7 - 1 }), (input, hoursAgo) => {
        const profile = input.subject.history.profile!;
        const failed = { ...profile, failedStepUps: [...profile.failedStepUps, { at: AT - hoursAgo * HOUR, checks: ['password'] }] };
        expectNotLower(input, withSubject(input, { history: { status: 'ok', profile: failed } }));
      }),
      { numRuns: 2000 },
    );
  });

  it('a passed strong check never raises risk', () => {
    fc.assert(
      fc.property(coreInputArb, fc.constantFrom(...STEP_UP_CHECKS), (input, check) => {
        fc.pre(!input.login.verified.includes(check));
        const stronger = withLogin(input, { verified: [...input.login.verified, check] });
        expect(evaluate(stronger).risk).toBeLessThanOrEqual(evaluate(input).risk + EPS);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('key rotation in the core', () => {
  it('a profile under a retired hash of this number is judged exactly as under the current hash', () => {
    fc.assert(
      fc.property(
        withProfile.filter((input) => input.subject.history.profile!.phoneHash === CURRENT),
        (input) => {
          const underRetired = withSubject(input, {
            phoneHashAliases: [RETIRED],
            history: { status: 'ok', profile: { ...input.subject.history.profile!, phoneHash: RETIRED } },
          });
          expect(evaluate(underRetired)).toEqual(evaluate(input));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('without the retired key, the same profile is another number: its proofs do not count', () => {
    fc.assert(
      fc.property(
        withProfile.filter((input) => input.subject.history.profile!.phoneHash === CURRENT && input.subject.history.profile!.ownerProofAt !== undefined),
        (input) => {
          const unknown = withSubject(input, { history: { status: 'ok', profile: { ...input.subject.history.profile!, phoneHash: RETIRED } } });
          const codes = evaluate(unknown).reasons.flatMap((reason) => (reason.details?.proofFrom === undefined ? [] : [reason.details.proofFrom]));
          expect(codes).not.toContain('history');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('mergeProfile: a patch naming the retired hash merges into a retired profile as into a current one, and moves it to the current hash', () => {
    const patchArb: fc.Arbitrary<ProfilePatch> = fc
      .record({
        hoursLater: fc.integer({ min: -48, max: 48 }),
        device: maybe(fc.record({ device: fc.constantFrom(...DEVICE_POOL), vouched: fc.boolean() })),
        place: maybe(fc.constantFrom(...PLACE_POOL)),
        ownerProof: fc.boolean(),
        strongProof: fc.boolean(),
        failed: fc.boolean(),
      })
      .map((g) => {
        const at = AT + g.hoursLater * HOUR;
        const patch: ProfilePatch = { at, phoneHash: CURRENT };
        if (g.device)
          patch.device = {
            key: g.device.device.key,
            fromToken: g.device.device.fromToken,
            classKey: g.device.device.classKey,
            deviceType: g.device.device.deviceType,
            vouched: g.device.vouched,
          };
        if (g.place) patch.location = { key: `${g.place.country}|${g.place.region}|${g.place.city}`, country: g.place.country, region: g.place.region! };
        if (g.ownerProof) patch.ownerProofAt = at;
        if (g.strongProof) patch.strongProofAt = at;
        if (g.failed) patch.failedStepUp = { at, checks: ['password'] };
        return patch;
      });
    fc.assert(
      fc.property(
        profileArb.filter((profile) => profile.phoneHash === CURRENT),
        patchArb,
        (profile, patch) => {
          const expected = mergeProfile(profile, patch, DEFAULT_PROFILE_LIMITS);
          const migrated = mergeProfile({ ...profile, phoneHash: RETIRED }, { ...patch, phoneHashAliases: [RETIRED] }, DEFAULT_PROFILE_LIMITS);
          expect(migrated).toEqual(expected);
          expect(migrated.phoneHash).toBe(CURRENT);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
