import type { ProfilePatch } from '../types/profile.js';
import { SENSITIVE_ACTIONS, type DecisionAction, type NumberChangedHands, type Reason, type StepUpCheck, type VictimAdvice } from '../types/index.js';
import { adviceOf, reasonFrom } from '../locale/index.js';
import { thresholdsFor, type Policy, type Thresholds } from './policy.js';
import type { Score } from './score.js';
import type { Continuity, LoginInput, NumberFindings } from './signals/index.js';
import { chooseStepUp, combinedStrength, reissuePolicy, reissueStepUpStrength, strongestStepUpStrength } from './step-up.js';
import { isoTime } from '../util/iso-time.js';

export { chooseStepUp, thresholdsFor };

export interface Verdict {
  action: DecisionAction;
  thresholds: Thresholds;
  numberChangedHands: NumberChangedHands;
  stepUp?: StepUpCheck[][];
  advice: VictimAdvice;
  /** Reasons that explain the verdict without moving the risk (effect 0). */
  notes: Reason[];
}

/** What the number evidence alone says: carrier answers, ingested events, tenure, SIM and dormancy. */
export function numberChangedHands(findings: NumberFindings, risk: number, policy: Policy): NumberChangedHands {
  if (findings.carrierSays) return findings.carrierSays.changed ? 'yes' : 'no';
  if (!findings.reissuePossible || findings.continuity) return 'no';
  return risk >= policy.likelyAt ? 'likely' : 'unknown';
}

/**
 * What a login says: the number evidence, and "likely" whenever a reissue was possible and nothing
 * a SIM holder cannot forge shows the owner (a new holder always looks like that).
 */
export function loginChangedHands(findings: NumberFindings, unproven: boolean, risk: number, policy: Policy): NumberChangedHands {
  const byNumber = numberChangedHands(findings, risk, policy);
  return unproven && byNumber === 'unknown' ? 'likely' : byNumber;
}

const RANK: Record<DecisionAction, number> = { allow: 0, step_up: 1, deny: 2 };
const atLeast = (current: DecisionAction, floor: DecisionAction): DecisionAction => (RANK[current] >= RANK[floor] ? current : floor);

/**
 * `riskBeforeChecks` is the risk without the checks passed in this attempt (equal to `result.risk`
 * when none was): it sets the step-up those checks are measured against.
 */
