import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTEMPT_ACTIONS,
  createGuard,
  InvalidInputError,
  memoryStore,
  STEP_UP_CHECKS,
  type AttemptInput,
  type Decision,
  type GuardOptions,
} from 'recycled-number-guard';
import { cidrGeoLookup } from 'recycled-number-guard/evidence';
import { PRESET_NAMES } from 'recycled-number-guard/core';

/**
 * Properties of the whole guard (validation, evidence, core, persistence) on generated input.
 * Attribution tolerance: |prior + sum(effect) - risk| < 1e-9 (floating-point sums of at most a few
 * dozen terms, each at most 1 in size, stay many orders of magnitude below that).
 */
const NOW = Date.parse('2026-01-10T09:30:00Z');
const KEY = 'guard-property-key-0123456789';
const geo = cidrGeoLookup([
  { cidr: '198.51.100.0/25', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 } },
  { cidr: '198.51.100.128/25', geo: { country: 'US', region: 'CA', city: 'San Francisco', lat: 37.8, lon: -122.4, accuracyKm: 20 } },
  { cidr: '2001:db8::/32', geo: { country: 'JP', region: '13', city: 'Tokyo', lat: 35.7, lon: 139.7, accuracyKm: 20 } },
]);
const VALID: AttemptInput = { accountId: 'acct-1', phone: '+8613800138000', phoneBoundAt: '2022-11-02T08:00:00Z', ip: '198.51.100.7', at: NOW };

function isDecision(value: Decision) {
  expect(['allow', 'step_up', 'deny']).toContain(value.action);
  expect(['allow', 'step_up', 'deny']).toContain(value.wouldBe);
  expect(value.risk).toBeGreaterThanOrEqual(0);
  expect(value.risk).toBeLessThanOrEqual(1);
  const sum = value.reasons.reduce((total, reason) => total + reason.effect, 0);
  expect(Math.abs(value.prior + sum - value.risk)).toBeLessThan(1e-9);
}

describe('prototype-pollution keys anywhere in the input', () => {
  const dangerous = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__'];
  // Built with JSON.parse, as a host's body parser would: "__proto__" becomes an own key.
  const hostile = fc.record({
    top: fc.constantFrom(...dangerous),
    hint: fc.constantFrom(...dangerous),
    value: fc.oneof(fc.constant('{"polluted":true}'), fc.constant('{"isAdmin":true,"action":"allow"}'), fc.constant('"allow"'), fc.constant('null')),
    field: fc.constantFrom('accountId', 'phone', 'deviceId', 'userAgent', 'action', 'verified', 'clientHints', 'at'),
  });

  it('never pollutes Object.prototype, and yields a decision or an InvalidInputError', async () => {
    const guard = createGuard({ geo, clock: () => NOW, hashKey: KEY });
    await fc.assert(
      fc.asyncProperty(hostile, async ({ top, hint, value, field }) => {
        const json = `{${Object.entries(VALID)
          .map(([key, entry]) => `${JSON.stringify(key)}:${JSON.stringify(entry)}`)
          .join(',')},${JSON.stringify(top)}:${value},"clientHints":{${JSON.stringify(hint)}:"x","sec-ch-ua-platform":"\\"Android\\""}}`;
        const input = JSON.parse(json) as Record<string, unknown>;
        input[field] = JSON.parse(`{${JSON.stringify(top)}:${value}}`);
        try {
          isDecision(await guard.assess(input as unknown as AttemptInput));
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          expect((error as InvalidInputError).fields.length).toBeGreaterThan(0);
        }
        const probe = {} as Record<string, unknown>;
        expect(probe.polluted).toBeUndefined();
        expect(probe.isAdmin).toBeUndefined();
        expect(probe.action).toBeUndefined();
        expect(typeof probe.toString).toBe('function');
      }),
      { numRuns: 500 },
    );
  });
});

