/**
 * The published evaluation (docs/evaluation.md). Runs suites of guard variants and baselines over
 * simulated streams, several seeds each, and writes per-seed JSON plus aggregated JSON and
 * Markdown tables (mean and 95% t-interval over seeds).
 *
 *   npx tsx bench/evaluate.ts --suite headline --profile us --accounts 50000 --seeds 1,2,3,4,5
 *   npx tsx bench/evaluate.ts --params            # the generator's parameter table
 *   npx tsx bench/evaluate.ts                     # the default: the world suite, bench/evaluate-worlds.ts
 *
 * Suites: worlds (default), headline (full, no carrier, baselines), ablations, p17, p13, p15, p19.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  configFingerprint,
  defaultConfig,
  PARAMETERS,
  RECYCLING_SCENARIOS,
  SCENARIO_TITLES,
  LEGIT_SCENARIOS,
  type ProfileName,
  type Scenario,
  type SimConfig,
} from '../src/simulate/config.js';
import { evaluateStream, interval, VARIANTS, type GuardVariant, type Interval, type RunResult, type ScorecardSummary } from '../src/simulate/evaluate.js';
import { simulateEvents, simulationConfig } from '../src/simulate/generator.js';

interface Suite {
  variants: string[];
  baselines: boolean;
  /** Generator overrides per tag (a sweep); one entry "default" otherwise. */
  configs: Record<string, Partial<SimConfig>>;
}

const SUITES: Record<string, Suite> = {
  headline: { variants: ['full', 'no-carrier'], baselines: true, configs: { default: {} } },
  ablations: {
    variants: ['full', 'social', 'fintech', 'coarse-only', 'exact-only', 'no-device', 'no-token', 'no-geo', 'no-dormancy', 'no-carrier', 'no-carrier-no-token'],
    baselines: false,
    configs: { default: {} },
  },
  p17: { variants: ['p17-exact-0', 'p17-exact-25', 'p17-exact-50', 'p17-exact-75', 'exact-only', 'full'], baselines: false, configs: { default: {} } },
  p13: {
    variants: ['full', 'no-carrier'],
    baselines: false,
    configs: { 'p13-0.10': { staleBindingRate: 0.1 }, 'p13-0.30': { staleBindingRate: 0.3 }, 'p13-0.66': { staleBindingRate: 0.66 } },
  },
  p15: {
    variants: ['full', 'no-carrier'],
    baselines: false,
    configs: { 'p15-0.05': { newHolderLoginRate: 0.05 }, 'p15-0.20': { newHolderLoginRate: 0.2 }, 'p15-0.50': { newHolderLoginRate: 0.5 } },
  },
  thresholds: { variants: ['full', 'full-t005', 'full-t004', 'full-t003', 'no-carrier', 'no-carrier-t004'], baselines: false, configs: { default: {} } },
  fintech: { variants: ['fintech', 'fintech-kyc'], baselines: false, configs: { default: {} } },
  p19: { variants: ['full', 'no-carrier'], baselines: false, configs: { 'p19-emitted': { emitNonSmsLogins: true } } },
};

function arg(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

const pct = (x: number, digits = 2) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '–');
const ci = (v: Interval, digits = 2) =>
  !Number.isFinite(v.mean)
    ? '–'
    : Number.isFinite(v.low)
      ? `${pct(v.mean, digits)} [${pct(Math.max(0, v.low), digits)}, ${pct(Math.min(1, v.high), digits)}]`
      : pct(v.mean, digits);
const ciNum = (v: Interval, digits = 4) =>
  !Number.isFinite(v.mean)
    ? '–'
    : Number.isFinite(v.low)
      ? `${v.mean.toFixed(digits)} [${v.low.toFixed(digits)}, ${Math.min(1, v.high).toFixed(digits)}]`
      : v.mean.toFixed(digits);

