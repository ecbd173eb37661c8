import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/core/evaluate.js';
import { PRESETS, PRESET_NAMES } from '../../src/core/policy.js';
import type { LoginInput } from '../../src/core/signals/index.js';
import { ATTEMPT_ACTIONS, STEP_UP_CHECKS, type DeviceFacts, type GeoResult, type NumberIntelAnswer } from '../../src/types/index.js';
import { createGuard, InvalidInputError } from 'recycled-number-guard';
import { AT, DAY, PHONE_HASH, attempt, deviceRecord, loginInput, ownerProfile, withLogin, withSubject } from '../helpers/core-input.js';

const NOW = Date.parse('2026-01-10T09:30:00Z');
const guard = createGuard({ geo: false, clock: () => NOW, hashKey: 'property-test-key-0123456789' });
const dryRun = createGuard({ geo: false, clock: () => NOW, mode: 'dry_run', hashKey: 'property-test-key-0123456789' });

// ---------------------------------------------------------------------------------------------
// Arbitrary attempts: each field valid, or garbage of every kind.

const garbage = fc.oneof(
  fc.anything(),
  fc.string({ maxLength: 5000 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 1e20, '', ' ', '\u0000', '__proto__', '+86 138 0013 8000 ext 5'),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.date({ noInvalidDate: false }),
);
const validish = {
  accountId: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), garbage),
  phone: fc.oneof(fc.constantFrom('+8613800138000', '+14155552671', '13800138000', '+447911123456'), garbage),
  phoneBoundAt: fc.oneof(fc.constantFrom('2022-11-02T08:00:00Z', '2026-01-10', '2099-01-01T00:00:00Z', 0, Date.UTC(2024, 0, 1)), garbage),
  ip: fc.oneof(fc.constantFrom('203.0.113.7', '2001:db8::1', '::ffff:198.51.100.1', '999.1.1.1', 'fe80::1%eth0'), fc.ipV4(), fc.ipV6(), garbage),
  userAgent: fc.option(fc.oneof(fc.string({ maxLength: 3000 }), garbage), { nil: undefined }),
  clientHints: fc.option(fc.oneof(fc.dictionary(fc.string({ maxLength: 30 }), fc.string({ maxLength: 300 }), { maxKeys: 20 }), garbage), { nil: undefined }),
  deviceId: fc.option(fc.oneof(fc.string({ maxLength: 300 }), garbage), { nil: undefined }),
  action: fc.option(fc.oneof(fc.constantFrom(...ATTEMPT_ACTIONS), garbage), { nil: undefined }),
  verified: fc.option(fc.oneof(fc.subarray(['sms_otp', ...STEP_UP_CHECKS]), garbage), { nil: undefined }),
  at: fc.option(fc.oneof(fc.constantFrom('2026-01-10T09:30:00Z', '2100-01-01T00:00:00Z', NOW), garbage), { nil: undefined }),
  lastSeenAt: fc.option(fc.oneof(fc.constantFrom('2025-12-01T00:00:00Z'), garbage), { nil: undefined }),
};
const anyAttempt = fc.oneof(fc.record(validish, { requiredKeys: [] }), fc.anything());

