import { describe, expect, it } from 'vitest';
import { chooseStepUp } from '../../src/core/decide.js';
import { combinedStrength } from '../../src/core/step-up.js';
import { evaluate } from '../../src/core/evaluate.js';
import { PRESETS, PRESET_NAMES } from '../../src/core/policy.js';
import { score } from '../../src/core/score.js';
import { ATTEMPT_ACTIONS, SENSITIVE_ACTIONS, STEP_UP_CHECKS } from '../../src/types/index.js';
import { ANDROID, AT, BEIJING, DAY, IPHONE, SHANGHAI, TOKYO, coreInput, ownerProfile, withLogin, withSubject } from '../helpers/core-input.js';

const BOUND = Date.parse('2022-11-02T08:00:00Z');
const dormantStranger = (preset: 'cloud-drive' | 'social' | 'fintech' = 'cloud-drive') =>
  coreInput({ preset, device: ANDROID, geo: { status: 'ok', result: SHANGHAI }, profile: ownerProfile({ ownerProofAt: AT - 400 * DAY }) });
const carrierYes = { status: 'ok' as const, since: BOUND, answers: [{ source: 'carrier', changedSince: true }] };

const NO_HISTORY = { key: 'no_history', params: {} } as const;

describe('score', () => {
  it('is the prior with no evidence', () => {
    const result = score(0.01, []);
    expect(result.risk).toBeCloseTo(0.01, 12);
    expect(result.reasons).toEqual([]);
  });

  it('effects add up to risk - prior, keep their sign, and come strongest first', () => {
    const result = score(0.001, [
      { code: 'new_device', logLR: Math.log(6), text: NO_HISTORY },
      { code: 'known_region', logLR: Math.log(0.7), text: NO_HISTORY },
      { code: 'dormant_beyond_aging', logLR: Math.log(20), text: NO_HISTORY },
      { code: 'geo_unavailable', logLR: 0, text: NO_HISTORY },
    ]);
    const sum = result.reasons.reduce((total, reason) => total + reason.effect, 0);
    expect(result.prior + sum).toBeCloseTo(result.risk, 12);
    expect(result.risk).toBeCloseTo(1 / (1 + (1 - 0.001) / 0.001 / (6 * 0.7 * 20)), 12);
    expect(result.reasons.map((reason) => reason.code)).toEqual(['dormant_beyond_aging', 'new_device', 'known_region', 'geo_unavailable']);
    expect(result.reasons.find((reason) => reason.code === 'known_region')!.effect).toBeLessThan(0);
    expect(result.reasons.find((reason) => reason.code === 'geo_unavailable')!.effect).toBe(0);
  });

  it('stays within [0, 1] for extreme evidence', () => {
    expect(score(0.5, [{ code: 'new_device', logLR: 800, text: NO_HISTORY }]).risk).toBeLessThanOrEqual(1);
    expect(score(0.5, [{ code: 'known_device', logLR: -800, text: NO_HISTORY }]).risk).toBeGreaterThanOrEqual(0);
  });
});

