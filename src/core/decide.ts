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
import { chooseStepUp, combinedStrength, strongestStepUpStrength } from './step-up.js';
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
    if (blindHigh || atRisk >= policy.requiredStrength.highRiskAt || verdict === 'yes') return high;
    // "Likely" below the high-risk line: a possible new holder whom nothing else singles out.
    if (verdict === 'likely') return Math.max(gateFloor, strongest());
    return Math.max(gateFloor, policy.requiredStrength.base);
  };

  let stepUp: StepUpCheck[][] | undefined;
  if (action === 'step_up' && strongPassed.length > 0 && changed !== 'yes' && riskBeforeChecks < thresholdsFor(policy, attempt.action).deny) {
    // Measured against the step-up the SMS-only attempt would have been asked for.
    const required = requiredAt(riskBeforeChecks, loginChangedHands(findings, continuity.unprovenWithoutChecks, riskBeforeChecks, policy));
    const passedStrength = combinedStrength(policy, strongPassed);
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
    stepUp = chooseStepUp(policy, input.checks, strongPassed, required);
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
    return {
      code: 'account_protected',
      effect: 0,
      message: `the account is protected since ${isoTime(protection.since).slice(0, 10)} (${protection.reason.replace(/_/g, ' ')}): the SMS code alone does not enter it; a non-SMS check must`,
      details: { since: isoTime(protection.since), reason: protection.reason, by: protection.by },
    };
  }
  if (protection?.state === 'unreadable') {
    return {
      code: 'account_protected',
      effect: 0,
      message: "whether the account is protected could not be read: failing closed, the SMS code alone does not enter it",
      details: { unreadable: true },
    };
  }
  const limit = policy.dormancy.smsAloneAfterDays;
  // Dormancy asks for proof of possession: a device the owner vouched for, or the carrier saying the
  // subscriber is unchanged, is such proof (the SMS code is then not alone).
  const proven = continuity.proof === 'vouched_device' || continuity.proof === 'carrier';
  if (limit !== null && findings.dormancyDays >= limit && !proven) {
    return {
      code: 'dormant_account',
      effect: 0,
      message: `nobody proved holding the number for ${Math.floor(findings.dormancyDays)} days; ${policy.preset} lets the SMS code alone in for at most ${limit}: a non-SMS check must confirm the owner`,
      details: { dormancyDays: Math.floor(findings.dormancyDays), smsAloneAfterDays: limit },
    };
  }
  return null;
}

/** The SMS code alone was not enough for a protected or long-dormant account. */
export const PROTECTED_ADVICE: VictimAdvice = {
  newHolder: 'offer_new_account',
  previousHolder: 'protect_account',
  steps: [
    "Show none of this account's data to someone holding only the number's SMS code.",
    'Ask for the non-SMS check offered; if the person cannot pass it, offer a fresh account with this number (guard.releaseNumber frees it from the stale binding).',
    'Keep SMS logins and SMS notices to this number off for the account; reach the owner by email or in-app.',
  ],
};

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
