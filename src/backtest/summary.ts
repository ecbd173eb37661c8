/**
 * What a backtest learns from its decisions, in bounded memory: action rates and risk
 * distributions per label, ROC of the risk score against labels, estimated operating points of
 * every preset, and the most frequent reasons. Works with or without labels.
 */
import { thresholdsFor } from '../core/decide.js';
import { PRESETS, PRESET_NAMES } from '../core/policy.js';
import type { Decision, DecisionAction, PresetName } from '../types/index.js';
import { ExactSum } from './exact-sum.js';
import type { ReplayEvent } from './replay.js';
import { auc, catchAtBudget, logit, rocCurve, ScoreHistogram, sigmoid, type RocPoint } from './stats.js';

/** log10(risk) bins for the risk-distribution chart: [1e-6, 1] in 24 steps, plus "below". */
export const RISK_BIN_EDGES = Array.from({ length: 25 }, (_, i) => 10 ** (-6 + i * 0.25));

export interface GroupStats {
  n: number;
  allow: number;
  step_up: number;
  deny: number;
  riskSum: number;
  /** Counts per RISK_BIN_EDGES bin; index 0 = below 1e-6. */
  riskBins: number[];
}

export interface PresetPoint {
  preset: PresetName;
  /** Legitimate logins stepped up or denied. */
  legitFriction: number;
  /** First takeover logins per account stepped up or denied. */
  catchFirst: number;
  catchAll: number;
  /** true: the run's own decisions; false: estimated from its risks (prior-adjusted thresholds + hard rules). */
  exact: boolean;
}

export interface BacktestSummary {
  generatedBy: string;
  input: string;
  preset: PresetName;
  settings: Record<string, unknown>;
  lines: number;
  blankLines: number;
  malformed: number;
  assessed: number;
  warmup: number;
  scored: number;
  labelled: number;
  outOfOrder: number;
  durationMs: number;
  eventsPerSecond: number;
  actions: Record<DecisionAction, number>;
  /** Per label scenario ("unlabelled" when the line has none). */
  groups: Record<string, GroupStats>;
  legit?: GroupStats;
  /** Recycled-number takeovers (every labelled takeover except scenario A4, the SIM-swap control). */
  takeover?: GroupStats;
  takeoverFirst?: GroupStats;
  control?: GroupStats;
  roc?: {
    aucFirst: number;
    aucAll: number;
    /** Downsampled curve of first takeover logins vs legitimate logins. */
    points: RocPoint[];
    catchAt: { budget: number; catchRate: number; threshold: number }[];
  };
  presets?: PresetPoint[];
  reasons: { stepUpOrDeny: { code: string; count: number }[]; all: { code: string; count: number }[] };
  riskBinEdges: number[];
}

/** A group while counting: the risks are summed exactly, so shards merge to the single run's sum. */
class GroupCounter {
  n = 0;
  allow = 0;
  step_up = 0;
  deny = 0;
  readonly riskSum = new ExactSum();
  readonly riskBins = new Array<number>(RISK_BIN_EDGES.length).fill(0);

  add(action: DecisionAction, risk: number): void {
    this.n++;
    this[action]++;
    this.riskSum.add(risk);
    let bin = 0;
    while (bin < RISK_BIN_EDGES.length - 1 && risk >= RISK_BIN_EDGES[bin]!) bin++;
    this.riskBins[bin]!++;
  }

  merge(other: GroupCounter): void {
    this.n += other.n;
    this.allow += other.allow;
    this.step_up += other.step_up;
    this.deny += other.deny;
    this.riskSum.merge(other.riskSum);
    other.riskBins.forEach((count, bin) => (this.riskBins[bin]! += count));
  }

  stats(): GroupStats {
    return { n: this.n, allow: this.allow, step_up: this.step_up, deny: this.deny, riskSum: this.riskSum.value(), riskBins: [...this.riskBins] };
  }

  toJSON(): GroupState {
    return { n: this.n, allow: this.allow, step_up: this.step_up, deny: this.deny, riskSum: this.riskSum.toJSON(), riskBins: [...this.riskBins] };
  }

  static fromJSON(state: GroupState): GroupCounter {
    const group = new GroupCounter();
    group.n = state.n;
    group.allow = state.allow;
    group.step_up = state.step_up;
    group.deny = state.deny;
    group.riskSum.merge(ExactSum.fromJSON(state.riskSum));
    state.riskBins.forEach((count, bin) => (group.riskBins[bin] = count));
    return group;
  }
}

interface GroupState extends Omit<GroupStats, 'riskSum'> {
  /** The exact sum's partials. */
  riskSum: number[];
}

/**
 * Everything a `SummaryBuilder` has counted, as JSON: what a shard hands to the merge. Counts and
 * histograms add up, the risk sums are exact, and an account's events all sit in one shard (so
 * "first takeover login per account" needs no cross-shard state).
 */
