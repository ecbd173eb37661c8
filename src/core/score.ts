import type { Reason } from '../types/index.js';
import { reasonFrom } from '../locale/index.js';
import type { Signal } from './signals/index.js';

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export interface Score {
  risk: number;
  prior: number;
  /** Sum of log likelihood ratios. */
  logLR: number;
  reasons: Reason[];
}

/**
 * risk = sigmoid(logit(prior) + sum(logLR)).
 *
 * Each reason's `effect` is its share of (risk - prior): the raising signals share the climb from
 * the prior to sigmoid(logit(prior) + sum of positives) in proportion to their log LRs, and the
 * lowering ones share the fall from there to `risk`. So `prior + sum(effect) === risk` (up to
 * floating point), effects keep the sign of their evidence, and none exceeds 1 in size.
 */
export function score(prior: number, signals: Signal[]): Score {
  const base = logit(prior);
  let positive = 0;
  let negative = 0;
  for (const signal of signals) {
    if (signal.logLR > 0) positive += signal.logLR;
    else negative += signal.logLR;
  }
  const peak = sigmoid(base + positive);
  const risk = sigmoid(base + positive + negative);
  const reasons: Reason[] = signals.map((signal) => {
    let effect = 0;
    if (signal.logLR > 0) effect = ((peak - prior) * signal.logLR) / positive;
    else if (signal.logLR < 0) effect = ((risk - peak) * signal.logLR) / negative;
    const details = signal.logLR !== 0 ? { ...signal.details, likelihoodRatio: round(Math.exp(signal.logLR)) } : signal.details;
    return reasonFrom(signal.code, effect, signal.text, details);
  });
  // Strongest first; ties keep collection order (stable sort).
  reasons.sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect));
  return { risk, prior, logLR: positive + negative, reasons };
}

function round(x: number): number {
  return x >= 10 ? Math.round(x) : Math.round(x * 1000) / 1000;
}
