/**
 * The evaluation harness: one pass over a simulated stream feeds every guard variant (presets,
 * ablations, evidence sweeps) and every baseline in lockstep, so all of them see exactly the same
 * events in the same order. Metrics are those of docs/evaluation.md; per-seed results are combined
 * with t-based 95% intervals by `aggregate`.
 */
import { createReplayer, type ReplayOptions, type Replayer } from '../backtest/replay.js';
import { auc, catchAtBudget, budgetForCatch, ScoreHistogram } from '../backtest/stats.js';
import type { Thresholds } from '../core/policy.js';
import type { Weights } from '../core/weights.js';
import type { Decision, DecisionAction, PresetName, StepUpCheck } from '../types/index.js';
import { freemanModel, newDeviceOrIp, reissueRuleOnly, smsOnly, type Baseline } from './baselines.js';
import type { EvidenceSignal } from './config.js';
import type { SimEvent } from './events.js';
import { simReplayIntel } from './carrier.js';
import { simulationGeo } from './locations.js';

export interface GuardVariant {
  id: string;
  title: string;
  preset: PresetName;
  intel: 'truth' | 'none';
  signal?: EvidenceSignal;
  shares?: { exact: number; coarse: number; missing: number };
  geo?: boolean;
  stripDevice?: boolean;
  stripToken?: boolean;
  weights?: Partial<Weights>;
  thresholds?: Partial<Thresholds>;
  checks?: StepUpCheck[];
}

/** Dormancy off: the dormancy curve and the "recent proof" discount are the same evidence. */
export const NO_DORMANCY: Partial<Weights> = { dormant_beyond_aging: 0, dormant_beyond_aging_slope: 0, dormant_beyond_aging_cap: 0, recent_owner_proof: 0 };

export const VARIANTS: Record<string, GuardVariant> = {
  full: { id: 'full', title: 'guard, cloud-drive, carrier evidence per P17', preset: 'cloud-drive', intel: 'truth' },
  'no-carrier': { id: 'no-carrier', title: 'no carrier evidence at all', preset: 'cloud-drive', intel: 'none' },
  social: { id: 'social', title: 'preset social', preset: 'social', intel: 'truth' },
  fintech: { id: 'fintech', title: 'preset fintech (host checks: password only)', preset: 'fintech', intel: 'truth' },
  'fintech-kyc': {
    id: 'fintech-kyc',
    title: 'preset fintech, host checks password, ID match, face',
    preset: 'fintech',
    intel: 'truth',
    checks: ['password', 'id_match', 'face'],
  },
  'coarse-only': { id: 'coarse-only', title: 'coarse evidence only (every number RND-style)', preset: 'cloud-drive', intel: 'truth', signal: 'coarse' },
  'exact-only': { id: 'exact-only', title: 'exact evidence for every number (P17 exact 100%)', preset: 'cloud-drive', intel: 'truth', signal: 'exact' },
  'no-device': { id: 'no-device', title: 'no device signal (no UA, hints or token)', preset: 'cloud-drive', intel: 'truth', stripDevice: true },
  'no-token': { id: 'no-token', title: 'no device token (UA and hints only)', preset: 'cloud-drive', intel: 'truth', stripToken: true },
  'no-geo': { id: 'no-geo', title: 'no geolocation', preset: 'cloud-drive', intel: 'truth', geo: false },
  'no-dormancy': { id: 'no-dormancy', title: 'no dormancy signal', preset: 'cloud-drive', intel: 'truth', weights: NO_DORMANCY },
  'no-carrier-no-token': { id: 'no-carrier-no-token', title: 'no carrier evidence, no device token', preset: 'cloud-drive', intel: 'none', stripToken: true },
  // Step-up line sweeps (cloud-drive's line was 0.006 when they were run; it is now 0.004), run on tuning seeds apart from the reported ones.
  'full-t005': { id: 'full-t005', title: 'full, step-up at 0.005', preset: 'cloud-drive', intel: 'truth', thresholds: { stepUp: 0.005 } },
  'full-t004': { id: 'full-t004', title: 'full, step-up at 0.004', preset: 'cloud-drive', intel: 'truth', thresholds: { stepUp: 0.004 } },
  'full-t003': { id: 'full-t003', title: 'full, step-up at 0.003', preset: 'cloud-drive', intel: 'truth', thresholds: { stepUp: 0.003 } },
  'no-carrier-t004': { id: 'no-carrier-t004', title: 'no carrier, step-up at 0.004', preset: 'cloud-drive', intel: 'none', thresholds: { stepUp: 0.004 } },
  'p17-exact-0': {
    id: 'p17-exact-0',
    title: 'P17: exact 0%, missing 100%',
    preset: 'cloud-drive',
    intel: 'truth',
    shares: { exact: 0, coarse: 0, missing: 1 },
  },
  'p17-exact-25': {
    id: 'p17-exact-25',
    title: 'P17: exact 25%, missing 75%',
    preset: 'cloud-drive',
    intel: 'truth',
    shares: { exact: 0.25, coarse: 0, missing: 0.75 },
  },
  'p17-exact-50': {
    id: 'p17-exact-50',
    title: 'P17: exact 50%, missing 50%',
    preset: 'cloud-drive',
    intel: 'truth',
    shares: { exact: 0.5, coarse: 0, missing: 0.5 },
  },
  'p17-exact-75': {
    id: 'p17-exact-75',
    title: 'P17: exact 75%, missing 25%',
    preset: 'cloud-drive',
    intel: 'truth',
    shares: { exact: 0.75, coarse: 0, missing: 0.25 },
  },
};