export function decide(input: LoginInput, result: Score, findings: NumberFindings, continuity: Continuity, riskBeforeChecks = result.risk): Verdict {
  const { policy, login: attempt } = input;
  const notes: Reason[] = [];
  const thresholds = thresholdsFor(policy, attempt.action);
  const risk = result.risk;
  let action: DecisionAction = risk >= thresholds.deny ? 'deny' : risk >= thresholds.stepUp ? 'step_up' : 'allow';

  if (SENSITIVE_ACTIONS.has(attempt.action)) {
    notes.push(
      reasonFrom(
        'sensitive_action',
        0,
        { key: 'sensitive_action', params: { action: attempt.action, stepUp: thresholds.stepUp, deny: thresholds.deny } },
        { action: attempt.action, thresholds },
      ),
    );
  }

  const changed = loginChangedHands(findings, continuity.unproven, risk, policy);
  const strongPassed = attempt.verified.filter((factor): factor is StepUpCheck => factor !== 'sms_otp');

  if (changed === 'yes' && attempt.verified.includes('sms_otp')) {
    // Carrier-confirmed reissue after binding never yields allow to someone using the number's SMS code.
    action = atLeast(action, policy.denyOnConfirmedReissue ? 'deny' : 'step_up');
  }
  if (continuity.unproven) {
    // The SMS code alone never lets in a number that may have been reissued (continuity_unproven
    // already carries the risk to the line; this holds whatever weights a host configures).
    action = atLeast(action, 'step_up');
  }
  if (policy.alwaysStepUp.includes(attempt.action) && strongPassed.length === 0) {
    action = atLeast(action, 'step_up');
    notes.push(reasonFrom('fail_mode_applied', 0, { key: 'fail_mode_applied.always_step_up', params: { preset: policy.preset, action: attempt.action } }));
  }
  // A step-up forced because evidence is missing asks for a strong check where the host has one: the
  // guard is blind to what it would otherwise weigh, so the check has to carry the decision alone.
  const blindToHistory = input.subject.history.status === 'unavailable' && policy.failMode.history === 'step_up';
  // Carrier evidence only bears on logins that used the number (see signals.ts), so only they can be blind to it.
  const blindToCarrier =
    attempt.verified.includes('sms_otp') && findings.intelMissing && findings.reissuePossible && policy.failMode.intelWhenDormant === 'step_up';
  // Whether or not the score alone already asked for a step-up (so more adverse evidence never
  // lowers the bar).
  const blind = blindToHistory || blindToCarrier;
  const high = policy.requiredStrength.high;
  // Blind, or facing a possible new holder, the step-up must be the strongest kind the host can run
  // (a host with only a password still gets a password step-up, not a denial for lack of evidence).
  // Computed only when needed: most logins are neither blind nor facing a possible new holder.
  let strongestMemo: number | undefined;
  const strongest = () => (strongestMemo ??= strongestStepUpStrength(policy, input.checks, strongPassed));
  const blindHigh = blind && strongest() >= high;

  if (blindToHistory && action !== 'deny') {
    const forced = action === 'allow';
    if (forced) action = 'step_up';
    if (forced || blindHigh)
      notes.push(reasonFrom('fail_mode_applied', 0, { key: 'fail_mode_applied.no_history', params: { preset: policy.preset, strong: !forced } }));
  } else if (blindToCarrier && action !== 'deny') {
    const forced = action === 'allow';
    if (forced) action = 'step_up';
    if (forced || blindHigh)
      notes.push(reasonFrom('fail_mode_applied', 0, { key: 'fail_mode_applied.carrier_unavailable', params: { preset: policy.preset, strong: !forced } }));
  }

  // A protected account, one whose protection could not be read, or one dormant beyond the preset's
  // rule: the SMS code alone never enters. The step-up is the strongest kind the host can run, and
  // with no non-SMS check at all the login is denied.
  const gate = attempt.verified.includes('sms_otp') ? smsAloneGate(input, findings, continuity) : null;
  const gateFloor = gate ? strongest() : 0;
  if (gate) {
    notes.push(gate);
    if (action === 'allow' && combinedStrength(policy, strongPassed) < gateFloor) action = 'step_up';
  }

  // The strength a step-up must have at a given risk and verdict on the number.
  const requiredAt = (atRisk: number, verdict: NumberChangedHands) => {
    let required: number;
    if (blindHigh || atRisk >= policy.requiredStrength.highRiskAt || verdict === 'yes') required = high;
    // "Likely" below the high-risk line: a possible new holder whom nothing else singles out.
    else if (verdict === 'likely') required = strongest();
    else required = policy.requiredStrength.base;
    // A possible (or certain) new holder holds the SIM and may hold a leaked password: where the host
    // can run more, one password is not enough (see reissueStepUpStrength).
    if (verdict === 'likely' || verdict === 'yes') required = Math.max(required, reissueStepUpStrength(policy, input.checks, strongPassed, verdict === 'yes'));
    // A protected or long-dormant account asks for the strongest kind the host can run, whatever else.
    return Math.max(gateFloor, required);
  };
  // Checks are judged against a possible new holder with a password the SIM holder could have reset.
  const judgedFor = (verdict: NumberChangedHands) => (verdict === 'likely' || verdict === 'yes' ? reissuePolicy(policy) : policy);

  let stepUp: StepUpCheck[][] | undefined;
  if (action === 'step_up' && strongPassed.length > 0 && changed !== 'yes' && riskBeforeChecks < thresholdsFor(policy, attempt.action).deny) {
    // Measured against the step-up the SMS-only attempt would have been asked for.
    const verdictWithoutChecks = loginChangedHands(findings, continuity.unprovenWithoutChecks, riskBeforeChecks, policy);
    const required = requiredAt(riskBeforeChecks, verdictWithoutChecks);
    const passedStrength = combinedStrength(judgedFor(verdictWithoutChecks), strongPassed);
    if (passedStrength >= required && !continuity.unproven) {
      // The checks passed in this attempt already are the step-up we would ask for: asking for
      // another (or denying when the host has no other) would treat the owner worse than the
      // assess -> step-up -> recordOutcome path does. A carrier-confirmed reissue stays above this.
      action = 'allow';
      notes.push(
        reasonFrom(
          'strong_factor_verified',
          0,
          { key: 'strong_factor_verified.met', params: { required, passed: strongPassed } },
          {
            required,
            passed: strongPassed,
            strength: Number(passedStrength.toFixed(4)),
          },
        ),
      );
    }
  }
  if (action === 'step_up') {
    const required = requiredAt(risk, changed);
    stepUp = chooseStepUp(judgedFor(changed), input.checks, strongPassed, required);
    if (stepUp.length === 0) {
      action = 'deny';
      stepUp = undefined;
      notes.push(
        reasonFrom(
          'fail_mode_applied',
          0,
          { key: 'fail_mode_applied.no_check', params: { required, available: input.checks } },
          { required, available: input.checks },
        ),
      );
    }
  }

  const advice = gate && action !== 'allow' ? PROTECTED_ADVICE : advise(input, changed, action, findings.reissuePossible, risk);
  return { action, thresholds, numberChangedHands: changed, ...(stepUp ? { stepUp } : {}), advice, notes };
}

