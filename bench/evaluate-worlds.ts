/**
 * The world suite (docs/evaluation.md, "Shifted worlds"): the headline variants on the tuned default
 * world and on at least 20 worlds whose parameters are drawn within documented ranges, per profile,
 * with the worst draw and the median of every headline metric, each attacker strategy apart, the
 * catch-vs-friction curve per preset, the unavoidable friction and a reliability table of `risk`.
 *
 *   npm run evaluate                      # the full suite (US and CN, 20 draws each, 2 jobs)
 *   npm run evaluate -- --quick           # 5 draws per profile, smaller worlds: a smoke run
 *   npm run evaluate -- --ranges          # the table of parameter ranges
 *   npm run evaluate -- --suite headline  # the older single-world suites (see bench/evaluate.ts)
 *
 * Options: --profile us,cn  --draws 20  --first-draw 2001  --accounts 3000  --tuned-seeds 1,2,3
 *          --curve-draws 4  --jobs 2  --out test-output/eval/worlds  --tmp /tmp
 *          --from DIR (re-render the report from the per-world JSON of an earlier run)
 *          --resume (keep the worlds an interrupted run into --out already finished)
 * Each world runs in a child process (--jobs at a time); progress goes to stderr, the Markdown
 * report to stdout and to <out>/worlds.md, each world's counts to <out>/<profile>-<world>.json.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wilson } from '../src/backtest/stats.js';
import { PRESETS } from '../src/core/policy.js';
import { ATTACKER_STRATEGIES, GENERATOR_VERSION, SCENARIO_TITLES, STRATEGY_TITLES, type ProfileName, type Scenario } from '../src/simulate/config.js';
import { CURVE_THRESHOLDS, WORLD_VARIANTS, curveVariants, runWorld, type WorldResult, type WorldVariant } from '../src/simulate/world-suite.js';
import {
  ALL_WORLD_RANGES,
  WORLD_DESIGN,
  defaultWorld,
  drawWorld,
  mergeTally,
  newTally,
  reliability,
  type Rate,
  type VariantTally,
  type WorldDraw,
} from '../src/simulate/worlds.js';

function arg(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

interface Job {
  kind: 'tuned' | 'draw';
  profile: ProfileName;
  seed: number;
  accounts: number;
  curve: boolean;
  out: string;
  tmp: string;
}

const jobName = (job: Pick<Job, 'kind' | 'profile' | 'seed'>) => `${job.profile}-${job.kind === 'tuned' ? 'tuned' : 'draw'}-${job.seed}`;

// ---------------------------------------------------------------------------------------------
// Worker: one world
// ---------------------------------------------------------------------------------------------

async function worker(specPath: string): Promise<void> {
  const job = JSON.parse(readFileSync(specPath, 'utf8')) as Job;
  const draw: WorldDraw = job.kind === 'tuned' ? defaultWorld(job.profile, job.seed) : drawWorld(job.profile, job.seed);
  const variants: WorldVariant[] = job.curve ? [...WORLD_VARIANTS, ...curveVariants()] : WORLD_VARIANTS;
  const result = await runWorld({ draw, accounts: job.accounts, variants, tmpDir: job.tmp });
  writeFileSync(join(job.out, `${jobName(job)}.json`), `${JSON.stringify(result)}\n`);
}

function runJobs(jobs: Job[], parallel: number, resume = false): Promise<WorldResult[]> {
  const results = new Map<string, WorldResult>();
  const started = performance.now();
  let next = 0;
  let done = 0;
  return new Promise((resolve, reject) => {
    const launch = () => {
      if (next >= jobs.length) {
        if (done === jobs.length) resolve(jobs.map((job) => results.get(jobName(job))!));
        return;
      }
      const job = jobs[next++]!;
      const finished = join(job.out, `${jobName(job)}.json`);
      if (resume && existsSync(finished)) {
        // --resume: a world an interrupted run already finished is read back, not run again.
        results.set(jobName(job), JSON.parse(readFileSync(finished, 'utf8')) as WorldResult);
        done++;
        launch();
        return;
      }
      const spec = join(job.out, `${jobName(job)}.job.json`);
      writeFileSync(spec, JSON.stringify(job));
      const t0 = performance.now();
      const child = fork(fileURLToPath(import.meta.url), ['--worker', spec], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('exit', (code) => {
        if (code !== 0) {
          reject(new Error(`${jobName(job)} failed with exit code ${code}`));
          return;
        }
        const result = JSON.parse(readFileSync(join(job.out, `${jobName(job)}.json`), 'utf8')) as WorldResult;
        results.set(jobName(job), result);
        done++;
        const elapsed = (performance.now() - started) / 1000;
        process.stderr.write(
          `[${done}/${jobs.length}] ${jobName(job)}: ${result.events.toLocaleString('en-US')} events, ${result.takeoverAccounts} takeover accounts, ` +
            `${((performance.now() - t0) / 1000).toFixed(0)} s (elapsed ${elapsed.toFixed(0)} s, about ${(((elapsed / done) * (jobs.length - done)) / parallel).toFixed(0)} s left)\n`,
        );
        launch();
      });
    };
    for (let i = 0; i < Math.min(parallel, jobs.length); i++) launch();
  });
}

// ---------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------

/** Two-sided 95% Student t quantiles by degrees of freedom (1..30), else the normal's. */
const T95 = [
  NaN,
  12.706,
  4.303,
  3.182,
  2.776,
  2.571,
  2.447,
  2.365,
  2.306,
  2.262,
  2.228,
  2.201,
  2.179,
  2.16,
  2.145,
  2.131,
  2.12,
  2.11,
  2.101,
  2.093,
  2.086,
  2.08,
  2.074,
  2.069,
  2.064,
  2.06,
  2.056,
  2.052,
  2.048,
  2.045,
  2.042,
];