interface Cell {
  n: number;
  step_up: number;
  deny: number;
  firstN: number;
  firstCaught: number;
}

const newCell = (): Cell => ({ n: 0, step_up: 0, deny: 0, firstN: 0, firstCaught: 0 });

/** Metrics of one variant or baseline on one run. */
export class Scorecard {
  readonly cells = new Map<string, Cell>();
  readonly legit = newCell();
  readonly takeover = newCell();
  readonly control = newCell();
  /** First attacker logins whose number's carrier could say something (signal exact or coarse). */
  readonly firstWithSignal = { n: 0, caught: 0 };
  /** First attacker logins where the guard got a conclusive carrier answer. */
  readonly firstConclusive = { n: 0, caught: 0 };
  readonly legitByFrequency = new Map<string, { n: number; flagged: number }>();
  readonly posFirst = new ScoreHistogram();
  readonly posAll = new ScoreHistogram();
  readonly neg = new ScoreHistogram();
  readonly misses = new Map<string, Map<string, number>>();
  readonly missDormancy = new Map<string, number[]>();

  constructor(
    readonly id: string,
    readonly title: string,
  ) {}

  record(event: SimEvent, first: boolean, action: DecisionAction, risk: number, decision?: Decision): void {
    const label = event.label;
    const flagged = action !== 'allow';
    let cell = this.cells.get(label.scenario);
    if (!cell) this.cells.set(label.scenario, (cell = newCell()));
    cell.n++;
    if (action === 'step_up') cell.step_up++;
    if (action === 'deny') cell.deny++;
    if (label.isTakeover && label.scenario === 'A4') {
      this.add(this.control, action, first, flagged);
      if (first) {
        cell.firstN++;
        if (flagged) cell.firstCaught++;
      }
      return;
    }
    if (label.isTakeover) {
      this.add(this.takeover, action, first, flagged);
      this.posAll.add(risk);
      if (first) {
        cell.firstN++;
        if (flagged) cell.firstCaught++;
        this.posFirst.add(risk);
        if (event.number.signal !== 'missing') {
          this.firstWithSignal.n++;
          if (flagged) this.firstWithSignal.caught++;
        }
        if (decision?.reasons.some((reason) => reason.code === 'number_reissued_after_binding' || reason.code === 'number_not_reissued')) {
          this.firstConclusive.n++;
          if (flagged) this.firstConclusive.caught++;
        }
        if (!flagged && decision) this.explainMiss(event, decision);
      }
      return;
    }
    this.add(this.legit, action, false, flagged);
    this.neg.add(risk);
    const frequency = label.frequency ?? '?';
    let row = this.legitByFrequency.get(frequency);
    if (!row) this.legitByFrequency.set(frequency, (row = { n: 0, flagged: 0 }));
    row.n++;
    if (flagged) row.flagged++;
  }

