import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/core/evaluate.js';
import type { LoginInput } from '../../src/core/signals/index.js';
import { REASON_CODES, type ReasonCode } from '../../src/types/index.js';
import { ANDROID, AT, BEIJING, DAY, IPHONE, SHANGHAI, TOKYO, coreInput, deviceRecord, ownerProfile, withLogin, withSubject } from '../helpers/core-input.js';

const BOUND = Date.parse('2022-11-02T08:00:00Z');

/** One input per reason code that must produce it; the test below checks the list is complete. */
const CASES: Record<ReasonCode, () => LoginInput> = {
  number_reissued_after_binding: () =>
    coreInput({ intel: { status: 'ok', since: BOUND, answers: [{ source: 'camara-number-recycling', changedSince: true, reissuedAt: '2025-12-01' }] } }),
  number_not_reissued: () => coreInput({ intel: { status: 'ok', since: BOUND, answers: [{ source: 'camara-number-recycling', changedSince: false }] } }),
  tenure_covers_binding: () => coreInput({ intel: { status: 'ok', since: BOUND, answers: [{ source: 'kyc-tenure', tenureCoversSince: true }] } }),
  tenure_after_binding: () => coreInput({ intel: { status: 'ok', since: BOUND, answers: [{ source: 'kyc-tenure', tenureSince: '2025-06-01' }] } }),
  sim_changed_after_binding: () =>
    coreInput({ intel: { status: 'ok', since: BOUND, answers: [{ source: 'sim-swap', lastSimChange: '2025-06-01T00:00:00Z' }] } }),
  sim_unchanged_since_binding: () => coreInput({ intel: { status: 'ok', since: BOUND, answers: [{ source: 'sim-swap', lastSimChange: null }] } }),
  recent_sim_change: () => coreInput({ intel: { status: 'ok', since: BOUND, answers: [{ source: 'sim-swap', lastSimChange: AT - 2 * 3_600_000 }] } }),
  carrier_device_changed: () => coreInput({ intel: { status: 'ok', since: BOUND, answers: [{ source: 'device-swap', lastDeviceChange: '2025-09-01' }] } }),
  identity_mismatch: () => coreInput({ intel: { status: 'ok', since: BOUND, answers: [{ source: 'kyc-match', identityMatch: false }] } }),
  identity_match: () => coreInput({ intel: { status: 'ok', since: BOUND, answers: [{ source: 'kyc-match', identityMatch: true }] } }),
  number_intel_unavailable: () =>
    coreInput({ intel: { status: 'unavailable', since: BOUND, answers: [{ source: 'camara-number-recycling', unavailable: 'timeout' }] } }),
  number_intel_conflict: () =>
    coreInput({
      intel: {
        status: 'ok',
        since: BOUND,
        answers: [
          { source: 'camara-number-recycling', changedSince: false },
          { source: 'twilio-lookup', changedSince: true },
        ],
      },
    }),
  dormant_beyond_aging: () => coreInput({ profile: ownerProfile({ ownerProofAt: AT - 200 * DAY }) }),
  recent_owner_proof: () => coreInput(),
  continuity_unproven: () => coreInput({ device: ANDROID, profile: ownerProfile({ ownerProofAt: AT - 200 * DAY }) }),
  known_device: () => coreInput({ profile: ownerProfile({ devices: [deviceRecord(IPHONE, false)] }) }),
  known_device_class: () => {
    const classOnly = { ...IPHONE, key: 'c:ios|mobile#iphone', fromToken: false };
    return coreInput({ device: classOnly, profile: ownerProfile({ devices: [deviceRecord(classOnly)] }) });
  },
  vouched_device: () => coreInput(),
  new_device: () => coreInput({ device: ANDROID }),
  device_class_change: () => coreInput({ device: ANDROID }),
  device_unavailable: () => coreInput({ device: null }),
  known_region: () => coreInput(),
  new_region: () => coreInput({ geo: { status: 'ok', result: SHANGHAI } }),
  new_country: () => coreInput({ geo: { status: 'ok', result: TOKYO } }),
  impossible_travel: () => coreInput({ geo: { status: 'ok', result: TOKYO }, profile: ownerProfile({ lastLogin: { at: AT - 30 * 60_000, ...BEIJING } }) }),
  number_country_mismatch: () => coreInput({ geo: { status: 'ok', result: TOKYO } }),
  geo_unavailable: () => coreInput({ geo: { status: 'unavailable', result: null, error: 'no location' } }),
  register_on_bound_number: () => coreInput({ attempt: { action: 'register' } }),
  recovery_attempt: () => coreInput({ attempt: { action: 'recover' } }),
  sensitive_action: () => coreInput({ attempt: { action: 'payment' } }),
  recent_failed_step_up: () => coreInput({ profile: ownerProfile({ failedStepUps: [{ at: AT - DAY, checks: ['password'] }] }) }),
  strong_factor_verified: () => coreInput({ attempt: { verified: ['sms_otp', 'password'] } }),
  no_history: () => coreInput({ profile: null }),
  history_unavailable: () => coreInput({ history: { status: 'unavailable', profile: null, error: 'connection refused' } }),
  fail_mode_applied: () => coreInput({ preset: 'fintech', attempt: { action: 'change_phone' } }),
  account_protected: () => withSubject(coreInput(), { protection: { state: 'protected', since: AT - DAY, reason: 'owner_request', by: 'owner' } }),
  dormant_account: () => coreInput({ device: ANDROID, profile: ownerProfile({ ownerProofAt: AT - 200 * DAY }) }),
};