function tInterval(values: number[]): { mean: number; low: number; high: number } {
  const finite = values.filter(Number.isFinite);
  const n = finite.length;
  if (n === 0) return { mean: NaN, low: NaN, high: NaN };
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, low: NaN, high: NaN };
  const sd = Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = (T95[n - 1] ?? 1.96) * (sd / Math.sqrt(n));
  return { mean, low: mean - half, high: mean + half };
}

const median = (values: number[]) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const pct = (x: number, digits = 2) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '–');
const ratioText = (k: number, n: number, digits = 2) => {
  if (n === 0) return '– (n=0)';
  const [low, high] = wilson(k, n);
  return `${pct(k / n, digits)} [${pct(low, digits)}, ${pct(high, digits)}]`;
};

/** A headline metric: how to read it from one world's tally, and which direction is worse. */
interface Metric {
  id: string;
  title: string;
  /** Numerator and denominator in one world (Wilson intervals); `ratio` metrics have none. */
  count: (tally: VariantTally, world: WorldResult) => Rate;
  worse: 'low' | 'high';
  digits?: number;
}

const rateOf = (r: Rate) => (r.n > 0 ? r.k / r.n : NaN);

const METRICS: Metric[] = [
  { id: 'first', title: 'first takeover login stopped (step-up or deny)', count: (t) => t.first, worse: 'low' },
  { id: 'ever', title: 'takeover accounts ever let in (allowed, or passed the step-up)', count: (t) => t.everAllowed, worse: 'high' },
  {
    id: 'everOutright',
    title: "takeover accounts ever allowed before the attacker passed any step-up (the guard's own misses)",
    count: (t) => t.everAllowedOutright,
    worse: 'high',
  },
  { id: 'legitStepUp', title: 'legit logins stepped up', count: (t) => ({ n: t.legit.n, k: t.legit.stepUp }), worse: 'high', digits: 3 },
  { id: 'legitDeny', title: 'legit logins denied', count: (t) => ({ n: t.legit.n, k: t.legit.deny }), worse: 'high', digits: 3 },
  { id: 'ownersStepUp', title: 'owners ever stepped up', count: (t) => ({ n: t.owners.n, k: t.owners.everStepUp }), worse: 'high' },
  { id: 'ownersDeny', title: 'owners ever denied', count: (t) => ({ n: t.owners.n, k: t.owners.everDeny }), worse: 'high', digits: 3 },
  {
    id: 'unavoidable',
    title: 'unavoidable friction: owners back after the aging period with no earlier device token (guard-independent)',
    count: (_t, w) => ({ n: w.unavoidable.owners, k: w.unavoidable.unavoidable }),
    worse: 'high',
  },
];

const strategyMetric = (strategy: string): Metric => ({
  id: `strategy:${strategy}`,
  title: `first try stopped, strategy ${strategy}`,
  count: (t) => t.firstByStrategy[strategy] ?? { n: 0, k: 0 },
  worse: 'low',
});

interface Summary {
  tuned: Rate;
  draws: { seed: number; r: Rate }[];
  median: number;
  t: { mean: number; low: number; high: number };
  worst: { seed: number; r: Rate };
  pooled: Rate;
}

