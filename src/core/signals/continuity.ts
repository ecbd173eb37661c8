/**
 * Who holds the number, judged only by what its new holder could not forge (docs/scoring.md has
 * the table). Once a reissue was possible, copied evidence stops counting, and the SMS code alone
 * no longer lets the login in.
 */
import { FORGEABLE_CODES } from '../../reasons.js';
import type { StepUpCheck } from '../../types/index.js';
import { thresholdsFor, type Policy } from '../policy.js';
import { combinedStrength, reissuePolicy, reissueStepUpStrength, strongestStepUpStrength } from '../step-up.js';
import type { Continuity, Login, NumberFindings, OwnerProof, Signal } from './types.js';

export function ownerContinuity(login: Login, policy: Policy, checks: StepUpCheck[], findings: NumberFindings, signals: Signal[]): Continuity {
  const passed = login.verified.filter((factor): factor is StepUpCheck => factor !== 'sms_otp');
  if (!login.verified.includes('sms_otp')) {
    // The number is not in play; only the checks can show the owner.
    const strongCheck = passed.length > 0 && combinedStrength(policy, passed) >= strongestStepUpStrength(policy, checks, passed);
    return { proof: strongCheck ? 'strong_check' : null, unproven: false, unprovenWithoutChecks: false };
  }
  // Checks passed in this attempt show the owner when they are as strong as the step-up the guard
  // would ask a possible new holder for here, so the owner is let in alike whether the check came
  // first or after a step-up (and a password the SIM holder could reset shows nobody).
  const strongCheck = passed.length > 0 && combinedStrength(reissuePolicy(policy), passed) >= reissueStepUpStrength(policy, checks, passed, false);
  // The carrier says the number changed subscriber: nothing the holder shows can outweigh that.
  if (findings.carrierSays?.changed === true) return { proof: null, unproven: true, unprovenWithoutChecks: true };
  let proof: OwnerProof | null = null;
  if (findings.carrierSays?.changed === false || findings.continuity) proof = 'carrier';
  else if (!findings.reissuePossible) proof = 'recent_proof';
  else if (signals.some((signal) => signal.code === 'vouched_device')) proof = 'vouched_device';
  const withoutChecks = proof === null && findings.reissuePossible && !findings.carrierSays;
  if (proof === null && strongCheck) proof = 'strong_check';
  return { proof, unproven: withoutChecks && proof === null, unprovenWithoutChecks: withoutChecks };
}

/**
 * A reissue was possible (or the carrier says it happened) and the login used the SMS code: the
 * person may be the number's new holder, who can copy the owner's user agent, phone model and city.
 * Such evidence must not talk the risk down now; it stays in the reasons with effect 0.
 */
export function discountForgeable(findings: NumberFindings, signals: Signal[]): void {
  const numberContinuity = findings.carrierSays ? !findings.carrierSays.changed : findings.continuity || !findings.reissuePossible;
  if (numberContinuity) return;
  for (const signal of signals) {
    if (!FORGEABLE_CODES.has(signal.code) || signal.logLR >= 0) continue;
    signal.logLR = 0;
    signal.text = { ...signal.text, note: 'not_counted' };
    signal.details = { ...signal.details, forgeable: true };
  }
}

/**
 * The SMS code alone may not let in a login whose number may have been reissued. Only evidence the
 * holder of the SIM cannot forge can: a vouched device, a strong check, the carrier. This signal
 * says so, and carries the risk up to the step-up line when the rest of the evidence stays below.
 */
export function unprovenSignal(login: Login, policy: Policy, findings: NumberFindings, signals: Signal[]): Signal {
  const line = thresholdsFor(policy, login.action).stepUp;
  let sum = 0;
  for (const signal of signals) sum += signal.logLR;
  const logit = (p: number) => Math.log(p / (1 - p));
  // A hair above the line so the sum lands on it, not a rounding error below it.
  const lift = Math.max(0, logit(line) - logit(policy.prior) - sum + 1e-9);
  return {
    code: 'continuity_unproven',
    logLR: lift,
    text: findings.carrierSays?.changed
      ? { key: 'continuity_unproven.carrier', params: { source: findings.carrierSays.source, raised: lift > 0 } }
      : { key: 'continuity_unproven.dormant', params: { days: Math.floor(findings.dormancyDays), agingDays: findings.agingDays, raised: lift > 0 } },
    details: { dormancyDays: Math.floor(findings.dormancyDays), agingDays: findings.agingDays, ...(lift > 0 ? { raisedTo: line } : {}) },
  };
}
