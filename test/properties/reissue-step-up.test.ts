/**
 * What a possible new holder is asked for. Whoever holds a recycled number gets its SMS code, and may
 * know the previous holder's leaked password (or reset it by SMS, where the host allows that). So once
 * a reissue was possible and nothing unforgeable shows the owner, the step-up must be one the host's
 * strongest checks make it: a password alone where the host can run more is not enough. These hold
 * for every preset, host, dormancy and carrier answer generated.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/core/evaluate.js';
import { minAgingDaysFor, PRESETS, PRESET_NAMES, type Policy } from '../../src/core/policy.js';
import type { LoginInput } from '../../src/core/signals/index.js';
import { CHECK_KIND, chooseStepUp, combinedStrength, reissuePolicy } from '../../src/core/step-up.js';
import { STEP_UP_CHECKS, type NumberIntelAnswer, type StepUpCheck } from '../../src/types/index.js';
import { AT, DAY, PHONE_HASH, attempt, loginInput, ownerProfile, withLogin } from '../helpers/core-input.js';

interface Case {
  input: LoginInput;
  confirmed: boolean;
}

/** An SMS login with no device token, its last proof of possession older than the aging period. */
const possibleNewHolder: fc.Arbitrary<Case> = fc
  .record({
    preset: fc.constantFrom(...PRESET_NAMES),
    phoneCountry: fc.constantFrom('CN', 'US', 'GB'),
    beyondAgingDays: fc.integer({ min: 1, max: 1500 }),
    checks: fc.subarray([...STEP_UP_CHECKS], { minLength: 1 }),
    passwordResetBySms: fc.boolean(),
    confirmed: fc.boolean(),
  })
  .map((g) => {
    const policy: Policy = { ...PRESETS[g.preset], passwordResetBySms: g.passwordResetBySms };
    const dormancyDays = minAgingDaysFor(policy, g.phoneCountry) + g.beyondAgingDays;
    const normalized = attempt({ phoneCountry: g.phoneCountry, phoneBoundAt: AT - 3000 * DAY, verified: ['sms_otp'] });
    const answers: NumberIntelAnswer[] = g.confirmed ? [{ source: 'camara-number-recycling', changedSince: true }] : [];
    const input = loginInput(
      normalized,
      {
        phoneHash: PHONE_HASH,
        device: null,
        geo: { status: 'unavailable', result: null },
        history: { status: 'ok', profile: ownerProfile({ ownerProofAt: AT - dormancyDays * DAY, devices: [], locations: [] }) },
        intel: g.confirmed ? { status: 'ok', since: normalized.phoneBoundAt, answers } : { status: 'not_configured', since: normalized.phoneBoundAt, answers },
        numberEvents: [],
      },
      policy,
      g.checks,
    );
    return { input, confirmed: g.confirmed };
  });

const barOf = (policy: Policy, confirmed: boolean) => (confirmed ? policy.requiredStrength.confirmedReissue : policy.requiredStrength.likelyReissue);

describe('a possible new holder is asked for what a leaked password cannot pass, where the host has it', () => {
  it('when the host can meet the preset reissue bar, every option offered meets it', () => {
    fc.assert(
      fc.property(possibleNewHolder, ({ input, confirmed }) => {
        const result = evaluate(input);
        expect(result.action).not.toBe('allow');
        expect(['likely', 'yes']).toContain(result.numberChangedHands);
        const judged = reissuePolicy(input.policy);
        const bar = barOf(input.policy, confirmed);
        if (result.action !== 'step_up' || chooseStepUp(judged, input.checks, [], bar).length === 0) return;
        for (const option of result.stepUp!) expect(combinedStrength(judged, option)).toBeGreaterThanOrEqual(bar);
        // cloud-drive and fintech: a password alone is never enough here (social accepts it for "likely").
        if (bar > input.policy.checkStrength.password) expect(result.stepUp).not.toContainEqual(['password']);
      }),
      { numRuns: 600 },
    );
  });

  it('a password the SIM holder can reset by SMS is never asked of a possible new holder', () => {
    fc.assert(
      fc.property(possibleNewHolder, ({ input }) => {
        const result = evaluate({ ...input, policy: { ...input.policy, passwordResetBySms: true } });
        expect(result.action).not.toBe('allow');
        for (const option of result.stepUp ?? []) expect(option).not.toContain('password');
      }),
      { numRuns: 400 },
    );
  });

  it('a host with only a password (not resettable by SMS) still gets a password step-up, not a denial, while only dormancy speaks', () => {
    fc.assert(
      fc.property(possibleNewHolder, ({ input, confirmed }) => {
        fc.pre(!confirmed && input.policy.preset !== 'fintech');
        const result = evaluate({ ...input, policy: { ...input.policy, passwordResetBySms: false }, checks: ['password'] });
        expect(result).toMatchObject({ action: 'step_up', stepUp: [['password']] });
      }),
      { numRuns: 300 },
    );
  });

  it('whoever passes an offered option up front is let in, unless the carrier says the number changed hands', () => {
    fc.assert(
      fc.property(possibleNewHolder, ({ input, confirmed }) => {
        const result = evaluate(input);
        for (const option of result.stepUp ?? []) {
          const upFront = evaluate(withLogin(input, { verified: ['sms_otp', ...option] }));
          if (confirmed) expect(upFront.action).not.toBe('allow');
          else expect(upFront.action).toBe('allow');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('checks of one kind never count as independent factors', () => {
    fc.assert(
      fc.property(fc.subarray([...STEP_UP_CHECKS], { minLength: 1 }), fc.constantFrom(...PRESET_NAMES), (checks, preset) => {
        const policy = PRESETS[preset];
        for (const kind of new Set(checks.map((check) => CHECK_KIND[check]))) {
          const same = checks.filter((check) => CHECK_KIND[check] === kind);
          expect(combinedStrength(policy, same)).toBe(Math.max(...same.map((check: StepUpCheck) => policy.checkStrength[check])));
        }
        for (const option of chooseStepUp(policy, checks, [], 0.95)) {
          if (option.length === 2) expect(CHECK_KIND[option[0]!]).not.toBe(CHECK_KIND[option[1]!]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