function printParams(): string {
  const us = defaultConfig('us');
  const cn = defaultConfig('cn');
  const rows = PARAMETERS.map((p) => {
    const a = p.value(us);
    const b = p.value(cn);
    return `| ${p.id} | ${p.what} | ${a === b ? a : `US ${a}; CN ${b}`} | ${p.sweep ?? ''} | ${p.source} |`;
  });
  return ['| id | parameter | default | sweep | source |', '|---|---|---|---|---|', ...rows].join('\n');
}

function collect(runs: RunResult[], pickSummary: (run: RunResult) => ScorecardSummary | undefined, metric: (s: ScorecardSummary) => number): Interval {
  return interval(runs.map((run) => pickSummary(run)).map((summary) => (summary ? metric(summary) : NaN)));
}

function markdown(profile: ProfileName, suiteName: string, tag: string, runs: RunResult[], config: SimConfig): string {
  const out: string[] = [];
  const seeds = runs.length;
  const first = runs[0]!;
  out.push(`### ${suiteName} · ${profile.toUpperCase()} · ${tag}`);
  out.push('');
  out.push(
    `${first.accounts.toLocaleString('en-US')} accounts × ${seeds} seeds; per seed ≈ ${Math.round(first.events).toLocaleString('en-US')} events (${Math.round(first.scored).toLocaleString('en-US')} scored), ${first.takeoverAccounts} takeover accounts; ${first.legitPerAccountYear.toFixed(1)} legitimate SMS logins per account-year; generator ${configFingerprint(config)}. Mean [95% CI over seeds].`,
  );
  out.push('');
  const ids = [...first.variants.map((v) => v.id), ...first.baselines.map((b) => b.id)];
  const pick = (id: string) => (run: RunResult) => run.variants.find((v) => v.id === id) ?? run.baselines.find((b) => b.id === id);
  out.push(
    '| variant | first login caught | every attempt caught | legit stepped up or denied | legit step-up | legit deny | AUC (first) | catch @1% | @5% | @10% legit |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const id of ids) {
    const p = pick(id);
    const title = (pick(id)(first)?.title ?? id).replace(/\|/g, '/');
    out.push(
      `| ${id}: ${title} | ${ci(collect(runs, p, (s) => s.firstCatch))} | ${ci(collect(runs, p, (s) => s.allCatch))} | ${ci(collect(runs, p, (s) => s.legitFlagged))} | ${pct(collect(runs, p, (s) => s.legitStepUp).mean)} | ${pct(collect(runs, p, (s) => s.legitDeny).mean, 3)} | ${ciNum(collect(runs, p, (s) => s.aucFirst))} | ${pct(collect(runs, p, (s) => s.catchAt['0.01']!).mean)} | ${pct(collect(runs, p, (s) => s.catchAt['0.05']!).mean)} | ${pct(collect(runs, p, (s) => s.catchAt['0.1']!).mean)} |`,
    );
  }
  out.push('');
  // Evidence subsets and the control.
  out.push(
    '| variant | caught when the number has a carrier signal (n/seed) | caught when the carrier answered conclusively (n/seed) | legit rate needed for 99.5% / 95% | A4 SIM-swap control: first / every attempt |',
  );
  out.push('|---|---|---|---|---|');
  for (const id of first.variants.map((v) => v.id)) {
    const p = pick(id);
    out.push(
      `| ${id} | ${ci(collect(runs, p, (s) => s.firstCatchWithSignal))} (${Math.round(collect(runs, p, (s) => s.firstWithSignalN).mean)}) | ${ci(collect(runs, p, (s) => s.firstCatchConclusive))} (${Math.round(collect(runs, p, (s) => s.firstConclusiveN).mean)}) | ${pct(collect(runs, p, (s) => s.legitFor995).mean)} / ${pct(collect(runs, p, (s) => s.legitFor95).mean)} | ${pct(collect(runs, p, (s) => s.controlFirstCatch).mean, 1)} / ${pct(collect(runs, p, (s) => s.controlAllCatch).mean, 1)} |`,
    );
  }
  out.push('');
  // Natural prior: first takeover logins per account-year = P12 x P13 x P15 (section 7.3).
  const natural = config.numberDropPerYear * config.staleBindingRate * config.newHolderLoginRate;
  const fullRuns = runs.map(pick('full')).filter(Boolean) as ScorecardSummary[];
  if (fullRuns.length > 0) {
    const c = interval(fullRuns.map((s) => s.firstCatch)).mean;
    const f = interval(fullRuns.map((s) => s.legitFlagged)).mean;
    const legitPerYear = interval(runs.map((r) => r.legitPerAccountYear)).mean;
    const precision = (c * natural) / (c * natural + f * legitPerYear);
    out.push(
      `Natural prior (P12·P13·P15): ${(natural * 1000).toFixed(1)} first takeover logins per 1,000 account-years against ${legitPerYear.toFixed(1)} legitimate logins per account-year, i.e. ${((natural / legitPerYear) * 1e6).toFixed(0)} per million logins. At the full guard's operating point, precision of a step-up at that prior: ${pct(precision, 1)}.`,
    );
    out.push('');
  }
  if (runs.length > 0 && (suiteName === 'headline' || suiteName === 'ablations')) {
    for (const id of suiteName === 'headline' ? ['full', 'no-carrier'] : []) {
      const p = pick(id);
      out.push(`Per scenario, ${id}:`);
      out.push('');
      out.push('| scenario | logins/seed | stepped up or denied | step-up | deny | first login caught (accounts/seed) |');
      out.push('|---|---|---|---|---|---|');
      const scenarios: Scenario[] = [...LEGIT_SCENARIOS, ...RECYCLING_SCENARIOS, 'A4'];
      for (const scenario of scenarios) {
        const cells = runs.map((run) => p(run)?.scenarios[scenario]);
        if (cells.every((cell) => !cell)) continue;
        const meanN = interval(cells.map((cell) => cell?.n ?? 0)).mean;
        const firstN = interval(cells.map((cell) => cell?.firstN ?? NaN)).mean;
        out.push(
          `| ${scenario} ${SCENARIO_TITLES[scenario]} | ${Math.round(meanN).toLocaleString('en-US')} | ${ci(interval(cells.map((cell) => cell?.flagged ?? NaN)))} | ${pct(interval(cells.map((cell) => cell?.stepUp ?? NaN)).mean)} | ${pct(interval(cells.map((cell) => cell?.deny ?? NaN)).mean, 3)} | ${Number.isFinite(firstN) ? `${ci(interval(cells.map((cell) => cell?.firstCatch ?? NaN)))} (${firstN.toFixed(1)})` : ''} |`,
        );
      }
      out.push('');
      // Misses: the patterns behind allowed first attacker logins, summed over seeds.
      const patterns = new Map<string, Map<string, number>>();
      const dormancy = new Map<string, number[]>();
      for (const run of runs) {
        const summary = p(run);
        for (const [scenario, miss] of Object.entries(summary?.misses ?? {})) {
          const map = patterns.get(scenario) ?? new Map<string, number>();
          patterns.set(scenario, map);
          for (const { pattern, count } of miss.patterns) map.set(pattern, (map.get(pattern) ?? 0) + count);
          if (miss.medianDormancyDays !== null) (dormancy.get(scenario) ?? dormancy.set(scenario, []).get(scenario)!).push(miss.medianDormancyDays);
        }
      }
      if (patterns.size > 0) {
        out.push(`Missed first logins, ${id} (all seeds together; most frequent evidence patterns):`);
        out.push('');
        for (const [scenario, map] of [...patterns.entries()].sort()) {
          const total = [...map.values()].reduce((a, b) => a + b, 0);
          const top = [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4);
          out.push(`- ${scenario} (${total} over ${seeds} seeds): ${top.map(([pattern, count]) => `${pattern} (${count})`).join('; ')}`);
        }
        out.push('');
      }
      const freq = new Map<string, number[]>();
      for (const run of runs)
        for (const [name, rate] of Object.entries(p(run)?.legitFlaggedByFrequency ?? {})) (freq.get(name) ?? freq.set(name, []).get(name)!).push(rate);
      out.push(
        `Legitimate logins stepped up or denied by login-frequency class, ${id}: ${[...freq.entries()].map(([name, rates]) => `${name} ${ci(interval(rates))}`).join(', ')}.`,
      );
      out.push('');
    }
  }
  if (first.b2Matched) {
    const at = interval(runs.map((run) => run.b2Matched?.atGuardFriction ?? NaN));
    const need = interval(runs.map((run) => run.b2Matched?.frictionForGuardCatch ?? NaN));
    out.push(
      `B2 at the full guard's legitimate step-up rate catches ${ci(at)} of first logins; to match the guard's catch rate it needs ${ci(need)} legitimate step-ups.`,
    );
    out.push('');
  }
  const seconds = interval(runs.map((run) => run.seconds)).mean;
  out.push(`Wall time per seed: ${seconds.toFixed(0)} s for ${first.variants.length + first.baselines.length} variants in lockstep.`);
  out.push('');
  return out.join('\n');
}

