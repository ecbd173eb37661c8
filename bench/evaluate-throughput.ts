/**
 * Backtest throughput by part, on one core (`npm run bench:backtest:parts`; the scaling bench is bench/backtest.ts). Pinned to one core (re-run
 * under `taskset -c 0` on Linux), on a simulated file it writes itself unless one is given:
 *
 *   npm run bench:backtest:parts
 *   npx tsx bench/evaluate-throughput.ts [events.jsonl] [--accounts 20000] [--repeat 2]
 *
 * Measures, on the same file: the full backtest (parse, replay with the simulated carrier, outcome
 * replay, summary, decisions.jsonl), the same without carrier evidence, and the parts alone (parse
 * only; parse and print each line's decision record, the floor of any backtest that reads and writes
 * JSON lines; the replay engine alone and `guard.assess` alone on pre-parsed events), so the
 * bottleneck is visible. Each figure is the best of `--repeat` runs; the ratio to JSON.parse alone, measured in
 * the same run, is what compares across machines.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createReplayer } from '../src/backtest/replay.js';
import { runBacktest } from '../src/backtest/run.js';
import { createGuard } from '../src/guard/create-guard.js';
import { memoryStore } from '../src/persist/memory-store.js';
import { simCarrier, simReplayIntel } from '../src/simulate/carrier.js';
import { attemptOf, type SimEvent } from '../src/simulate/events.js';
import { simulateJsonl } from '../src/simulate/generator.js';
import { simulationGeo } from '../src/simulate/locations.js';
import { simulationEvidence } from '../src/simulate/replay-evidence.js';

// One core: re-run pinned to CPU 0 when taskset exists, so "per core" means one core.
if (!process.env.BENCH_PINNED && process.platform === 'linux' && spawnSync('taskset', ['--version']).status === 0) {
  const result = spawnSync('taskset', ['-c', '0', process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PINNED: '1' },
  });
  process.exit(result.status ?? 1);
}

const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const repeat = option('--repeat', 2);
const accounts = option('--accounts', 20_000);
const given = process.argv.slice(2).find((arg, index, all) => !arg.startsWith('--') && !all[index - 1]?.startsWith('--'));
let input = given;
if (!input) {
  input = join(tmpdir(), `rng-throughput-us-${accounts}-s1.jsonl`);
  if (!existsSync(input)) {
    process.stderr.write(`simulating ${accounts.toLocaleString('en-US')} US accounts (seed 1) into ${input}\n`);
    const out = createWriteStream(input);
    for await (const batch of simulateJsonl({ profile: 'us', accounts, seed: 1 }))
      if (!out.write(batch)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}

const text = readFileSync(input, 'utf8');
const lines = text.trim().split('\n');
process.stdout.write(
  `${lines.length.toLocaleString('en-US')} events from ${input}; Node ${process.version}, ${cpus()[0]?.model ?? '?'}, pinned to one core: ${process.env.BENCH_PINNED ? 'yes' : 'no'}\n\n| what | events/s | x JSON.parse alone |\n|---|---|---|\n`,
);

const results: { label: string; perSecond: number }[] = [];
async function best(label: string, run: () => Promise<number>): Promise<void> {
  let top = 0;
  for (let i = 0; i < repeat; i++) top = Math.max(top, await run());
  results.push({ label, perSecond: top });
}

await best('backtest CLI path: carrier truth, outcomes, summary, decisions.jsonl + report', async () => {
  const out = '/tmp/rng-throughput-out';
  const { summary } = await runBacktest({ input: input!, preset: 'cloud-drive', evidence: simulationEvidence(), outDir: out, progress: false, log: () => {} });
  rmSync(out, { recursive: true, force: true });
  return summary.eventsPerSecond;
});
await best('backtest, no carrier evidence (--no-intel)', async () => {
  const out = '/tmp/rng-throughput-out';
  const { summary } = await runBacktest({
    input: input!,
    preset: 'cloud-drive',
    evidence: simulationEvidence(),
    outDir: out,
    intel: 'none',
    progress: false,
    log: () => {},
  });
  rmSync(out, { recursive: true, force: true });
  return summary.eventsPerSecond;
});
await best('backtest, no carrier, no outputs written', async () => {
  const { summary } = await runBacktest({
    input: input!,
    preset: 'cloud-drive',
    evidence: simulationEvidence(),
    intel: 'none',
    progress: false,
    log: () => {},
  });
  return summary.eventsPerSecond;
});
await best('parse only (JSON.parse per line)', async () => {
  const started = performance.now();
  let n = 0;
  for (const line of lines) if (JSON.parse(line)) n++;
  return n / ((performance.now() - started) / 1000);
});

// What every line costs before any deciding: parse it, print a record of the same shape as decisions.jsonl's.
await best('floor: JSON.parse + JSON.stringify of a decision-sized record per line', async () => {
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < lines.length; i++) {
    const event = JSON.parse(lines[i]!) as SimEvent;
    bytes += JSON.stringify({
      line: i + 1,
      accountId: event.accountId,
      at: event.at,
      action: 'allow',
      wouldBe: 'allow',
      risk: 0.000123456,
      numberChangedHands: 'no',
      reasons: [
        { code: 'known_device', effect: -0.000101 },
        { code: 'known_region', effect: -0.0000123 },
      ],
      label: { isTakeover: event.label.isTakeover, scenario: event.label.scenario, actor: event.label.actor },
    }).length;
  }
  if (bytes === 0) throw new Error('nothing printed');
  return lines.length / ((performance.now() - started) / 1000);
});

const events = lines.map((line) => JSON.parse(line) as SimEvent);
for (const intel of ['none', 'truth'] as const) {
  await best(`replay engine alone on pre-parsed events, ${intel === 'truth' ? 'with' : 'no'} carrier evidence`, async () => {
    const replayer = createReplayer({ preset: 'cloud-drive', geo: simulationGeo(), ...(intel === 'truth' ? { numberIntel: simReplayIntel() } : {}) });
    const started = performance.now();
    for (const event of events) {
      const decided = replayer.assess(event);
      if (decided instanceof Promise) await decided;
    }
    return events.length / ((performance.now() - started) / 1000);
  });
}
const attempts = events.map((event) => attemptOf(event));
for (const withCarrier of [false, true]) {
  await best(`guard.assess alone on pre-parsed attempts, ${withCarrier ? 'with' : 'no'} carrier provider`, async () => {
    let now = 0;
    const carrier = withCarrier ? simCarrier({ clock: () => now }) : undefined;
    const guard = createGuard({
      clock: () => now,
      geo: simulationGeo(),
      store: memoryStore({ now: () => now, maxAccounts: 1_000_000 }),
      ...(carrier ? { numberIntel: carrier } : {}),
    });
    const started = performance.now();
    for (let i = 0; i < attempts.length; i++) {
      now = Date.parse(events[i]!.at);
      carrier?.use(events[i]!.phone, events[i]!.number);
      await guard.assess(attempts[i]!);
    }
    return attempts.length / ((performance.now() - started) / 1000);
  });
}

// Rows after the run, so each can be set against the parse-only baseline of this same run.
const parseOnly = results.find((row) => row.label.startsWith('parse only'))!.perSecond;
for (const row of results)
  process.stdout.write(`| ${row.label} | ${Math.round(row.perSecond).toLocaleString('en-US')} | ${(row.perSecond / parseOnly).toFixed(3)} |\n`);
