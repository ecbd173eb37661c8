import { describe, expect, it } from 'vitest';
import { auc, budgetForCatch, catchAtBudget, rocCurve, ScoreHistogram, wilson } from '../../src/backtest/stats.js';
import { interval } from '../../src/simulate/evaluate.js';

const histogram = (risks: number[]) => {
  const h = new ScoreHistogram();
  for (const risk of risks) h.add(risk);
  return h;
};

describe('evaluation statistics', () => {
  it('AUC: 1 for perfect separation, 0.5 for identical scores, Mann-Whitney in between', () => {
    expect(auc(histogram([0.9, 0.8]), histogram([0.01, 0.02, 0.03]))).toBe(1);
    expect(auc(histogram([0.1, 0.1]), histogram([0.1, 0.1]))).toBe(0.5);
    // positives 0.2, 0.9; negatives 0.1, 0.5: pairs won 1 + 2 of 4.
    expect(auc(histogram([0.2, 0.9]), histogram([0.1, 0.5]))).toBe(0.75);
  });

  it('catch at a legitimate step-up budget never exceeds the budget', () => {
    const negatives = histogram(Array.from({ length: 1000 }, (_, i) => 0.0001 + i * 0.0009));
    const positives = histogram([0.95, 0.9, 0.5, 0.3, 0.05]);
    const hit = catchAtBudget(positives, negatives, 0.1);
    expect(hit.legitRate).toBeLessThanOrEqual(0.1);
    // The top 10% of negatives sit above ~0.81: only 0.95 and 0.9 clear it.
    expect(hit.catchRate).toBe(0.4);
    expect(budgetForCatch(positives, negatives, 1)).toBeGreaterThan(0.9);
    const curve = rocCurve(positives, negatives);
    expect(curve[0]).toEqual({ fpr: 0, tpr: 0, threshold: 1 });
    expect(curve.at(-1)!.fpr).toBeCloseTo(1, 12);
    expect(curve.at(-1)!.tpr).toBeCloseTo(1, 12);
  });

  it('intervals: t-based over seeds; Wilson for one proportion', () => {
    const ci = interval([0.9, 0.92, 0.91, 0.93, 0.89]);
    expect(ci.mean).toBeCloseTo(0.91, 12);
    // sd 0.0158, t(4) = 2.776: half-width 0.0196.
    expect(ci.high - ci.mean).toBeCloseTo(0.0196, 3);
    expect(interval([0.5]).low).toBeNaN();
    const [low, high] = wilson(99, 100);
    expect(low).toBeGreaterThan(0.94);
    expect(high).toBeLessThan(1);
  });
});