/**
 * Why the SMS code alone may not enter this account, whatever the score: it is protected (by its
 * owner, a carrier notice, a release, a failed step-up), its protection could not be read (fail
 * closed), or nobody proved holding the number for longer than the preset's dormancy rule allows
 * (a vouched device or the carrier's word that the subscriber is unchanged is such a proof).
 */
export function smsAloneGate(input: LoginInput, findings: NumberFindings, continuity: Continuity): Reason | null {
  const { subject, policy } = input;
  const protection = subject.protection;
  if (protection?.state === 'protected') {
    return reasonFrom(
      'account_protected',
      0,
      { key: 'account_protected', params: { since: isoTime(protection.since).slice(0, 10), reason: protection.reason.replace(/_/g, ' ') } },
      { since: isoTime(protection.since), reason: protection.reason, by: protection.by },
    );
  }
  if (protection?.state === 'unreadable') {
    return reasonFrom('account_protected', 0, { key: 'account_protected.unreadable', params: {} }, { unreadable: true });
  }
  const limit = policy.dormancy.smsAloneAfterDays;
  // Dormancy asks for proof of possession: a device the owner vouched for, or the carrier saying the
  // subscriber is unchanged, is such proof (the SMS code is then not alone).
  const proven = continuity.proof === 'vouched_device' || continuity.proof === 'carrier';
  if (limit !== null && findings.dormancyDays >= limit && !proven) {
    const days = Math.floor(findings.dormancyDays);
    return reasonFrom(
      'dormant_account',
      0,
      { key: 'dormant_account', params: { days, preset: policy.preset, limitDays: limit } },
      { dormancyDays: days, smsAloneAfterDays: limit },
    );
  }
  return null;
}

/** The SMS code alone was not enough for a protected or long-dormant account. */
export const PROTECTED_ADVICE: VictimAdvice = adviceOf({
  newHolder: 'offer_new_account',
  previousHolder: 'protect_account',
  stepIds: ['protected_hide_data', 'protected_ask_non_sms_check', 'protected_keep_sms_off'],
});

/** What to do for both victims when the number (likely) went to someone new. */
export const NUMBER_CHANGED_HANDS_ADVICE: VictimAdvice = adviceOf({
  newHolder: 'offer_new_account',
  previousHolder: 'protect_account',
  stepIds: ['hide_account_data', 'offer_fresh_account', 'stop_sms_reach_owner', 'owner_confirm_and_rebind'],
});

/**
 * A possible new holder whom nothing but the unforgeable evidence missing singles out: the owner
 * coming back after a long break on a new phone looks the same, so the step-up decides.
 */