function summarise(metric: Metric, variantId: string, tuned: WorldResult[], draws: WorldResult[]): Summary {
  const pick = (world: WorldResult) => metric.count(world.tallies.find((t) => t.id === variantId)!, world);
  const sum = (rates: Rate[]) => rates.reduce((a, b) => ({ n: a.n + b.n, k: a.k + b.k }), { n: 0, k: 0 });
  const perDraw = draws.map((world) => ({ seed: world.draw.seed, r: pick(world) }));
  const values = perDraw.map((d) => rateOf(d.r));
  let worst = perDraw[0]!;
  for (const d of perDraw) {
    const v = rateOf(d.r);
    const w = rateOf(worst.r);
    if (!Number.isFinite(w) || (Number.isFinite(v) && (metric.worse === 'low' ? v < w : v > w))) worst = d;
  }
  return { tuned: sum(tuned.map(pick)), draws: perDraw, median: median(values), t: tInterval(values), worst, pooled: sum(perDraw.map((d) => d.r)) };
}

/** Owners ever stepped up divided by the unavoidable share, per world (the 1.5x target). */
function frictionRatio(world: WorldResult, variantId: string): number {
  const tally = world.tallies.find((t) => t.id === variantId)!;
  const unavoidable = world.unavoidable.unavoidable / world.unavoidable.owners;
  return tally.owners.everStepUp / tally.owners.n / unavoidable;
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

interface Target {
  variant: string;
  metric: string;
  text: string;
  /** Judged on the worst draw unless `pooled`. */
  check: (s: Summary) => boolean;
  pooled?: boolean;
}

const TARGETS: Target[] = [
  { variant: 'cloud-drive/none', metric: 'first', text: '≥ 97%', check: (s) => rateOf(s.worst.r) >= 0.97 },
  { variant: 'cloud-drive/none', metric: 'ever', text: '≤ 3%', check: (s) => rateOf(s.worst.r) <= 0.03 },
  { variant: 'cloud-drive/none', metric: 'legitStepUp', text: '≤ 1%', check: (s) => rateOf(s.worst.r) <= 0.01 },
  { variant: 'cloud-drive/none', metric: 'ownersDeny', text: '0', check: (s) => s.worst.r.k === 0 },
  ...ATTACKER_STRATEGIES.map((strategy) => ({
    variant: 'cloud-drive/none',
    metric: `strategy:${strategy}`,
    text: '≥ 90%',
    check: (s: Summary) => rateOf(s.worst.r) >= 0.9,
  })),
  { variant: 'cloud-drive/60%', metric: 'first', text: '≥ 98%', check: (s) => rateOf(s.worst.r) >= 0.98 },
  // The operating points docs/evaluation.md states for the other presets, without carrier evidence.
  { variant: 'social/none', metric: 'first', text: '≥ 90%', check: (s) => rateOf(s.worst.r) >= 0.9 },
  { variant: 'social/none', metric: 'legitStepUp', text: '≤ 0.5%', check: (s) => rateOf(s.worst.r) <= 0.005 },
  { variant: 'fintech/none', metric: 'first', text: '≥ 99.5%', check: (s) => rateOf(s.worst.r) >= 0.995 },
  { variant: 'fintech/none', metric: 'legitStepUp', text: '≤ 3%', check: (s) => rateOf(s.worst.r) <= 0.03 },
  { variant: 'cloud-drive/100%', metric: 'ever', text: '≤ 0.5%', check: (s) => rateOf(s.worst.r) <= 0.005 },
  // The same targets on a cloud drive that also runs an ID check, and fintech on its KYC host.
  { variant: 'cloud-drive+id/none', metric: 'first', text: '≥ 97%', check: (s) => rateOf(s.worst.r) >= 0.97 },
  { variant: 'cloud-drive+id/none', metric: 'ever', text: '≤ 3%', check: (s) => rateOf(s.worst.r) <= 0.03 },
  { variant: 'cloud-drive+id/none', metric: 'legitStepUp', text: '≤ 1%', check: (s) => rateOf(s.worst.r) <= 0.01 },
  { variant: 'cloud-drive+id/none', metric: 'ownersDeny', text: '0', check: (s) => s.worst.r.k === 0 },
  ...ATTACKER_STRATEGIES.map((strategy) => ({
    variant: 'cloud-drive+id/none',
    metric: `strategy:${strategy}`,
    text: '≥ 90%',
    check: (s: Summary) => rateOf(s.worst.r) >= 0.9,
  })),
  { variant: 'cloud-drive+id/100%', metric: 'ever', text: '≤ 0.5%', check: (s) => rateOf(s.worst.r) <= 0.005 },
  { variant: 'fintech+kyc/none', metric: 'first', text: '≥ 99.5%', check: (s) => rateOf(s.worst.r) >= 0.995 },
  { variant: 'fintech+kyc/none', metric: 'legitStepUp', text: '≤ 3%', check: (s) => rateOf(s.worst.r) <= 0.03 },
  { variant: 'fintech+kyc/none', metric: 'ownersDeny', text: '0', check: (s) => s.worst.r.k === 0 },
];

function headlineTable(variant: WorldVariant, tuned: WorldResult[], draws: WorldResult[]): string[] {
  const out: string[] = [];
  out.push(`#### ${variant.id}: ${variant.title}`);
  out.push('');
  out.push(
    '| metric | tuned world, pooled [Wilson 95%] | draws: median | draws: mean [t 95%] | worst draw [Wilson 95%] (seed) | target | met on the worst draw? |',
  );
  out.push('|---|---|---|---|---|---|---|');
  const metrics = [...METRICS, ...ATTACKER_STRATEGIES.map(strategyMetric)];
  for (const metric of metrics) {
    const s = summarise(metric, variant.id, tuned, draws);
    const digits = metric.digits ?? 2;
    const target = TARGETS.find((t) => t.variant === variant.id && t.metric === metric.id);
    const worstN = metric.id.startsWith('strategy:') ? `, n=${s.worst.r.n}` : '';
    out.push(
      `| ${metric.title} | ${ratioText(s.tuned.k, s.tuned.n, digits)} | ${pct(s.median, digits)} | ${pct(s.t.mean, digits)} [${pct(Math.max(0, s.t.low), digits)}, ${pct(Math.min(1, s.t.high), digits)}] | ${ratioText(s.worst.r.k, s.worst.r.n, digits)} (${s.worst.seed}${worstN}) | ${target?.text ?? ''} | ${target ? (target.check(s) ? 'PASS' : '**FAIL**') : ''} |`,
    );
  }
  // The 1.5x rule and the carrier-coverage friction rule are ratios of two metrics per world.
  const ratios = draws.map((world) => ({ seed: world.draw.seed, value: frictionRatio(world, variant.id) }));
  const worstRatio = ratios.reduce((a, b) => (b.value > a.value ? b : a), ratios[0]!);
  const tunedRatio = tInterval(tuned.map((world) => frictionRatio(world, variant.id))).mean;
  const ratioT = tInterval(ratios.map((r) => r.value));
  const ratioTarget = variant.id === 'cloud-drive/none' || variant.id === 'cloud-drive+id/none';
  out.push(
    `| owners ever stepped up ÷ unavoidable share | ${tunedRatio.toFixed(2)} (mean of seeds) | ${median(ratios.map((r) => r.value)).toFixed(2)} | ${ratioT.mean.toFixed(2)} [${ratioT.low.toFixed(2)}, ${ratioT.high.toFixed(2)}] | ${worstRatio.value.toFixed(2)} (${worstRatio.seed}) | ${ratioTarget ? '≤ 1.5' : ''} | ${ratioTarget ? (worstRatio.value <= 1.5 ? 'PASS' : '**FAIL**') : ''} |`,
  );
  // How far the guard's friction goes beyond the logins no unforgeable signal can vouch for.
  const excess = draws.map((world) => {
    const t = world.tallies.find((x) => x.id === variant.id)!;
    return { seed: world.draw.seed, value: t.legit.stepUp / t.legit.n - world.unavoidable.unavoidableLogins / world.unavoidable.logins };
  });
  const worstExcess = excess.reduce((a, b) => (b.value > a.value ? b : a), excess[0]!);
  const excessT = tInterval(excess.map((e) => e.value));
  out.push(
    `| legit logins stepped up minus the unavoidable logins' share (percentage points) | | ${pct(median(excess.map((e) => e.value)), 3)} | ${pct(excessT.mean, 3)} [${pct(excessT.low, 3)}, ${pct(excessT.high, 3)}] | ${pct(worstExcess.value, 3)} (${worstExcess.seed}) | | |`,
  );
  if (variant.id === 'cloud-drive/100%' || variant.id === 'cloud-drive+id/100%') {
    const friction = draws.map((world) => {
      const t = world.tallies.find((x) => x.id === variant.id)!;
      return { seed: world.draw.seed, k: t.legit.stepUp + t.legit.deny, n: t.legit.n };
    });
    const worst = friction.reduce((a, b) => (b.k / b.n > a.k / a.n ? b : a), friction[0]!);
    out.push(
      `| legit friction (stepped up or denied) | | ${pct(median(friction.map((f) => f.k / f.n)), 3)} | | ${ratioText(worst.k, worst.n, 3)} (${worst.seed}) | ≤ 0.1% | ${worst.k / worst.n <= 0.001 ? 'PASS' : '**FAIL**'} |`,
    );
  }
  out.push('');
  return out;
}

function strategyTable(variants: WorldVariant[], draws: WorldResult[]): string[] {
  const pooled = new Map(variants.map((variant) => [variant.id, pool(draws, variant.id)]));
  const out: string[] = [];
  out.push(
    `| strategy | ${variants.map((v) => `${v.id}: first try stopped (n)`).join(' | ')} | ${variants.map((v) => `${v.id}: accounts ever let in`).join(' | ')} |`,
  );
  out.push(`|---|${variants.map(() => '---').join('|')}|${variants.map(() => '---').join('|')}|`);
  for (const strategy of ATTACKER_STRATEGIES) {
    const first = variants.map((v) => {
      const r = pooled.get(v.id)!.firstByStrategy[strategy] ?? { n: 0, k: 0 };
      return `${ratioText(r.k, r.n, 1)} (${r.n})`;
    });
    const ever = variants.map((v) => {
      const r = pooled.get(v.id)!.everAllowedByStrategy[strategy] ?? { n: 0, k: 0 };
      return ratioText(r.k, r.n, 1);
    });
    out.push(`| ${strategy}: ${STRATEGY_TITLES[strategy]} | ${first.join(' | ')} | ${ever.join(' | ')} |`);
  }
  out.push('');
  return out;
}

function pool(worlds: WorldResult[], variantId: string, weighted = false): VariantTally {
  const into = newTally(variantId);
  for (const world of worlds) {
    const tally = world.tallies.find((t) => t.id === variantId);
    if (tally) mergeTally(into, tally, weighted ? world.naturalWeight : 1);
  }
  return into;
}

function attemptTable(variantId: string, draws: WorldResult[]): string[] {
  const tally = pool(draws, variantId);
  const out: string[] = [];
  out.push(
    '| scenario · strategy | attempts | stopped (step-up or deny) [Wilson 95%] | denied | allowed | allowed before any passed step-up | stepped up, attacker passed |',
  );
  out.push('|---|---|---|---|---|---|---|');
  const keys = Object.keys(tally.attempts).sort((a, b) => a.localeCompare(b));
  for (const key of keys) {
    const cell = tally.attempts[key]!;
    const [scenario] = key.split('·');
    out.push(
      `| ${key} (${SCENARIO_TITLES[scenario as Scenario] ?? ''}) | ${cell.n} | ${ratioText(cell.stepUp + cell.deny, cell.n, 1)} | ${pct(cell.deny / cell.n, 1)} | ${pct(cell.allowed / cell.n, 1)} | ${pct(cell.allowedUnvouched / cell.n, 1)} | ${pct(cell.passed / cell.n, 1)} |`,
    );
  }
  out.push('');
  return out;
}

function ownerScenarioTable(variants: string[], draws: WorldResult[]): string[] {
  const pooled = variants.map((id) => pool(draws, id));
  const out: string[] = [];
  out.push(`| legitimate scenario | logins | ${variants.map((id) => `${id}: stepped up [Wilson 95%]`).join(' | ')} |`);
  out.push(`|---|---|${variants.map(() => '---').join('|')}|`);
  const scenarios = Object.keys(pooled[0]!.legitByScenario).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  for (const scenario of scenarios) {
    const cells = pooled.map((t) => {
      const c = t.legitByScenario[scenario] ?? { n: 0, stepUp: 0, deny: 0 };
      return `${ratioText(c.stepUp, c.n, 2)}${c.deny > 0 ? `, denied ${pct(c.deny / c.n, 3)}` : ''}`;
    });
    out.push(
      `| ${scenario} ${SCENARIO_TITLES[scenario as Scenario] ?? ''} | ${(pooled[0]!.legitByScenario[scenario]?.n ?? 0).toLocaleString('en-US')} | ${cells.join(' | ')} |`,
    );
  }
  out.push('');
  return out;
}

function curveTable(preset: 'cloud-drive' | 'social' | 'fintech', curveWorlds: WorldResult[]): string[] {
  const line = PRESETS[preset].thresholds.stepUp;
  const points = [...CURVE_THRESHOLDS[preset].map((stepUp) => ({ stepUp, id: `${preset}/none@${stepUp}` })), { stepUp: line, id: `${preset}/none` }].sort(
    (a, b) => a.stepUp - b.stepUp,
  );
  const out: string[] = [];
  out.push(
    `| step-up line | first takeover login stopped | takeover accounts ever let in | legit logins stepped up | owners ever stepped up | owners ever stepped up ÷ unavoidable |`,
  );
  out.push('|---|---|---|---|---|---|');
  const unavoidable = curveWorlds.reduce((a, w) => ({ n: a.n + w.unavoidable.owners, k: a.k + w.unavoidable.unavoidable }), { n: 0, k: 0 });
  for (const point of points) {
    const t = pool(curveWorlds, point.id);
    out.push(
      `| ${point.stepUp}${point.stepUp === line ? ' (preset)' : ''} | ${ratioText(t.first.k, t.first.n)} | ${ratioText(t.everAllowed.k, t.everAllowed.n)} | ${ratioText(t.legit.stepUp, t.legit.n, 3)} | ${ratioText(t.owners.everStepUp, t.owners.n)} | ${(t.owners.everStepUp / t.owners.n / (unavoidable.k / unavoidable.n)).toFixed(2)} |`,
    );
  }
  out.push('');
  out.push(`Unavoidable friction on the same worlds: ${ratioText(unavoidable.k, unavoidable.n)} of owners.`);
  out.push('');
  return out;
}

function reliabilityTables(variants: WorldVariant[], draws: WorldResult[]): string[] {
  const out: string[] = [];
  out.push('| variant | takeover share of logins | mean risk | Brier score | Brier of the base rate | calibration error (ECE) | mean risk ÷ base rate |');
  out.push('|---|---|---|---|---|---|---|');
  for (const variant of variants) {
    for (const weighted of [true, false]) {
      const r = reliability(pool(draws, variant.id, weighted).reliability);
      out.push(
        `| ${variant.id}, ${weighted ? 'natural base rate' : 'as simulated (oversampled)'} | ${r.baseRate.toExponential(2)} | ${r.meanRisk.toExponential(2)} | ${r.brier.toExponential(3)} | ${r.brierBaseRate.toExponential(3)} | ${r.ece.toExponential(2)} | ${(r.meanRisk / r.baseRate).toFixed(1)} |`,
      );
    }
  }
  out.push('');
  for (const id of ['cloud-drive/none', 'cloud-drive/100%']) {
    out.push(
      `Reliability, ${id}, every scored login, takeovers weighted to the natural base rate (logins are counted with that weight, so "n" is not an integer for takeovers):`,
    );
    out.push('');
    out.push('| risk bin | logins | takeover logins (weighted) | mean risk | observed takeover rate | observed ÷ mean risk |');
    out.push('|---|---|---|---|---|---|');
    const r = reliability(pool(draws, id, true).reliability);
    for (const row of r.rows) {
      out.push(
        `| [${row.low === 0 ? '0' : row.low.toExponential(1)}, ${row.high.toExponential(1)}) | ${Math.round(row.n).toLocaleString('en-US')} | ${row.takeovers.toFixed(1)} | ${row.meanRisk.toExponential(2)} | ${row.observed.toExponential(2)} | ${(row.observed / row.meanRisk).toFixed(2)} |`,
      );
    }
    out.push('');
  }
  return out;
}

function drawTable(draws: WorldResult[]): string[] {
  const out: string[] = [];
  out.push(
    '| draw seed | P13 stale | P15 tries | US aging extra (d) | A1 share | adaptive share | owner pass | takeover accounts | cloud-drive/none: first stopped | ever let in | legit stepped up | owners stepped up | unavoidable |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const world of draws) {
    const v = world.draw.values ?? {};
    const t = world.tallies.find((x) => x.id === 'cloud-drive/none')!;
    out.push(
      `| ${world.draw.seed} | ${pct(v.P13 ?? NaN, 0)} | ${pct(v.P15 ?? NaN, 0)} | ${(v.P14 ?? NaN).toFixed(0)} | ${pct(v.S5a ?? NaN, 0)} | ${pct(v.S15 ?? NaN, 0)} | ${(v.S13a ?? NaN).toFixed(2)} | ${world.takeoverAccounts} | ${pct(rateOf(t.first), 1)} | ${pct(rateOf(t.everAllowed), 1)} | ${pct(t.legit.stepUp / t.legit.n, 2)} | ${pct(t.owners.everStepUp / t.owners.n, 1)} | ${pct(world.unavoidable.unavoidable / world.unavoidable.owners, 1)} |`,
    );
  }
  out.push('');
  return out;
}

/** One line per variant: the worst draw of each headline metric (the README's table). */
function summaryTable(tuned: WorldResult[], draws: WorldResult[]): string[] {
  const out: string[] = [];
  const ids = ['first', 'ever', 'legitStepUp', 'ownersStepUp', 'ownersDeny'];
  out.push(
    '| variant | first takeover login stopped | takeover accounts ever let in | legit logins stepped up | owners ever stepped up | owners ever denied | unavoidable friction | weakest strategy, first try (pooled) |',
  );
  out.push('|---|---|---|---|---|---|---|---|');
  for (const variant of WORLD_VARIANTS) {
    const cells = ids.map((id) => {
      const metric = METRICS.find((m) => m.id === id)!;
      const s = summarise(metric, variant.id, tuned, draws);
      const digits = metric.digits ?? 2;
      return `${pct(rateOf(s.worst.r), digits)} (${s.worst.seed}; tuned ${pct(rateOf(s.tuned), digits)})`;
    });
    const unavoidable = summarise(METRICS.find((m) => m.id === 'unavoidable')!, variant.id, tuned, draws);
    const pooled = pool(draws, variant.id);
    const weakest = ATTACKER_STRATEGIES.map((strategy) => ({ strategy, r: pooled.firstByStrategy[strategy] ?? { n: 0, k: 0 } })).reduce((a, b) =>
      rateOf(b.r) < rateOf(a.r) ? b : a,
    );
    out.push(
      `| ${variant.id} | ${cells.join(' | ')} | ${pct(rateOf(unavoidable.worst.r))} (${unavoidable.worst.seed}) | ${weakest.strategy} ${ratioText(weakest.r.k, weakest.r.n, 1)} |`,
    );
  }
  out.push('');
  out.push('Worst draw of each metric (its seed; the tuned world pooled over its seeds after "tuned").');
  out.push('');
  return out;
}

function report(profile: ProfileName, tuned: WorldResult[], draws: WorldResult[], curveWorlds: WorldResult[]): string {
  const out: string[] = [];
  const events = draws.reduce((a, w) => a + w.events, 0);
  const takeovers = draws.reduce((a, w) => a + w.takeoverAccounts, 0);
  const seconds = [...tuned, ...draws].reduce((a, w) => a + w.seconds, 0);
  out.push(
    `### ${profile.toUpperCase()}: ${draws.length} drawn worlds (seeds ${draws[0]?.draw.seed}-${draws.at(-1)?.draw.seed}) and the tuned world (seeds ${tuned.map((w) => w.draw.seed).join(', ')})`,
  );
  out.push('');
  out.push(
    `${draws[0]?.accounts.toLocaleString('en-US')} accounts per world, ${pct(WORLD_DESIGN.takeoverOversample, 0)} of them in the takeover storyline; ${events.toLocaleString('en-US')} events and ${takeovers.toLocaleString('en-US')} takeover accounts over the drawn worlds; generator ${GENERATOR_VERSION}, policy ${PRESETS['cloud-drive'].version}; ${seconds.toFixed(0)} s of world time.`,
  );
  out.push('');
  out.push('#### Summary: the worst draw');
  out.push('');
  out.push(...summaryTable(tuned, draws));
  for (const variant of WORLD_VARIANTS) out.push(...headlineTable(variant, tuned, draws));
  out.push(`#### Each attacker strategy, pooled over the ${draws.length} drawn worlds [Wilson 95%]`);
  out.push('');
  out.push(...strategyTable(WORLD_VARIANTS, draws));
  for (const id of ['cloud-drive/none', 'cloud-drive/60%']) {
    out.push(`#### Every attempt, by scenario and strategy, ${id}, pooled over the drawn worlds`);
    out.push('');
    out.push(...attemptTable(id, draws));
  }
  out.push('#### Owner friction by legitimate scenario, pooled over the drawn worlds');
  out.push('');
  out.push(...ownerScenarioTable(['cloud-drive/none', 'cloud-drive/60%', 'cloud-drive/100%'], draws));
  if (curveWorlds.length > 0) {
    out.push(
      `#### Catch against friction per preset, no carrier evidence (drawn worlds ${curveWorlds.map((w) => w.draw.seed).join(', ')}, pooled) [Wilson 95%]`,
    );
    out.push('');
    for (const preset of ['cloud-drive', 'social', 'fintech'] as const) {
      out.push(`${preset}:`);
      out.push('');
      out.push(...curveTable(preset, curveWorlds));
    }
  }
  out.push(`#### Is risk a probability? Reliability over the ${draws.length} drawn worlds`);
  out.push('');
  out.push(...reliabilityTables(WORLD_VARIANTS, draws));
  out.push('#### The drawn worlds');
  out.push('');
  out.push(...drawTable(draws));
  return out.join('\n');
}

function rangesTable(): string {
  const rows = ALL_WORLD_RANGES.map((r) => {
    const range = (lh: [number, number]) => `${lh[0]} - ${lh[1]}`;
    return `| ${r.id} | ${r.what} | ${r.cn ? `US ${range(r.us)}; CN ${range(r.cn)}` : range(r.us)}${r.log ? ' (log-uniform)' : ''} | ${r.source} |`;
  });
  return ['| id | parameter | range (uniform unless noted) | source |', '|---|---|---|---|', ...rows].join('\n');
}

export async function main(): Promise<void> {
  const workerSpec = arg('--worker');
  if (workerSpec) return worker(workerSpec);
  if (process.argv.includes('--ranges')) {
    process.stdout.write(`${rangesTable()}\n`);
    return;
  }
  const quick = process.argv.includes('--quick');
  const profiles = (arg('--profile') ?? 'us,cn').split(',') as ProfileName[];
  const drawCount = Number(arg('--draws') ?? (quick ? 5 : 20));
  const firstDraw = Number(arg('--first-draw') ?? 2001);
  const accounts = Number(arg('--accounts') ?? (quick ? 1500 : 3000));
  const tunedSeeds = (arg('--tuned-seeds') ?? (quick ? '1' : '1,2,3')).split(',').map(Number);
  const curveDraws = Number(arg('--curve-draws') ?? (quick ? 1 : 4));
  const parallel = Number(arg('--jobs') ?? Math.min(2, cpus().length));
  const out = arg('--out') ?? 'test-output/eval/worlds';
  const tmp = arg('--tmp') ?? '/tmp';
  mkdirSync(out, { recursive: true });
  const jobs: Job[] = [];
  for (const profile of profiles) {
    for (const seed of tunedSeeds) jobs.push({ kind: 'tuned', profile, seed, accounts, curve: false, out, tmp });
    for (let i = 0; i < drawCount; i++) jobs.push({ kind: 'draw', profile, seed: firstDraw + i, accounts, curve: i < curveDraws, out, tmp });
  }
  // Longest first (worlds with the curve's extra variants), so the two workers finish together.
  const order = [...jobs].sort((a, b) => Number(b.curve) - Number(a.curve));
  process.stderr.write(
    `world suite: ${jobs.length} worlds (${profiles.join(', ')}; ${drawCount} draws from seed ${firstDraw}, tuned seeds ${tunedSeeds.join(',')}), ${accounts} accounts each, ${parallel} at a time\n`,
  );
  // --from DIR re-renders the report from a finished run's per-world JSON, without running anything.
  const from = arg('--from');
  const results = from
    ? order.map((job) => JSON.parse(readFileSync(join(from, `${jobName(job)}.json`), 'utf8')) as WorldResult)
    : await runJobs(order, parallel, process.argv.includes('--resume'));
  const byName = new Map(order.map((job, i) => [jobName(job), results[i]!]));
  const sections: string[] = [];
  for (const profile of profiles) {
    const tuned = tunedSeeds.map((seed) => byName.get(jobName({ kind: 'tuned', profile, seed }))!);
    const draws = Array.from({ length: drawCount }, (_, i) => byName.get(jobName({ kind: 'draw', profile, seed: firstDraw + i }))!);
    sections.push(report(profile, tuned, draws, draws.slice(0, curveDraws)));
  }
  const md = sections.join('\n\n');
  writeFileSync(join(out, 'worlds.md'), `${md}\n`);
  process.stdout.write(`${md}\n`);
}

if (process.argv[1]?.endsWith('evaluate-worlds.ts') || process.argv.includes('--worker')) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