const codes = (input: LoginInput) => evaluate(input).reasons.map((reason) => reason.code);

describe('reason codes', () => {
  it('every reason code has a case here', () => {
    expect(Object.keys(CASES).sort()).toEqual([...REASON_CODES].sort());
  });

  for (const code of REASON_CODES) {
    it(`produces ${code}`, () => {
      const result = evaluate(CASES[code]());
      const reason = result.reasons.find((candidate) => candidate.code === code);
      expect(reason, `reasons were: ${result.reasons.map((r) => r.code).join(', ')}`).toBeDefined();
      expect(reason!.message.length).toBeGreaterThan(10);
      expect(Number.isFinite(reason!.effect)).toBe(true);
    });
  }
});

describe('direction of each signal', () => {
  const baseline = evaluate(coreInput()).risk;
  const dormantBase = coreInput({ profile: ownerProfile({ ownerProofAt: AT - 200 * DAY }) });
  const dormantRisk = evaluate(dormantBase).risk;

  it.each([
    ['new device', { device: ANDROID }],
    ['new region', { geo: { status: 'ok' as const, result: SHANGHAI } }],
    ['new country', { geo: { status: 'ok' as const, result: TOKYO } }],
    ['register', { attempt: { action: 'register' as const } }],
  ])('%s raises risk above the routine login', (_, overrides) => {
    expect(evaluate(coreInput(overrides as never)).risk).toBeGreaterThan(baseline);
  });

  it('dormancy beyond aging raises risk, and more dormancy raises it more', () => {
    const longer = evaluate(coreInput({ profile: ownerProfile({ ownerProofAt: AT - 500 * DAY }) })).risk;
    expect(dormantRisk).toBeGreaterThan(baseline);
    expect(longer).toBeGreaterThan(dormantRisk);
  });

  it('a carrier "no change" lowers a dormant account\'s risk; a carrier "changed" raises it and forbids allow', () => {
    const no = evaluate(withSubject(dormantBase, { intel: { status: 'ok', since: BOUND, answers: [{ source: 'c', changedSince: false }] } }));
    const yes = evaluate(withSubject(dormantBase, { intel: { status: 'ok', since: BOUND, answers: [{ source: 'c', changedSince: true }] } }));
    expect(no.risk).toBeLessThan(dormantRisk);
    expect(no.numberChangedHands).toBe('no');
    expect(yes.risk).toBeGreaterThan(dormantRisk);
    // Even from the owner's vouched phone: the carrier's word wins over the device.
    expect(yes.action).not.toBe('allow');
    expect(yes.numberChangedHands).toBe('yes');
    // From a stranger's phone and city it is near certain.
    const stranger = evaluate(
      withSubject(withLogin(dormantBase, { device: ANDROID, geo: { status: 'ok', result: SHANGHAI } }), {
        intel: { status: 'ok', since: BOUND, answers: [{ source: 'c', changedSince: true }] },
      }),
    );
    expect(stranger.risk).toBeGreaterThan(0.5);
  });

  it('the carrier answer supersedes dormancy instead of adding to it', () => {
    const result = evaluate(withSubject(dormantBase, { intel: { status: 'ok', since: BOUND, answers: [{ source: 'c', changedSince: true }] } }));
    const dormancy = result.reasons.find((reason) => reason.code === 'dormant_beyond_aging')!;
    expect(dormancy.effect).toBe(0);
    expect(dormancy.details).toMatchObject({ superseded: true });
  });

  it('ingested carrier events count as evidence, but only when they fall after `since`', () => {
    const after = evaluate(withSubject(dormantBase, { numberEvents: [{ type: 'reissued', at: AT - 30 * DAY, source: 'operator-file' }] }));
    expect(after.numberChangedHands).toBe('yes');
    expect(after.reasons[0]!.code).toBe('number_reissued_after_binding');
    const before = evaluate(withSubject(dormantBase, { numberEvents: [{ type: 'reissued', at: BOUND - 30 * DAY, source: 'operator-file' }] }));
    expect(before.numberChangedHands).not.toBe('yes');
    // A port-out by the same subscriber is not a change of holder.
    const ported = evaluate(withSubject(dormantBase, { numberEvents: [{ type: 'ported', at: AT - 30 * DAY, source: 'operator-file' }] }));
    expect(ported.reasons.map((r) => r.code)).not.toContain('number_reissued_after_binding');
  });

  it('a passed password lowers risk', () => {
    expect(evaluate(coreInput({ device: ANDROID, attempt: { verified: ['sms_otp', 'password'] } })).risk).toBeLessThan(
      evaluate(coreInput({ device: ANDROID })).risk,
    );
  });

  it('recent owner proof makes a reissue impossible: numberChangedHands is "no"', () => {
    expect(evaluate(coreInput()).numberChangedHands).toBe('no');
  });

  it('impossible travel is skipped when the location is coarse', () => {
    const coarse = coreInput({
      geo: { status: 'ok', result: { ...TOKYO, accuracyKm: 1000 } },
      profile: ownerProfile({ lastLogin: { at: AT - 30 * 60_000, ...BEIJING } }),
    });
    expect(codes(coarse)).not.toContain('impossible_travel');
  });

  it('impossible travel is not flagged for a plausible flight', () => {
    const flight = coreInput({ geo: { status: 'ok', result: TOKYO }, profile: ownerProfile({ lastLogin: { at: AT - 12 * 3_600_000, ...BEIJING } }) });
    expect(codes(flight)).not.toContain('impossible_travel');
  });

  it('a device class seen before without a token is weaker evidence than a known token', () => {
    const classOnly = { ...IPHONE, key: 'c:ios|mobile#iphone', fromToken: false };
    const byClass = evaluate(coreInput({ device: classOnly, profile: ownerProfile({ devices: [deviceRecord(classOnly)] }) })).risk;
    const byToken = evaluate(coreInput({ profile: ownerProfile({ devices: [deviceRecord(IPHONE)] }) })).risk;
    expect(byToken).toBeLessThan(byClass);
  });

  it('a reduced user agent without model still matches the same phone class', () => {
    const reduced = { key: 'c:android|mobile#', fromToken: false, classKey: 'android|mobile#', osFamily: 'android', deviceType: 'mobile' };
    const withModel = { key: 'c:android|mobile#sm-s9180', fromToken: false, classKey: 'android|mobile#sm-s9180', osFamily: 'android', deviceType: 'mobile' };
    expect(codes(coreInput({ device: reduced, profile: ownerProfile({ devices: [deviceRecord(withModel)] }) }))).toContain('known_device_class');
  });

  it('dormancy is not scored for a login without an SMS code', () => {
    const result = evaluate(withLogin(dormantBase, { verified: ['password'] }));
    const dormancy = result.reasons.find((reason) => reason.code === 'dormant_beyond_aging')!;
    expect(dormancy.effect).toBe(0);
    expect(result.advice.previousHolder).toBe('review_binding');
  });
});