describe('any input yields a decision or an InvalidInputError, never another exception', () => {
  it('enforce and dry-run, thousands of generated attempts', async () => {
    await fc.assert(
      fc.asyncProperty(anyAttempt, async (input) => {
        for (const g of [guard, dryRun]) {
          try {
            const decision = await g.assess(input as never);
            expect(['allow', 'step_up', 'deny']).toContain(decision.action);
            expect(decision.risk).toBeGreaterThanOrEqual(0);
            expect(decision.risk).toBeLessThanOrEqual(1);
          } catch (error) {
            // Invalid input is rejected, so it can never be allowed.
            expect(error).toBeInstanceOf(InvalidInputError);
            expect((error as InvalidInputError).issues.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 1500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Arbitrary pure-core inputs.

const place = (country: string, region: string, lat: number, lon: number): GeoResult => ({ country, region, city: region, lat, lon, accuracyKm: 20 });
const PLACES = [place('CN', 'BJ', 39.9, 116.4), place('CN', 'SH', 31.2, 121.5), place('US', 'CA', 37.8, -122.4), place('JP', '13', 35.7, 139.7)];
const DEVICES: DeviceFacts[] = [
  { key: 't:a', fromToken: true, classKey: 'ios|mobile#iphone', osFamily: 'ios', deviceType: 'mobile' },
  { key: 't:b', fromToken: true, classKey: 'android|mobile#', osFamily: 'android', deviceType: 'mobile' },
  { key: 'c:windows|desktop#', fromToken: false, classKey: 'windows|desktop#', osFamily: 'windows', deviceType: 'desktop' },
];
const answers = fc.array(
  fc.record(
    {
      source: fc.constantFrom('a', 'b'),
      changedSince: fc.boolean(),
      tenureCoversSince: fc.boolean(),
      lastSimChange: fc.oneof(fc.constant(null), fc.integer({ min: AT - 2000 * DAY, max: AT })),
      identityMatch: fc.boolean(),
      unavailable: fc.constantFrom('timeout', 'IDENTIFIER_NOT_FOUND'),
    },
    { requiredKeys: ['source'] },
  ),
  { maxLength: 3 },
);

const coreInputs = fc
  .record({
    preset: fc.constantFrom(...PRESET_NAMES),
    action: fc.constantFrom(...ATTEMPT_ACTIONS),
    verified: fc.subarray([...STEP_UP_CHECKS]),
    sms: fc.boolean(),
    dormancyDays: fc.integer({ min: 0, max: 2000 }),
    hasProfile: fc.boolean(),
    knownDevice: fc.constantFrom(...DEVICES),
    device: fc.option(fc.constantFrom(...DEVICES), { nil: null }),
    knownPlace: fc.constantFrom(...PLACES),
    place: fc.option(fc.constantFrom(...PLACES), { nil: null }),
    lastLoginMinutesAgo: fc.integer({ min: 1, max: 100_000 }),
    answers,
    phoneCountry: fc.constantFrom('CN', 'US', 'GB'),
    checks: fc.subarray([...STEP_UP_CHECKS], { minLength: 1 }),
  })
  .map((g): LoginInput => {
    const profile = g.hasProfile
      ? ownerProfile({
          ownerProofAt: AT - g.dormancyDays * DAY,
          devices: [deviceRecord(g.knownDevice, true)],
          locations: [
            {
              key: g.knownPlace.region!,
              country: g.knownPlace.country,
              region: g.knownPlace.region!,
              lat: g.knownPlace.lat!,
              lon: g.knownPlace.lon!,
              firstSeen: AT - 400 * DAY,
              lastSeen: AT - DAY,
              count: 3,
            },
          ],
          lastLogin: { at: AT - g.lastLoginMinutesAgo * 60_000, ...g.knownPlace },
        })
      : null;
    const normalized = attempt({
      action: g.action,
      verified: [...(g.sms ? (['sms_otp'] as const) : []), ...g.verified],
      phoneCountry: g.phoneCountry,
      phoneBoundAt: AT - 2500 * DAY,
      ...(g.hasProfile ? {} : { lastSeenAt: AT - g.dormancyDays * DAY }),
    });
    if (normalized.verified.length === 0) normalized.verified = ['sms_otp'];
    return loginInput(
      normalized,
      {
        phoneHash: PHONE_HASH,
        device: g.device,
        geo: g.place ? { status: 'ok', result: g.place } : { status: 'unavailable', result: null },
        history: profile ? { status: 'ok', profile } : { status: 'none', profile: null },
        intel: { status: g.answers.length ? 'ok' : 'not_configured', since: normalized.phoneBoundAt, answers: g.answers as NumberIntelAnswer[] },
        numberEvents: [],
      },
      PRESETS[g.preset],
      g.checks,
    );
  });

describe('the pure core', () => {
  it('risk is a probability and the reasons add up to it', () => {
    fc.assert(
      fc.property(coreInputs, (input) => {
        const result = evaluate(input);
        expect(result.risk).toBeGreaterThanOrEqual(0);
        expect(result.risk).toBeLessThanOrEqual(1);
        const sum = result.reasons.reduce((total, reason) => total + reason.effect, 0);
        // Documented: prior + sum(effect) = risk up to floating-point error.
        expect(Math.abs(result.prior + sum - result.risk)).toBeLessThan(1e-9);
      }),
      { numRuns: 3000 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(coreInputs, (input) => {
        expect(evaluate(input)).toEqual(evaluate(structuredClone(input)));
      }),
      { numRuns: 500 },
    );
  });

  it('adverse evidence never lowers risk', () => {
    fc.assert(
      fc.property(coreInputs, fc.integer({ min: 1, max: 1000 }), (input, extraDays) => {
        const base = evaluate(input).risk;
        // A carrier reissue after binding, asked first.
        const reissue = evaluate(
          withSubject(input, {
            intel: { ...input.subject.intel, status: 'ok', answers: [{ source: 'carrier', changedSince: true }, ...input.subject.intel.answers] },
          }),
        ).risk;
        expect(reissue).toBeGreaterThanOrEqual(base - 1e-12);
        // Longer dormancy.
        if (input.subject.history.profile) {
          const older = { ...input.subject.history.profile, ownerProofAt: input.subject.history.profile.ownerProofAt! - extraDays * DAY };
          expect(evaluate(withSubject(input, { history: { status: 'ok', profile: older } })).risk).toBeGreaterThanOrEqual(base - 1e-12);
          const known = input.subject.history.profile.devices[0]!;
          const knownDevice = DEVICES.find((d) => d.key === known.key)!;
          // A device never seen, of another class, instead of the known one.
          const stranger: DeviceFacts = { key: 't:stranger', fromToken: true, classKey: 'harmonyos|tablet#x', osFamily: 'harmonyos', deviceType: 'tablet' };
          const asKnown = evaluate(withLogin(input, { device: knownDevice })).risk;
          expect(evaluate(withLogin(input, { device: stranger })).risk).toBeGreaterThanOrEqual(asKnown - 1e-12);
          // A new country instead of the known region.
          const home = input.subject.history.profile.locations[0]!;
          const atHome = evaluate(
            withLogin(input, {
              geo: { status: 'ok', result: { country: home.country, region: home.region!, lat: home.lat!, lon: home.lon!, accuracyKm: 20 } },
            }),
          ).risk;
          const abroad = evaluate(withLogin(input, { geo: { status: 'ok', result: place('BR', 'SP', -23.5, -46.6) } })).risk;
          expect(abroad).toBeGreaterThanOrEqual(atHome - 1e-12);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a passed strong check never raises risk', () => {
    fc.assert(
      fc.property(coreInputs, fc.constantFrom(...STEP_UP_CHECKS), (input, check) => {
        if (input.login.verified.includes(check)) return;
        const base = evaluate(input).risk;
        const stronger = evaluate(withLogin(input, { verified: [...input.login.verified, check] })).risk;
        expect(stronger).toBeLessThanOrEqual(base + 1e-12);
      }),
      { numRuns: 2000 },
    );
  });

  it('a carrier-confirmed reissue after binding is never allow with an SMS code, in any preset or action', () => {
    fc.assert(
      fc.property(coreInputs, (input) => {
        const result = evaluate(withSubject(input, { intel: { ...input.subject.intel, status: 'ok', answers: [{ source: 'carrier', changedSince: true }] } }));
        if (input.login.verified.includes('sms_otp')) expect(result.action).not.toBe('allow');
        else expect(result.advice.previousHolder).toBe('review_binding');
        expect(result.numberChangedHands).toBe('yes');
      }),
      { numRuns: 3000 },
    );
  });

  it("nor is it in dry-run mode's would-be action", async () => {
    const carrier = { name: 'carrier', check: async () => ({ source: 'carrier', changedSince: true }) };
    for (const preset of PRESET_NAMES) {
      const g = createGuard({ preset, geo: false, clock: () => NOW, mode: 'dry_run', numberIntel: carrier });
      for (const action of ATTEMPT_ACTIONS) {
        const decision = await g.assess({
          accountId: 'u',
          phone: '+8613800138000',
          phoneBoundAt: '2022-01-01',
          ip: '203.0.113.7',
          action,
          verified: ['sms_otp', 'face', 'id_match', 'password'],
          at: NOW,
        });
        expect(decision.action).toBe('allow');
        expect(decision.wouldBe).not.toBe('allow');
      }
    }
  });
});