  private add(cell: Cell, action: DecisionAction, first: boolean, flagged: boolean): void {
    cell.n++;
    if (action === 'step_up') cell.step_up++;
    if (action === 'deny') cell.deny++;
    if (first) {
      cell.firstN++;
      if (flagged) cell.firstCaught++;
    }
  }

  /** A compact description of the evidence behind an allowed first attacker login. */
  private explainMiss(event: SimEvent, decision: Decision): void {
    const byCode = new Map(decision.reasons.map((reason) => [reason.code, reason]));
    const unavailable = byCode.get('number_intel_unavailable');
    const carrier = byCode.has('number_reissued_after_binding')
      ? 'carrier: changed'
      : byCode.has('number_not_reissued')
        ? 'carrier: not changed'
        : unavailable && unavailable.details?.why !== 'not_configured'
          ? `carrier: no answer (${event.number.signal})`
          : 'carrier: none';
    const dormant = byCode.get('dormant_beyond_aging');
    const days = typeof dormant?.details?.dormancyDays === 'number' ? (dormant.details.dormancyDays as number) : undefined;
    const dormancy =
      days === undefined
        ? byCode.has('recent_owner_proof')
          ? 'owner proof within aging'
          : 'dormancy ?'
        : days < 90
          ? 'dormant < 90 d'
          : days < 180
            ? 'dormant 90-180 d'
            : days < 365
              ? 'dormant 180-365 d'
              : 'dormant > 365 d';
    const known = byCode.get('known_device') ?? byCode.get('vouched_device');
    const fresh = byCode.get('new_device');
    const device = known
      ? known.details?.class !== undefined
        ? 'device class known'
        : 'device token known'
      : fresh
        ? byCode.has('device_class_change')
          ? 'new device, other OS/type'
          : fresh.details?.likelihoodRatio !== undefined && (fresh.details.likelihoodRatio as number) < 4
            ? "new token, owner's device class"
            : 'new device'
        : byCode.has('no_history')
          ? 'no history'
          : 'device ?';
    const region = byCode.has('known_region')
      ? 'known region'
      : byCode.has('new_region')
        ? 'new region'
        : byCode.has('new_country')
          ? 'new country'
          : byCode.has('no_history')
            ? ''
            : 'region ?';
    const pattern = [carrier, dormancy, device, region, event.action === 'login' || event.action === undefined ? '' : event.action].filter(Boolean).join(' · ');
    let patterns = this.misses.get(event.label.scenario);
    if (!patterns) this.misses.set(event.label.scenario, (patterns = new Map()));
    patterns.set(pattern, (patterns.get(pattern) ?? 0) + 1);
    if (days !== undefined) {
      let list = this.missDormancy.get(event.label.scenario);
      if (!list) this.missDormancy.set(event.label.scenario, (list = []));
      if (list.length < 10_000) list.push(days);
    }
  }

