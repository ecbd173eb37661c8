import type { ProfilePatch } from '../types/profile.js';
import {
  SENSITIVE_ACTIONS,
  type DecisionAction,
  type NumberChangedHands,
  type Reason,
  type StepUpCheck,
  type VictimAdvice,
} from '../types/index.js';
import { thresholdsFor, type Policy, type Thresholds } from './policy.js';
import type { Score } from './score.js';
import type { Continuity, LoginInput, NumberFindings } from './signals/index.js';
import { chooseStepUp, combinedStrength, reissuePolicy, reissueStepUpStrength, strongestStepUpStrength } from './step-up.js';

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
    notes.push({
      code: 'sensitive_action',
      effect: 0,
      message: `${attempt.action.replace('_', ' ')} is sensitive: step-up from risk ${thresholds.stepUp}, deny from ${thresholds.deny}`,
      details: { action: attempt.action, thresholds },
    });
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
    notes.push({ code: 'fail_mode_applied', effect: 0, message: `${policy.preset} always asks for a non-SMS check before ${attempt.action.replace('_', ' ')}` });
  }
  // A step-up forced because evidence is missing asks for a strong check where the host has one: the
  // guard is blind to what it would otherwise weigh, so the check has to carry the decision alone.
  const blindToHistory = input.subject.history.status === 'unavailable' && policy.failMode.history === 'step_up';
  // Carrier evidence only bears on logins that used the number (see signals.ts), so only they can be blind to it.
  const blindToCarrier = attempt.verified.includes('sms_otp') && findings.intelMissing && findings.reissuePossible && policy.failMode.intelWhenDormant === 'step_up';
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
    if (forced || blindHigh) notes.push({ code: 'fail_mode_applied', effect: 0, message: `${policy.preset} does not allow without the account's history${!forced ? ': the step-up must be a strong check' : ''}` });
  } else if (blindToCarrier && action !== 'deny') {
    const forced = action === 'allow';
    if (forced) action = 'step_up';
    if (forced || blindHigh) notes.push({ code: 'fail_mode_applied', effect: 0, message: `${policy.preset} does not allow a dormant account while carrier evidence is unavailable${!forced ? ': the step-up must be a strong check' : ''}` });
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
    return required;
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
      notes.push({
        code: 'strong_factor_verified',
        effect: 0,
        message: `the step-up this risk needs (strength ${required}) was already met in this attempt by ${strongPassed.join(' + ')}`,
        details: { required, passed: strongPassed, strength: Number(passedStrength.toFixed(4)) },
      });
    }
  }
  if (action === 'step_up') {
    const required = requiredAt(risk, changed);
    stepUp = chooseStepUp(judgedFor(changed), input.checks, strongPassed, required);
    if (stepUp.length === 0) {
      action = 'deny';
      stepUp = undefined;
      notes.push({
        code: 'fail_mode_applied',
        effect: 0,
        message: `a step-up of strength ${required} is needed and none of the host's checks (${input.checks.join(', ') || 'none'}) suffices`,
        details: { required, available: input.checks },
      });
    }
  }

  return { action, thresholds, numberChangedHands: changed, ...(stepUp ? { stepUp } : {}), advice: advise(input, changed, action, findings.reissuePossible, risk), notes };
}

/** What to do for both victims when the number (likely) went to someone new. */
export const NUMBER_CHANGED_HANDS_ADVICE: VictimAdvice = {
  newHolder: 'offer_new_account',
  previousHolder: 'protect_account',
  steps: [
    "Do not show this account's data to the person holding the number.",
    'Tell them the number belonged to someone else and offer a fresh account with it, instead of "already registered".',
    'Stop SMS logins and SMS notices (debts, links, alerts) to this number for the account; reach the owner by email or in-app.',
    'Ask the owner to confirm with a non-SMS check and bind a current number at their next sign-in.',
  ],
};

/**
 * A possible new holder whom nothing but the unforgeable evidence missing singles out: the owner
 * coming back after a long break on a new phone looks the same, so the step-up decides.
 */
export const STEP_UP_DECIDES_ADVICE: VictimAdvice = {
  newHolder: 'offer_new_account',
  previousHolder: 'protect_account',
  steps: [
    "Show none of this account's data before the step-up passes: the number may belong to someone new.",
    'Offer a fresh account with this number beside the step-up, instead of "already registered".',
    'If the step-up fails, stop SMS logins and SMS notices to this number for the account and reach the owner by email or in-app.',
  ],
};

export function advise(input: LoginInput, changed: NumberChangedHands, action: DecisionAction, reissuePossible: boolean, risk: number): VictimAdvice {
  const smsUsed = input.login.verified.includes('sms_otp');
  if (!smsUsed && (changed === 'yes' || changed === 'likely')) {
    // The owner signed in another way; the number they left bound is (likely) someone else's now.
    return {
      newHolder: 'none',
      previousHolder: 'review_binding',
      steps: [
        'Stop SMS logins and SMS notices to the bound number for this account: it has (likely) gone to someone else.',
        'Ask the owner, now signed in, to bind a current number.',
      ],
    };
  }
  if (changed === 'likely' && action === 'step_up' && risk < input.policy.likelyAt) return STEP_UP_DECIDES_ADVICE;
  if (changed === 'yes' || changed === 'likely') return NUMBER_CHANGED_HANDS_ADVICE;
  if (!smsUsed && reissuePossible && changed !== 'no') {
    // The owner got in without SMS while the bound number may have gone to someone else.
    return {
      newHolder: 'none',
      previousHolder: 'review_binding',
      steps: ['Ask the owner to confirm the bound number or bind a current one: it may have been reissued since they last used it.'],
    };
  }
  if (input.login.action === 'register' && action !== 'allow') {
    return {
      newHolder: 'offer_new_account',
      previousHolder: 'review_binding',
      steps: [
        'Offer the person a fresh account with this number if they cannot pass the step-up.',
        "Keep the existing account's data hidden; flag the binding for review and confirm it with the owner by another channel.",
      ],
    };
  }
  return { newHolder: 'none', previousHolder: 'none', steps: [] };
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