describe('an attempt with a field made invalid is rejected naming that field, never decided', () => {
  const breakers: Record<string, fc.Arbitrary<unknown>> = {
    accountId: fc.oneof(fc.constant(''), fc.string({ minLength: 257, maxLength: 2000 }), fc.integer(), fc.constant(null), fc.array(fc.string())),
    phone: fc.oneof(
      fc.constant(''),
      fc.string({ minLength: 41, maxLength: 500 }),
      fc.constantFrom('+1', '+999999999999999', 'call me', '+86 138', '😀'),
      fc.double(),
    ),
    phoneBoundAt: fc.oneof(
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 1e20, '1989-12-31', 'yesterday', '2026-13-45', '2099-01-01T00:00:00Z'),
      fc.constant(new Date(Number.NaN)),
      fc.boolean(),
    ),
    ip: fc.oneof(
      fc.constantFrom('', '999.1.1.1', '1.2.3', 'localhost', '::g', '1.2.3.4/24', '[::1', '01.02.03.04.05'),
      fc.string({ minLength: 65, maxLength: 300 }),
      fc.integer(),
    ),
    at: fc.oneof(fc.constantFrom(Number.NaN, 8.64e15 + 1, '2100-01-01T00:00:00Z', NOW + 3 * 86_400_000, 'now'), fc.boolean()),
    action: fc.oneof(fc.constantFrom('', 'LOGIN', 'allow', 'admin', '__proto__'), fc.integer()),
    verified: fc.oneof(fc.constant([]), fc.constant(['sms']), fc.constant('sms_otp'), fc.array(fc.constant('password'), { minLength: 17, maxLength: 40 })),
    deviceId: fc.oneof(fc.constant(''), fc.string({ minLength: 257, maxLength: 1000 }), fc.integer()),
    lastSeenAt: fc.constantFrom(NOW + 86_400_000, Number.NaN, 'later'),
    defaultCountry: fc.constantFrom('', 'CHN', '86', 'c'),
    userAgent: fc.oneof(fc.integer(), fc.constant({}), fc.constant([])),
  };
  const invalid = fc.constantFrom(...Object.keys(breakers)).chain((field) => breakers[field]!.map((value) => ({ field, value })));

  it.each(['enforce', 'dry_run'] as const)('%s', async (mode) => {
    const guard = createGuard({ geo, clock: () => NOW, hashKey: KEY, mode });
    await fc.assert(
      fc.asyncProperty(invalid, async ({ field, value }) => {
        const error = await guard.assess({ ...VALID, [field]: value } as unknown as AttemptInput).then(
          (decision) => decision,
          (caught: unknown) => caught,
        );
        expect(error, `${field}=${String(value).slice(0, 40)} was decided`).toBeInstanceOf(InvalidInputError);
        expect((error as InvalidInputError).fields.some((name) => name === field || name.startsWith(`${field}.`))).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('a carrier-confirmed reissue after binding is never allow, whatever the host configures', () => {
  const config = fc.record({
    preset: fc.constantFrom(...PRESET_NAMES),
    mode: fc.constantFrom('enforce', 'dry_run'),
    action: fc.constantFrom(...ATTEMPT_ACTIONS),
    checks: fc.subarray([...STEP_UP_CHECKS]),
    verified: fc.subarray([...STEP_UP_CHECKS]),
    sms: fc.boolean(),
    // Thresholds as lax as the option schema allows (1 = "never step up on risk alone").
    stepUp: fc.double({ min: 0, max: 1, noNaN: true }),
    deny: fc.double({ min: 0, max: 1, noNaN: true }),
    // Any reissue weight the guard accepts (below ln 720 it is refused at config time: validation.test.ts).
    reissueWeight: fc.double({ min: Math.log(720), max: 20, noNaN: true }),
    cached: fc.boolean(),
    deviceKnown: fc.boolean(),
  });

  it('in any preset, action, mode (its would-be action), thresholds and weights, fresh or cached', async () => {
    await fc.assert(
      fc.asyncProperty(config, async (c) => {
        const thresholds = { stepUp: Math.min(c.stepUp, c.deny), deny: Math.max(c.stepUp, c.deny) };
        const options: GuardOptions = {
          preset: c.preset,
          mode: c.mode,
          checks: c.checks,
          geo,
          store: memoryStore(),
          hashKey: KEY,
          clock: () => NOW,
          thresholds,
          sensitiveThresholds: thresholds,
          actionThresholds: { [c.action]: thresholds },
          weights: { number_reissued_after_binding: c.reissueWeight },
          numberIntel: { name: 'carrier', check: async () => ({ source: 'carrier', changedSince: true, reissuedAt: '2025-06-01T00:00:00Z' }) },
        };
        const guard = createGuard(options);
        const attempt: AttemptInput = {
          ...VALID,
          action: c.action,
          verified: [...(c.sms || c.verified.length === 0 ? ['sms_otp' as const] : []), ...c.verified],
          deviceId: 'device',
        };
        // A second attempt reads the carrier's answer from the cache instead of asking again.
        if (c.cached) await guard.assess(attempt);
        const decision = await guard.assess(attempt);
        isDecision(decision);
        expect(decision.numberChangedHands).toBe('yes');
        if (attempt.verified?.includes('sms_otp')) expect(decision.wouldBe).not.toBe('allow');
        expect(decision.action).toBe(c.mode === 'dry_run' ? 'allow' : decision.wouldBe);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('sequences of logins on one account', () => {
  const step = fc.record({
    minutesLater: fc.integer({ min: 1, max: 200 * 24 * 60 }),
    ip: fc.constantFrom('198.51.100.7', '198.51.100.200', '2001:db8::7', '203.0.113.9'),
    deviceId: fc.option(fc.constantFrom('owner-phone', 'owner-laptop', 'stranger'), { nil: undefined }),
    userAgent: fc.option(fc.constantFrom('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)', 'Mozilla/5.0 (Linux; Android 14; Pixel 8)', 'curl/8.0'), {
      nil: undefined,
    }),
    action: fc.constantFrom(...ATTEMPT_ACTIONS),
    strong: fc.subarray(['password', 'face'] as const),
    outcome: fc.constantFrom('pass', 'fail', 'none'),
  });

  it('every decision is well-formed and attributed, whatever the history has become', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PRESET_NAMES), fc.array(step, { minLength: 1, maxLength: 12 }), async (preset, steps) => {
        let now = NOW - 400 * 86_400_000;
        const guard = createGuard({ preset, geo, store: memoryStore({ now: () => now }), hashKey: KEY, clock: () => now, checks: ['password', 'face'] });
        for (const s of steps) {
          now += s.minutesLater * 60_000;
          const decision = await guard.assess({
            ...VALID,
            at: now,
            ip: s.ip,
            action: s.action,
            verified: ['sms_otp', ...s.strong],
            ...(s.deviceId ? { deviceId: s.deviceId } : {}),
            ...(s.userAgent ? { userAgent: s.userAgent } : {}),
          });
          isDecision(decision);
          expect(decision.persisted).toBe(true);
          if (decision.action === 'step_up' && s.outcome !== 'none') {
            const result = await guard.recordOutcome(decision.id, {
              check: decision.stepUp!.anyOf[0]![0]!,
              passed: s.outcome === 'pass',
              accountId: VALID.accountId,
            });
            expect(result.action).toBe(s.outcome === 'pass' ? 'allow' : 'deny');
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
