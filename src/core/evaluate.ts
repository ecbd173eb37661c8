import type { ProfilePatch } from '../types/profile.js';
import type { DecisionAction, NumberChangedHands, Reason, StepUpCheck, VictimAdvice } from '../types/index.js';
import { decide, learningPatch, numberChangedHands } from './decide.js';
import { score } from './score.js';
import { collectNumberSignals, collectSignals, type CoreInput, type LoginInput } from './signals/index.js';

export interface CoreResult {
  /** The enforced action before the mode is applied. */
  action: DecisionAction;
  risk: number;
  prior: number;
  reasons: Reason[];
  stepUp?: StepUpCheck[][];
  numberChangedHands: NumberChangedHands;
  advice: VictimAdvice;
  /** A reissue after the owner's last proof of possession was possible under the aging rules. */
  reissuePossible: boolean;
  /** The later of the binding and the last strong proof: what carrier evidence was asked about. */
  since: number;
  /** Profile update when the attempt is allowed, and when its step-up passes. */
  learn: { onAllow: ProfilePatch; onPass: ProfilePatch };
}

/**
 * The pure core: attempt + profile + evidence + policy in, verdict out.
 * No I/O, no clock, no randomness: the same input always gives the same result.
 */
export function evaluate(input: LoginInput): CoreResult {
  const { signals, findings, continuity } = collectSignals(input);
  const scored = score(input.policy.prior, signals);
  // The risk an SMS-only attempt would have had: checks passed in this attempt lower the score, so
  // they must not also lower the bar they are measured against.
  const passedChecks = signals.some((signal) => signal.code === 'strong_factor_verified');
  const riskBeforeChecks = passedChecks
    ? score(
        input.policy.prior,
        signals.filter((signal) => signal.code !== 'strong_factor_verified'),
      ).risk
    : scored.risk;
  const verdict = decide(input, scored, findings, continuity, riskBeforeChecks);
  return {
    action: verdict.action,
    risk: scored.risk,
    prior: scored.prior,
    reasons: [...scored.reasons, ...verdict.notes],
    ...(verdict.stepUp ? { stepUp: verdict.stepUp } : {}),
    numberChangedHands: verdict.numberChangedHands,
    advice: verdict.advice,
    reissuePossible: findings.reissuePossible,
    since: input.subject.intel.since,
    // A device is the owner's once unforgeable evidence showed the owner on it: a token learned that
    // way can carry a later login across the aging period; one learned on a guess cannot.
    learn: { onAllow: learningPatch(input, continuity.proof !== null, false), onPass: learningPatch(input, true, true) },
  };
}

/** `since` for carrier questions: the later of the binding and the owner's last strong proof made with the number. */
export function intelSince(phoneBoundAt: number, strongProofAt: number | undefined): number {
  return strongProofAt !== undefined && strongProofAt > phoneBoundAt ? strongProofAt : phoneBoundAt;
}

/** The number alone (recipient checks, sweeps): did it change hands? */
export interface NumberResult {
  numberChangedHands: NumberChangedHands;
  /** The number evidence alone over the preset's prior. */
  risk: number;
  reasons: Reason[];
  reissuePossible: boolean;
}

/** The pure core for a number without a login: the same evidence and rules as a login, number signals only. */
export function evaluateNumber(input: CoreInput): NumberResult {
  const { signals, findings } = collectNumberSignals(input);
  const scored = score(input.policy.prior, signals);
  return {
    numberChangedHands: numberChangedHands(findings, scored.risk, input.policy),
    risk: scored.risk,
    reasons: scored.reasons,
    reissuePossible: findings.reissuePossible,
  };
}
