/**
 * Bounded-memory statistics for risk scores: fine histograms in logit space (0.02 wide, so ROC and
 * "catch at x% legit step-up" are exact up to ties inside a bin, which are counted conservatively),
 * and the AUC from them (Mann-Whitney with ties counted half).
 */

const LOGIT_MIN = -25;
const LOGIT_MAX = 25;
const WIDTH = 0.02;
const BINS = Math.round((LOGIT_MAX - LOGIT_MIN) / WIDTH);

export function logit(risk: number): number {
  if (risk <= 0) return -Infinity;
  if (risk >= 1) return Infinity;
  return Math.log(risk / (1 - risk));
}

export const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export class ScoreHistogram {
  readonly counts = new Float64Array(BINS);
  total = 0;

  add(risk: number, weight = 1): void {
    const x = logit(risk);
    const bin = x <= LOGIT_MIN ? 0 : x >= LOGIT_MAX ? BINS - 1 : Math.min(BINS - 1, Math.floor((x - LOGIT_MIN) / WIDTH));
    this.counts[bin]! += weight;
    this.total += weight;
  }

  /** Risk at the lower edge of a bin. */
  static edge(bin: number): number {
    return sigmoid(LOGIT_MIN + bin * WIDTH);
  }

  merge(other: ScoreHistogram): void {
    for (let i = 0; i < BINS; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
  }

  toJSON(): { total: number; bins: [number, number][] } {
    const bins: [number, number][] = [];
    this.counts.forEach((count, bin) => {
      if (count > 0) bins.push([bin, count]);
    });
    return { total: this.total, bins };
  }

  static fromJSON(data: { total: number; bins: [number, number][] }): ScoreHistogram {
    const histogram = new ScoreHistogram();
    for (const [bin, count] of data.bins) histogram.counts[bin] = count;
    histogram.total = data.total;
    return histogram;
  }
}

export interface RocPoint {
  /** Share of negatives (legitimate logins) at or above the threshold. */
  fpr: number;
  /** Share of positives (takeovers) at or above the threshold. */
  tpr: number;
  threshold: number;
}

/** ROC from high thresholds to low; the first point is (0, 0). */
export function rocCurve(positives: ScoreHistogram, negatives: ScoreHistogram): RocPoint[] {
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: 1 }];
  if (positives.total === 0 || negatives.total === 0) return points;
  let tp = 0;
  let fp = 0;
  for (let bin = BINS - 1; bin >= 0; bin--) {
    const p = positives.counts[bin]!;
    const n = negatives.counts[bin]!;
    if (p === 0 && n === 0) continue;
    tp += p;
    fp += n;
    points.push({ fpr: fp / negatives.total, tpr: tp / positives.total, threshold: ScoreHistogram.edge(bin) });
  }
  return points;
}

export function auc(positives: ScoreHistogram, negatives: ScoreHistogram): number {
  if (positives.total === 0 || negatives.total === 0) return NaN;
  let below = 0; // negatives strictly below the current bin
  let sum = 0;
  for (let bin = 0; bin < BINS; bin++) {
    const p = positives.counts[bin]!;
    const n = negatives.counts[bin]!;
    sum += p * (below + n / 2);
    below += n;
  }
  return sum / (positives.total * negatives.total);
}

/**
 * Catch rate when at most `budget` of legitimate logins may be stepped up: the lowest bin
 * threshold whose negatives above it stay within budget (a bin is never split).
 */
export function catchAtBudget(
  positives: ScoreHistogram,
  negatives: ScoreHistogram,
  budget: number,
): { catchRate: number; legitRate: number; threshold: number } {
  if (positives.total === 0 || negatives.total === 0) return { catchRate: NaN, legitRate: NaN, threshold: NaN };
  let tp = 0;
  let fp = 0;
  let best = { catchRate: 0, legitRate: 0, threshold: 1 };
  for (let bin = BINS - 1; bin >= 0; bin--) {
    const n = negatives.counts[bin]!;
    if ((fp + n) / negatives.total > budget) break;
    fp += n;
    tp += positives.counts[bin]!;
    best = { catchRate: tp / positives.total, legitRate: fp / negatives.total, threshold: ScoreHistogram.edge(bin) };
  }
  return best;
}

/** Legitimate step-up rate needed to catch at least `target` of positives. */
export function budgetForCatch(positives: ScoreHistogram, negatives: ScoreHistogram, target: number): number {
  if (positives.total === 0 || negatives.total === 0) return NaN;
  let tp = 0;
  let fp = 0;
  for (let bin = BINS - 1; bin >= 0; bin--) {
    tp += positives.counts[bin]!;
    fp += negatives.counts[bin]!;
    if (tp / positives.total >= target) return fp / negatives.total;
  }
  return 1;
}

/** Wilson 95% interval for a proportion. */
export function wilson(successes: number, n: number): [number, number] {
  if (n === 0) return [NaN, NaN];
  const z = 1.959964;
  const p = successes / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