export interface SummaryState {
  preset: PresetName;
  assessed: number;
  warmup: number;
  scored: number;
  labelled: number;
  actions: Record<DecisionAction, number>;
  groups: Record<string, GroupState>;
  legit: GroupState;
  takeover: GroupState;
  takeoverFirst: GroupState;
  control: GroupState;
  posFirst: ReturnType<ScoreHistogram['toJSON']>;
  posAll: ReturnType<ScoreHistogram['toJSON']>;
  neg: ReturnType<ScoreHistogram['toJSON']>;
  reasonsAll: Record<string, number>;
  reasonsFlagged: Record<string, number>;
  presetCounts: Record<string, { legit: number; first: number; all: number }>;
}

const RANK: Record<DecisionAction, number> = { allow: 0, step_up: 1, deny: 2 };

/** What another preset would have done with this decision's evidence (see PresetPoint.exact). */
export function estimateAction(decision: Decision, action: ReplayEvent['action'], preset: PresetName): DecisionAction {
  const policy = PRESETS[preset];
  if (preset === decision.preset) return decision.wouldBe;
  const x = logit(decision.risk) - logit(decision.prior) + logit(policy.prior);
  const risk = sigmoid(x);
  const thresholds = thresholdsFor(policy, action ?? 'login');
  let estimate: DecisionAction = risk >= thresholds.deny ? 'deny' : risk >= thresholds.stepUp ? 'step_up' : 'allow';
  const floor = (at: DecisionAction) => {
    if (RANK[estimate] < RANK[at]) estimate = at;
  };
  if (decision.numberChangedHands === 'yes') floor(policy.denyOnConfirmedReissue ? 'deny' : 'step_up');
  if (action && policy.alwaysStepUp.includes(action) && !decision.reasons.some((reason) => reason.code === 'strong_factor_verified')) floor('step_up');
  if (policy.failMode.intelWhenDormant === 'step_up') {
    const codes = new Set(decision.reasons.map((reason) => reason.code));
    if (codes.has('number_intel_unavailable') && codes.has('dormant_beyond_aging') && decision.numberChangedHands !== 'no') floor('step_up');
  }
  return estimate;
}

export class SummaryBuilder {
  private readonly groups = new Map<string, GroupCounter>();
  private readonly legit = new GroupCounter();
  private readonly takeover = new GroupCounter();
  private readonly takeoverFirst = new GroupCounter();
  private readonly control = new GroupCounter();
  private readonly seenTakeover = new Set<string>();
  private readonly posFirst = new ScoreHistogram();
  private readonly posAll = new ScoreHistogram();
  private readonly neg = new ScoreHistogram();
  private readonly reasonsAll = new Map<string, number>();
  private readonly reasonsFlagged = new Map<string, number>();
  private readonly presetCounts = new Map<PresetName, { legit: number; first: number; all: number }>();
  readonly actions: Record<DecisionAction, number> = { allow: 0, step_up: 0, deny: 0 };
  assessed = 0;
  warmup = 0;
  scored = 0;
  labelled = 0;

  constructor(readonly preset: PresetName) {
    for (const name of PRESET_NAMES) this.presetCounts.set(name, { legit: 0, first: 0, all: 0 });
  }