describe('decisions', () => {
  it('the core is deterministic: same input, same result', () => {
    const input = dormantStranger();
    expect(evaluate(input)).toEqual(evaluate(structuredClone(input)));
  });

  it('allows the owner who provably held the number recently, from a known device, without friction', () => {
    for (const preset of PRESET_NAMES) {
      const result = evaluate(coreInput({ preset }));
      expect(result.action, preset).toBe('allow');
      expect(result.stepUp).toBeUndefined();
    }
  });

  it('carrier-confirmed reissue never yields allow, in any preset or action', () => {
    for (const preset of PRESET_NAMES) {
      for (const action of ATTEMPT_ACTIONS) {
        for (const verified of [['sms_otp'], ['sms_otp', 'password'], ['sms_otp', 'face', 'id_match']] as const) {
          const result = evaluate(coreInput({ preset, attempt: { action, verified: [...verified] }, intel: carrierYes }));
          expect(result.action, `${preset} ${action} ${verified.join('+')}`).not.toBe('allow');
          expect(result.numberChangedHands).toBe('yes');
          expect(result.advice.newHolder).toBe('offer_new_account');
          expect(result.advice.previousHolder).toBe('protect_account');
        }
      }
    }
  });

  it('fintech denies a carrier-confirmed reissue; cloud-drive asks for a strong check', () => {
    expect(evaluate(withSubject(dormantStranger('fintech'), { intel: carrierYes })).action).toBe('deny');
    const drive = evaluate(coreInput({ profile: null, intel: carrierYes }));
    expect(drive.action).toBe('step_up');
    for (const set of drive.stepUp!) for (const check of set) expect(PRESETS['cloud-drive'].checkStrength[check]).toBeGreaterThanOrEqual(0.9);
  });

  it('every preset steps up (or denies) a stranger on a long-dormant account', () => {
    for (const preset of PRESET_NAMES) expect(evaluate(dormantStranger(preset)).action, preset).not.toBe('allow');
  });

  it('fintech is the strictest preset: its step-up threshold is lowest for every action', () => {
    for (const action of ATTEMPT_ACTIONS) {
      const sensitive = SENSITIVE_ACTIONS.has(action);
      const t = (name: 'cloud-drive' | 'social' | 'fintech') => (sensitive ? PRESETS[name].sensitiveThresholds : PRESETS[name].thresholds).stepUp;
      expect(t('fintech')).toBeLessThanOrEqual(t('cloud-drive'));
      expect(t('fintech')).toBeLessThanOrEqual(t('social'));
    }
  });

  it('sensitive actions raise the bar: the same evidence can pass a login and be stepped up for a payment', () => {
    // The owner within the aging period (no reissue possible), with more or less unusual device and
    // place: some mix passes a login and steps up the payment (which mix depends on where the
    // preset's lines are, so the test looks for it rather than hard-coding it).
    const devices = [IPHONE, { ...IPHONE, key: 't:reinstalled' }, ANDROID];
    const places = [BEIJING, SHANGHAI, TOKYO];
    const inputs = devices.flatMap((device) =>
      places.flatMap((place) =>
        [1, 30, 80].map((days) =>
          coreInput({
            device,
            geo: { status: 'ok', result: place },
            profile: ownerProfile({ ownerProofAt: AT - days * DAY, lastLogin: { at: AT - 2 * 3_600_000, ...BEIJING } }),
          }),
        ),
      ),
    );
    const pairs = inputs.map((input) => ({ login: evaluate(input), payment: evaluate(withLogin(input, { action: 'payment' })) }));
    for (const { login, payment } of pairs) expect(login.risk).toBeCloseTo(payment.risk, 12);
    const split = pairs.find(({ login, payment }) => login.action === 'allow' && payment.action === 'step_up');
    expect(split, 'some evidence passes a login but steps up a payment').toBeDefined();
    expect(split!.payment.reasons.map((reason) => reason.code)).toContain('sensitive_action');
    // And never the other way round.
    for (const { login, payment } of pairs) if (payment.action === 'allow') expect(login.action).toBe('allow');
  });

  it('covers every preset x action with a well-formed result', () => {
    for (const preset of PRESET_NAMES) {
      for (const action of ATTEMPT_ACTIONS) {
        const result = evaluate(withLogin(dormantStranger(preset), { action }));
        expect(['allow', 'step_up', 'deny']).toContain(result.action);
        expect(result.risk).toBeGreaterThanOrEqual(0);
        expect(result.risk).toBeLessThanOrEqual(1);
        if (result.action === 'step_up') expect(result.stepUp!.length).toBeGreaterThan(0);
        else expect(result.stepUp).toBeUndefined();
      }
    }
  });

  it('fintech always asks for a non-SMS check before changing the phone or resetting the password', () => {
    for (const action of ['change_phone', 'reset_password'] as const) {
      expect(evaluate(coreInput({ preset: 'fintech', attempt: { action } })).action).toBe('step_up');
      expect(evaluate(coreInput({ preset: 'fintech', attempt: { action, verified: ['sms_otp', 'face'] } })).action).toBe('allow');
    }
  });

  it('register on an already-bound number advises a fresh account for the holder', () => {
    const result = evaluate(coreInput({ device: ANDROID, attempt: { action: 'register' }, profile: ownerProfile({ ownerProofAt: AT - 200 * DAY }) }));
    expect(result.action).not.toBe('allow');
    expect(result.advice.newHolder).toBe('offer_new_account');
  });

  it('fail mode: fintech steps up without history; cloud-drive scores what it has', () => {
    const unavailable = { status: 'unavailable' as const, profile: null, error: 'down' };
    const fintech = evaluate(coreInput({ preset: 'fintech', history: unavailable, attempt: { lastSeenAt: AT - DAY } }));
    expect(fintech.action).toBe('step_up');
    expect(fintech.reasons.map((reason) => reason.code)).toEqual(expect.arrayContaining(['history_unavailable', 'fail_mode_applied']));
    const drive = evaluate(coreInput({ history: unavailable, attempt: { lastSeenAt: AT - DAY } }));
    expect(drive.reasons.map((reason) => reason.code)).toContain('history_unavailable');
    expect(drive.reasons.map((reason) => reason.code)).not.toContain('fail_mode_applied');
  });

  it('fail mode: fintech steps up a dormant account when carrier evidence is unavailable', () => {
    const input = coreInput({
      preset: 'fintech',
      profile: ownerProfile({ ownerProofAt: AT - 120 * DAY }),
      intel: { status: 'unavailable', since: BOUND, answers: [{ source: 'carrier', unavailable: 'timeout' }] },
    });
    expect(evaluate(input).action).toBe('step_up');
  });
});