  summary(): ScorecardSummary {
    const rate = (a: number, b: number) => (b > 0 ? a / b : NaN);
    const scenarios: ScorecardSummary['scenarios'] = {};
    for (const key of [...this.cells.keys()].sort()) {
      const cell = this.cells.get(key)!;
      scenarios[key] = {
        n: cell.n,
        stepUp: rate(cell.step_up, cell.n),
        deny: rate(cell.deny, cell.n),
        flagged: rate(cell.step_up + cell.deny, cell.n),
        ...(cell.firstN > 0 ? { firstN: cell.firstN, firstCatch: rate(cell.firstCaught, cell.firstN) } : {}),
      };
    }
    const misses: ScorecardSummary['misses'] = {};
    for (const [scenario, patterns] of this.misses) {
      const list = this.missDormancy.get(scenario) ?? [];
      const sorted = [...list].sort((a, b) => a - b);
      misses[scenario] = {
        count: [...patterns.values()].reduce((a, b) => a + b, 0),
        medianDormancyDays: sorted.length ? sorted[Math.floor(sorted.length / 2)]! : null,
        patterns: [...patterns.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 8)
          .map(([pattern, count]) => ({ pattern, count })),
      };
    }
    const frequency: Record<string, number> = {};
    for (const [name, row] of this.legitByFrequency) frequency[name] = rate(row.flagged, row.n);
    const hasScores = this.neg.total > 0 && this.posFirst.total > 0;
    return {
      id: this.id,
      title: this.title,
      legitN: this.legit.n,
      legitStepUp: rate(this.legit.step_up, this.legit.n),
      legitDeny: rate(this.legit.deny, this.legit.n),
      legitFlagged: rate(this.legit.step_up + this.legit.deny, this.legit.n),
      firstN: this.takeover.firstN,
      firstCatch: rate(this.takeover.firstCaught, this.takeover.firstN),
      allN: this.takeover.n,
      allCatch: rate(this.takeover.step_up + this.takeover.deny, this.takeover.n),
      firstCatchWithSignal: rate(this.firstWithSignal.caught, this.firstWithSignal.n),
      firstWithSignalN: this.firstWithSignal.n,
      firstCatchConclusive: rate(this.firstConclusive.caught, this.firstConclusive.n),
      firstConclusiveN: this.firstConclusive.n,
      controlFirstCatch: rate(this.control.firstCaught, this.control.firstN),
      controlAllCatch: rate(this.control.step_up + this.control.deny, this.control.n),
      controlN: this.control.n,
      aucFirst: hasScores ? auc(this.posFirst, this.neg) : NaN,
      aucAll: hasScores ? auc(this.posAll, this.neg) : NaN,
      catchAt: Object.fromEntries(
        [0.01, 0.02, 0.05, 0.1].map((budget) => [String(budget), hasScores ? catchAtBudget(this.posFirst, this.neg, budget).catchRate : NaN]),
      ),
      legitFor995: hasScores ? budgetForCatch(this.posFirst, this.neg, 0.995) : NaN,
      legitFor95: hasScores ? budgetForCatch(this.posFirst, this.neg, 0.95) : NaN,
      scenarios,
      legitFlaggedByFrequency: frequency,
      misses,
    };
  }
}

export interface ScorecardSummary {
  id: string;
  title: string;
  legitN: number;
  legitStepUp: number;
  legitDeny: number;
  legitFlagged: number;
  firstN: number;
  firstCatch: number;
  allN: number;
  allCatch: number;
  firstCatchWithSignal: number;
  firstWithSignalN: number;
  firstCatchConclusive: number;
  firstConclusiveN: number;
  controlFirstCatch: number;
  controlAllCatch: number;
  controlN: number;
  aucFirst: number;
  aucAll: number;
  catchAt: Record<string, number>;
  /** Legitimate step-up rate the score needs to catch 99.5% / 95% of first logins. */
  legitFor995: number;
  legitFor95: number;
  scenarios: Record<string, { n: number; stepUp: number; deny: number; flagged: number; firstN?: number; firstCatch?: number }>;
  legitFlaggedByFrequency: Record<string, number>;
  misses: Record<string, { count: number; medianDormancyDays: number | null; patterns: { pattern: string; count: number }[] }>;
}

export interface RunResult {
  events: number;
  scored: number;
  warmup: number;
  accounts: number;
  takeoverAccounts: number;
  legitPerAccountYear: number;
  seconds: number;
  variants: ScorecardSummary[];
  baselines: ScorecardSummary[];
  /** B2 at the guard's (full variant) legitimate step-up rate, and the rate B2 needs for the guard's catch. */
  b2Matched?: { atGuardFriction: number; frictionForGuardCatch: number };
}

export interface EvaluateOptions {
  events: AsyncIterable<SimEvent>;
  variants: GuardVariant[];
  baselines: boolean;
  accounts: number;
  scoredDays: number;
  onProgress?: (events: number) => void;
}