  add(event: ReplayEvent, decision: Decision): void {
    this.assessed++;
    const label = event.label;
    // The first attacker login per account is tracked even in warm-up, so a later one is not "first".
    let firstTakeover = false;
    if (label?.isTakeover && label.scenario !== 'A4' && !this.seenTakeover.has(event.accountId)) {
      this.seenTakeover.add(event.accountId);
      firstTakeover = true;
    }
    if (event.warmup) {
      this.warmup++;
      return;
    }
    this.scored++;
    const action = decision.wouldBe;
    const risk = decision.risk;
    this.actions[action]++;
    const key = label?.scenario ?? (label ? (label.isTakeover ? 'takeover' : 'legit') : 'unlabelled');
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = new GroupCounter()));
    group.add(action, risk);

    for (const reason of decision.reasons) {
      if (reason.effect <= 0) continue;
      this.reasonsAll.set(reason.code, (this.reasonsAll.get(reason.code) ?? 0) + 1);
      if (action !== 'allow') this.reasonsFlagged.set(reason.code, (this.reasonsFlagged.get(reason.code) ?? 0) + 1);
    }

    if (!label) return;
    this.labelled++;
    const control = label.isTakeover && label.scenario === 'A4';
    if (control) {
      this.control.add(action, risk);
      return;
    }
    const presetActions = PRESET_NAMES.map((name) => [name, estimateAction(decision, event.action, name)] as const);
    if (label.isTakeover) {
      this.takeover.add(action, risk);
      this.posAll.add(risk);
      if (firstTakeover) {
        this.takeoverFirst.add(action, risk);
        this.posFirst.add(risk);
      }
      for (const [name, estimate] of presetActions) {
        const counts = this.presetCounts.get(name)!;
        if (estimate !== 'allow') {
          counts.all++;
          if (firstTakeover) counts.first++;
        }
      }
    } else {
      this.legit.add(action, risk);
      this.neg.add(risk);
      for (const [name, estimate] of presetActions) if (estimate !== 'allow') this.presetCounts.get(name)!.legit++;
    }
  }

  state(): SummaryState {
    const groups: Record<string, GroupState> = {};
    for (const [key, group] of this.groups) groups[key] = group.toJSON();
    return {
      preset: this.preset,
      assessed: this.assessed,
      warmup: this.warmup,
      scored: this.scored,
      labelled: this.labelled,
      actions: { ...this.actions },
      groups,
      legit: this.legit.toJSON(),
      takeover: this.takeover.toJSON(),
      takeoverFirst: this.takeoverFirst.toJSON(),
      control: this.control.toJSON(),
      posFirst: this.posFirst.toJSON(),
      posAll: this.posAll.toJSON(),
      neg: this.neg.toJSON(),
      reasonsAll: Object.fromEntries(this.reasonsAll),
      reasonsFlagged: Object.fromEntries(this.reasonsFlagged),
      presetCounts: Object.fromEntries(this.presetCounts),
    };
  }

  /** Add another shard's counts (same preset). */
  merge(state: SummaryState): void {
    if (state.preset !== this.preset) throw new Error(`cannot merge a ${state.preset} summary into a ${this.preset} one`);
    this.assessed += state.assessed;
    this.warmup += state.warmup;
    this.scored += state.scored;
    this.labelled += state.labelled;
    for (const action of ['allow', 'step_up', 'deny'] as const) this.actions[action] += state.actions[action];
    for (const [key, group] of Object.entries(state.groups)) {
      const mine = this.groups.get(key);
      if (mine) mine.merge(GroupCounter.fromJSON(group));
      else this.groups.set(key, GroupCounter.fromJSON(group));
    }
    this.legit.merge(GroupCounter.fromJSON(state.legit));
    this.takeover.merge(GroupCounter.fromJSON(state.takeover));
    this.takeoverFirst.merge(GroupCounter.fromJSON(state.takeoverFirst));
    this.control.merge(GroupCounter.fromJSON(state.control));
    this.posFirst.merge(ScoreHistogram.fromJSON(state.posFirst));
    this.posAll.merge(ScoreHistogram.fromJSON(state.posAll));
    this.neg.merge(ScoreHistogram.fromJSON(state.neg));
    for (const [code, count] of Object.entries(state.reasonsAll)) this.reasonsAll.set(code, (this.reasonsAll.get(code) ?? 0) + count);
    for (const [code, count] of Object.entries(state.reasonsFlagged)) this.reasonsFlagged.set(code, (this.reasonsFlagged.get(code) ?? 0) + count);
    for (const [name, counts] of Object.entries(state.presetCounts)) {
      const mine = this.presetCounts.get(name as PresetName);
      if (!mine) continue;
      mine.legit += counts.legit;
      mine.first += counts.first;
      mine.all += counts.all;
    }
  }

  build(
    base: Pick<BacktestSummary, 'generatedBy' | 'input' | 'settings' | 'lines' | 'blankLines' | 'malformed' | 'outOfOrder' | 'durationMs'>,
  ): BacktestSummary {
    const top = (map: Map<string, number>) =>
      [...map.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 15)
        .map(([code, count]) => ({ code, count }));
    const groups: Record<string, GroupStats> = {};
    for (const key of [...this.groups.keys()].sort()) groups[key] = this.groups.get(key)!.stats();
    const summary: BacktestSummary = {
      ...base,
      preset: this.preset,
      assessed: this.assessed,
      warmup: this.warmup,
      scored: this.scored,
      labelled: this.labelled,
      eventsPerSecond: base.durationMs > 0 ? Math.round((this.assessed / base.durationMs) * 1000) : 0,
      actions: { ...this.actions },
      groups,
      reasons: { stepUpOrDeny: top(this.reasonsFlagged), all: top(this.reasonsAll) },
      riskBinEdges: RISK_BIN_EDGES,
    };
    if (this.labelled > 0) {
      summary.legit = this.legit.stats();
      summary.takeover = this.takeover.stats();
      summary.takeoverFirst = this.takeoverFirst.stats();
      if (this.control.n > 0) summary.control = this.control.stats();
    }
    if (this.legit.n > 0 && this.takeoverFirst.n > 0) {
      const curve = rocCurve(this.posFirst, this.neg);
      // Keep the chart light: at most ~300 points, always the ends.
      const step = Math.max(1, Math.ceil(curve.length / 300));
      const points = curve.filter((_, index) => index % step === 0 || index === curve.length - 1);
      summary.roc = {
        aucFirst: auc(this.posFirst, this.neg),
        aucAll: auc(this.posAll, this.neg),
        points,
        catchAt: [0.01, 0.02, 0.05, 0.1].map((budget) => {
          const hit = catchAtBudget(this.posFirst, this.neg, budget);
          return { budget, catchRate: hit.catchRate, threshold: hit.threshold };
        }),
      };
      summary.presets = PRESET_NAMES.map((name) => {
        const counts = this.presetCounts.get(name)!;
        return {
          preset: name,
          legitFriction: counts.legit / this.legit.n,
          catchFirst: counts.first / this.takeoverFirst.n,
          catchAll: this.takeover.n > 0 ? counts.all / this.takeover.n : NaN,
          exact: name === this.preset,
        };
      });
    }
    return summary;
  }
}