describe('step-up choice', () => {
  const policy = PRESETS['cloud-drive'];

  it('never asks for a check the host cannot run', () => {
    for (const check of STEP_UP_CHECKS) {
      const options = chooseStepUp(policy, [check], [], 0.5);
      for (const set of options) expect(set).toEqual([check]);
    }
  });

  it('combines two weaker checks when no single one suffices', () => {
    expect(chooseStepUp(policy, ['email', 'known_address'], [], 0.85)).toEqual([['email', 'known_address']]);
    expect(chooseStepUp(policy, ['email', 'known_address'], [], 0.9)).toEqual([]);
  });

  it('does not ask again for a check already passed in this attempt', () => {
    expect(chooseStepUp(policy, ['password', 'face'], ['password'], 0.9)).toEqual([['face']]);
  });

  it('denies when none of the host checks is strong enough', () => {
    const result = evaluate({ ...dormantStranger(), checks: ['known_address'] });
    expect(result.action).toBe('deny');
    expect(result.reasons.find((reason) => reason.code === 'fail_mode_applied')?.message).toMatch(/none of the host's checks/);
  });

  it('asks for stronger checks when the number likely changed hands: not a password alone where the host has more', () => {
    const result = evaluate({ ...dormantStranger(), checks: ['password', 'email', 'face'] });
    expect(result.action).toBe('step_up');
    // cloud-drive's bar for a possible new holder (0.97): face, or a password with a factor of another kind.
    expect(result.stepUp).toEqual([['face'], ['password', 'email']]);
  });

  it('combines only checks of different kinds: a password and the previous one fail together', () => {
    expect(combinedStrength(policy, ['password', 'previous_password'])).toBe(policy.checkStrength.password);
    expect(chooseStepUp(policy, ['password', 'previous_password'], [], 0.95)).toEqual([]);
    expect(chooseStepUp(policy, ['password', 'email'], [], 0.95)).toEqual([['password', 'email']]);
  });

  it('counts what was already passed: after an email, a password completes the bar', () => {
    expect(chooseStepUp(policy, ['password', 'face', 'known_address'], ['email'], 0.97)).toEqual([['password'], ['face']]);
  });

  it('a retry after failed step-ups is stepped up again at the same bar, with the failures counted against it', () => {
    const first = evaluate({ ...dormantStranger(), checks: ['password', 'id_match'] });
    const failures = [1, 2, 3].map((hours) => ({ at: AT - hours * 3_600_000, checks: ['id_match' as const] }));
    const retry = evaluate({
      ...withSubject(dormantStranger(), { history: { status: 'ok', profile: ownerProfile({ ownerProofAt: AT - 400 * DAY, failedStepUps: failures }) } }),
      checks: ['password', 'id_match'],
    });
    expect(first.stepUp).toEqual([['id_match']]);
    expect(retry.action).not.toBe('allow');
    expect(retry.risk).toBeGreaterThan(first.risk);
    if (retry.action === 'step_up') expect(retry.stepUp).toEqual([['id_match']]);
  });

  it('a host whose password resets by SMS: the password counts for nothing against a possible new holder', () => {
    const resettable = { ...policy, passwordResetBySms: true };
    const withFace = evaluate({ ...dormantStranger(), policy: resettable, checks: ['password', 'face'] });
    expect(withFace).toMatchObject({ action: 'step_up', stepUp: [['face']] });
    const passwordOnly = evaluate({ ...dormantStranger(), policy: resettable, checks: ['password'] });
    expect(passwordOnly.action).toBe('deny');
    // The same host without SMS resets: the password is what it has, so it is asked.
    expect(evaluate({ ...dormantStranger(), checks: ['password'] })).toMatchObject({ action: 'step_up', stepUp: [['password']] });
  });
});

describe('checks passed in the attempt itself', () => {
  // A stranger on a long-dormant account: SMS alone puts risk above cloud-drive's high-risk bar.
  const stranger = dormantStranger();
  const withVerified = (verified: ('sms_otp' | 'password' | 'email')[], checks: ('password' | 'email' | 'face')[]) =>
    evaluate({ ...withLogin(stranger, { verified }), checks });

  it('meet the step-up: a password-only host whose user already gave the password is allowed, not denied', () => {
    const smsOnly = withVerified(['sms_otp'], ['password']);
    expect(smsOnly.action).toBe('step_up');
    expect(smsOnly.stepUp).toEqual([['password']]);
    const withPassword = withVerified(['sms_otp', 'password'], ['password']);
    expect(withPassword.risk).toBeLessThan(smsOnly.risk);
    expect(withPassword.risk).toBeGreaterThanOrEqual(PRESETS['cloud-drive'].thresholds.stepUp);
    // The same person on the assess -> step-up -> recordOutcome path would be let in.
    expect(withPassword.action).toBe('allow');
    const note = withPassword.reasons.find((reason) => reason.code === 'strong_factor_verified' && reason.effect === 0);
    expect(note?.message).toMatch(/already met in this attempt by password/);
  });

  it('are measured against the bar of the SMS-only attempt, not the bar their own discount lowered', () => {
    // Email (0.8) meets the base bar but not the high one this stranger faces (0.9).
    const smsOnly = withVerified(['sms_otp'], ['password', 'email', 'face']);
    expect(smsOnly.risk).toBeGreaterThanOrEqual(PRESETS['cloud-drive'].requiredStrength.highRiskAt);
    const withEmail = withVerified(['sms_otp', 'email'], ['password', 'email', 'face']);
    expect(withEmail.risk).toBeLessThan(PRESETS['cloud-drive'].requiredStrength.highRiskAt);
    expect(withEmail.action).toBe('step_up');
    expect(withEmail.stepUp).toEqual([['password'], ['face']]);
  });

  it('never let a carrier-confirmed reissue through from assess, whatever was passed', () => {
    const result = evaluate({ ...withSubject(withLogin(stranger, { verified: ['sms_otp', 'password'] }), { intel: carrierYes }), checks: ['password'] });
    expect(result.action).not.toBe('allow');
  });
});

describe('fail modes: blind to history, fintech asks for the strongest check the host has', () => {
  // Bound four months ago, store down: risk is above fintech's step-up line but below its high-risk
  // line, so only the blindness decides how strong the step-up must be.
  const blind = coreInput({ preset: 'fintech', history: { status: 'unavailable', profile: null }, attempt: { phoneBoundAt: AT - 120 * DAY } });
  const run = (checks: ('password' | 'face')[], verified: ('sms_otp' | 'password')[]) => evaluate({ ...withLogin(blind, { verified }), checks });

  it('a host with a face check: the step-up is the face check, even after a password', () => {
    expect(run(['password', 'face'], ['sms_otp'])).toMatchObject({ action: 'step_up', stepUp: [['face']] });
    expect(run(['password', 'face'], ['sms_otp', 'password'])).toMatchObject({ action: 'step_up', stepUp: [['face']] });
  });

  it('a host with only a password: a password step-up, never a denial for lack of evidence', () => {
    expect(run(['password'], ['sms_otp']).risk).toBeLessThan(PRESETS.fintech.requiredStrength.highRiskAt);
    expect(run(['password'], ['sms_otp'])).toMatchObject({ action: 'step_up', stepUp: [['password']] });
    expect(run(['password'], ['sms_otp', 'password']).action).toBe('allow');
  });
});