export async function evaluateStream(options: EvaluateOptions): Promise<RunResult> {
  const started = performance.now();
  const runners: { card: Scorecard; replayer: Replayer }[] = options.variants.map((variant) => {
    const replay: ReplayOptions = {
      preset: variant.preset,
      geo: variant.geo === false ? false : simulationGeo(),
      ...(variant.intel === 'truth'
        ? { numberIntel: simReplayIntel({ ...(variant.signal ? { signal: variant.signal } : {}), ...(variant.shares ? { shares: variant.shares } : {}) }) }
        : {}),
      ...(variant.weights ? { weights: variant.weights } : {}),
      ...(variant.thresholds ? { thresholds: variant.thresholds } : {}),
      ...(variant.checks ? { checks: variant.checks } : {}),
      ...(variant.stripDevice ? { stripDevice: true } : {}),
      ...(variant.stripToken ? { stripToken: true } : {}),
      maxAccounts: Math.max(1000, options.accounts * 2),
    };
    return { card: new Scorecard(variant.id, variant.title), replayer: createReplayer(replay) };
  });
  const baselines: { card: Scorecard; model: Baseline }[] = options.baselines
    ? [smsOnly(), newDeviceOrIp(), freemanModel(), reissueRuleOnly()].map((model) => ({ card: new Scorecard(model.id, model.title), model }))
    : [];
  const b2 = baselines.find((entry) => entry.model.id === 'B2');
  const b2Scores = b2 ? { first: new ScoreHistogram(), neg: new ScoreHistogram() } : undefined;

  const seenTakeover = new Set<string>();
  let events = 0;
  let scored = 0;
  let warmup = 0;
  for await (const event of options.events) {
    events++;
    const at = Date.parse(event.at);
    let first = false;
    if (event.label.isTakeover && !seenTakeover.has(event.accountId)) {
      seenTakeover.add(event.accountId);
      first = true;
    }
    const scoredEvent = !event.warmup;
    if (scoredEvent) scored++;
    else warmup++;
    for (const { card, replayer } of runners) {
      const decided = replayer.assess(event);
      const decision = decided instanceof Promise ? await decided : decided;
      if (scoredEvent) card.record(event, first, decision.wouldBe, decision.risk, decision);
    }
    for (const { card, model } of baselines) {
      const verdict = await model.assess(event, at);
      if (!scoredEvent) continue;
      // Baseline scores are not probabilities; map them monotonically into (0, 1) for the histograms.
      const pseudoRisk = 1 / (1 + Math.exp(-verdict.score));
      card.record(event, first, verdict.action, pseudoRisk);
      if (model.id === 'B2' && b2Scores && !(event.label.isTakeover && event.label.scenario === 'A4')) {
        if (!event.label.isTakeover) b2Scores.neg.add(pseudoRisk);
        else if (first) b2Scores.first.add(pseudoRisk);
      }
    }
    if (options.onProgress && events % 20_000 === 0) options.onProgress(events);
  }

  const variants = runners.map(({ card }) => card.summary());
  const baselineSummaries = baselines.map(({ card }) => card.summary());
  const result: RunResult = {
    events,
    scored,
    warmup,
    accounts: options.accounts,
    takeoverAccounts: seenTakeover.size,
    legitPerAccountYear: variants[0] ? variants[0].legitN / options.accounts / (options.scoredDays / 365.25) : NaN,
    seconds: (performance.now() - started) / 1000,
    variants,
    baselines: baselineSummaries,
  };
  const full = variants.find((variant) => variant.id === 'full');
  if (b2Scores && full) {
    const atFriction = catchAtBudget(b2Scores.first, b2Scores.neg, full.legitFlagged).catchRate;
    const frictionForCatch = budgetForCatch(b2Scores.first, b2Scores.neg, full.firstCatch);
    result.b2Matched = { atGuardFriction: atFriction, frictionForGuardCatch: frictionForCatch };
    // B2's own operating point: the threshold whose legitimate step-up rate matches the guard's.
    const b2Summary = baselineSummaries.find((summary) => summary.id === 'B2');
    if (b2Summary) {
      b2Summary.firstCatch = atFriction;
      b2Summary.legitFlagged = catchAtBudget(b2Scores.first, b2Scores.neg, full.legitFlagged).legitRate;
      b2Summary.legitStepUp = b2Summary.legitFlagged;
      b2Summary.title += " (threshold at the guard's legitimate step-up rate)";
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Combining seeds
// ---------------------------------------------------------------------------------------------

/** Two-sided 95% Student t quantiles by degrees of freedom. */
const T95: Record<number, number> = { 1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228 };

export interface Interval {
  mean: number;
  low: number;
  high: number;
  n: number;
}

export function interval(values: number[]): Interval {
  const finite = values.filter(Number.isFinite);
  const n = finite.length;
  if (n === 0) return { mean: NaN, low: NaN, high: NaN, n: 0 };
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, low: NaN, high: NaN, n };
  const sd = Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = (T95[n - 1] ?? 1.96) * (sd / Math.sqrt(n));
  return { mean, low: mean - half, high: mean + half, n };
}