async function main(): Promise<void> {
  if (process.argv.includes('--params')) {
    process.stdout.write(`${printParams()}\n`);
    return;
  }
  const suiteName = arg('--suite') ?? 'worlds';
  if (suiteName === 'worlds') {
    // The default: the headline variants on the tuned world and on drawn worlds (bench/evaluate-worlds.ts).
    const { main: worlds } = await import('./evaluate-worlds.js');
    await worlds();
    return;
  }
  const suite = SUITES[suiteName];
  if (!suite) throw new Error(`unknown suite ${suiteName}; one of ${Object.keys(SUITES).join(', ')}`);
  const profiles = (arg('--profile') ?? 'us').split(',') as ProfileName[];
  const accounts = Number(arg('--accounts') ?? 5000);
  const seeds = (arg('--seeds') ?? '1,2,3,4,5').split(',').map(Number);
  const outDir = arg('--out') ?? 'test-output/eval';
  mkdirSync(outDir, { recursive: true });
  const variants: GuardVariant[] = suite.variants.map((id) => {
    const variant = VARIANTS[id];
    if (!variant) throw new Error(`unknown variant ${id}`);
    return variant;
  });

  for (const profile of profiles) {
    for (const [tag, overrides] of Object.entries(suite.configs)) {
      const runs: RunResult[] = [];
      const config = simulationConfig({ profile, accounts, seed: seeds[0]!, overrides });
      for (const seed of seeds) {
        const options = { profile, accounts, seed, overrides, tmpDir: arg('--tmp') ?? '/tmp' };
        const scoredDays = config.horizonDays - config.warmupDays;
        process.stderr.write(
          `${suiteName} ${profile} ${tag} seed ${seed}: ${accounts} accounts, ${variants.length} variants${suite.baselines ? ' + baselines' : ''}\n`,
        );
        const result = await evaluateStream({
          events: simulateEvents(options),
          variants,
          baselines: suite.baselines,
          accounts,
          scoredDays,
          onProgress: (events) => process.stderr.write(`\r  ${events.toLocaleString('en-US')} events`),
        });
        process.stderr.write(`\r  ${result.events.toLocaleString('en-US')} events in ${result.seconds.toFixed(0)} s\n`);
        writeFileSync(join(outDir, `${suiteName}-${profile}-${tag}-${accounts}-s${seed}.json`), `${JSON.stringify(result, null, 2)}\n`);
        runs.push(result);
      }
      const md = markdown(profile, suiteName, tag, runs, config);
      writeFileSync(join(outDir, `${suiteName}-${profile}-${tag}-${accounts}.md`), `${md}\n`);
      process.stdout.write(`${md}\n`);
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