export const STEP_UP_DECIDES_ADVICE: VictimAdvice = adviceOf({
  newHolder: 'offer_new_account',
  previousHolder: 'protect_account',
  stepIds: ['hide_until_step_up', 'offer_fresh_account_beside_step_up', 'on_failed_step_up_stop_sms'],
});

export function advise(input: LoginInput, changed: NumberChangedHands, action: DecisionAction, reissuePossible: boolean, risk: number): VictimAdvice {
  const smsUsed = input.login.verified.includes('sms_otp');
  if (!smsUsed && (changed === 'yes' || changed === 'likely')) {
    // The owner signed in another way; the number they left bound is (likely) someone else's now.
    return adviceOf({ newHolder: 'none', previousHolder: 'review_binding', stepIds: ['stop_sms_to_bound_number', 'owner_bind_current_number'] });
  }
  if (changed === 'likely' && action === 'step_up' && risk < input.policy.likelyAt) return STEP_UP_DECIDES_ADVICE;
  if (changed === 'yes' || changed === 'likely') return NUMBER_CHANGED_HANDS_ADVICE;
  if (!smsUsed && reissuePossible && changed !== 'no') {
    // The owner got in without SMS while the bound number may have gone to someone else.
    return adviceOf({ newHolder: 'none', previousHolder: 'review_binding', stepIds: ['owner_confirm_bound_number'] });
  }
  if (input.login.action === 'register' && action !== 'allow') {
    return adviceOf({
      newHolder: 'offer_new_account',
      previousHolder: 'review_binding',
      stepIds: ['register_offer_fresh_account', 'register_hide_and_review'],
    });
  }
  return { newHolder: 'none', previousHolder: 'none', steps: [], stepIds: [] };
}

/**
 * The profile update an allowed login (or a passed step-up) teaches. `vouched` marks the device as
 * the owner's: a passed step-up, or a login that unforgeable evidence showed to be the owner's.
 * `steppedUp`: a step-up passed, which re-establishes trust like a non-SMS check in the attempt.
 */
export function learningPatch(input: LoginInput, vouched: boolean, steppedUp: boolean): ProfilePatch {
  const { login: attempt, subject } = input;
  const { device, geo } = attempt;
  const { at, phoneHash } = subject;
  const patch: ProfilePatch = { at, phoneHash };
  if (device) {
    patch.device = {
      key: device.key,
      fromToken: device.fromToken,
      classKey: device.classKey,
      deviceType: device.deviceType,
      vouched,
      ...(device.osFamily ? { osFamily: device.osFamily } : {}),
    };
  }
  const place = geo.status === 'ok' ? geo.result : null;
  if (place) {
    // About 10 km of precision is all the travel check needs; no IP address is kept.
    const lat = place.lat === undefined ? undefined : Math.round(place.lat * 10) / 10;
    const lon = place.lon === undefined ? undefined : Math.round(place.lon * 10) / 10;
    patch.location = {
      key: `${place.country}|${place.region ?? ''}|${place.city ?? ''}`,
      country: place.country,
      ...(place.region ? { region: place.region } : {}),
      ...(lat !== undefined && lon !== undefined ? { lat, lon } : {}),
    };
    patch.lastLogin = {
      at,
      country: place.country,
      ...(place.region ? { region: place.region } : {}),
      ...(lat !== undefined && lon !== undefined ? { lat, lon } : {}),
      ...(place.accuracyKm !== undefined ? { accuracyKm: place.accuracyKm } : {}),
    };
  } else {
    patch.lastLogin = { at };
  }
  if (attempt.verified.includes('sms_otp')) patch.ownerProofAt = at;
  // Only with the SMS code in the same attempt: `strongProofAt` moves the carrier question ("did the
  // number change hands since?") forward, so it must mean "the owner, holding this number". A password
  // login without the number (the previous owner after losing it) proves the owner, not the number.
  if (attempt.verified.includes('sms_otp') && (steppedUp || attempt.verified.some((factor) => factor !== 'sms_otp'))) patch.strongProofAt = at;
  return patch;
}
