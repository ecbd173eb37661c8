/**
 * Backtest throughput, for docs/evaluation.md. Run pinned to one core:
 *
 *   taskset -c 0 npx tsx bench/evaluate-throughput.ts /tmp/sim-us-20k.jsonl
 *
 * Measures, on the same file: the full backtest (parse, guard with the simulated carrier, outcome
 * replay, summary, decisions.jsonl), the same without carrier evidence, and the parts alone (parse
 * only; the guard alone on pre-parsed attempts, with and without a provider), so the bottleneck is
 * visible. Each figure is the best of `--repeat` runs (default 2).
 */
import { readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { runBacktest } from '../src/backtest/run.js';
import { createGuard } from '../src/guard/create-guard.js';
import { memoryStore } from '../src/persist/memory-store.js';
import { simCarrier } from '../src/simulate/carrier.js';
import { attemptOf, type SimEvent } from '../src/simulate/events.js';
import { simulationGeo } from '../src/simulate/locations.js';

const input = process.argv[2];
if (!input) throw new Error('usage: bench/evaluate-throughput.ts <events.jsonl> [--repeat N]');
const repeatAt = process.argv.indexOf('--repeat');
const repeat = repeatAt === -1 ? 2 : Number(process.argv[repeatAt + 1]);

async function best(label: string, run: () => Promise<number>): Promise<void> {
  let top = 0;
  for (let i = 0; i < repeat; i++) top = Math.max(top, await run());
  process.stdout.write(`| ${label} | ${Math.round(top).toLocaleString('en-US')} |\n`);
}

const text = readFileSync(input, 'utf8');
const lines = text.trim().split('\n');
process.stdout.write(`${lines.length.toLocaleString('en-US')} events from ${input}; Node ${process.version}, ${cpus()[0]?.model ?? '?'} (${cpus().length} vCPUs visible)\n\n| what | events/s |\n|---|---|\n`);

await best('backtest CLI path: carrier truth, outcomes, summary, decisions.jsonl + report', async () => {
  const out = '/tmp/rng-throughput-out';
  const { summary } = await runBacktest({ input, preset: 'cloud-drive', outDir: out, progress: false, log: () => {} });
  rmSync(out, { recursive: true, force: true });
  return summary.eventsPerSecond;
});
await best('backtest, no carrier evidence (--no-intel)', async () => {
  const out = '/tmp/rng-throughput-out';
  const { summary } = await runBacktest({ input, preset: 'cloud-drive', outDir: out, intel: 'none', progress: false, log: () => {} });
  rmSync(out, { recursive: true, force: true });
  return summary.eventsPerSecond;
});
await best('backtest, no carrier, no outputs written', async () => {
  const { summary } = await runBacktest({ input, preset: 'cloud-drive', intel: 'none', progress: false, log: () => {} });
  return summary.eventsPerSecond;
});
await best('parse only (JSON.parse per line)', async () => {
  const started = performance.now();
  let n = 0;
  for (const line of lines) if (JSON.parse(line)) n++;
  return n / ((performance.now() - started) / 1000);
});

const events = lines.map((line) => JSON.parse(line) as SimEvent);
const attempts = events.map((event) => attemptOf(event));
for (const withCarrier of [false, true]) {
  await best(`guard.assess alone on pre-parsed attempts, ${withCarrier ? 'with' : 'no'} carrier provider`, async () => {
    let now = 0;
    const carrier = withCarrier ? simCarrier({ clock: () => now }) : undefined;
    const guard = createGuard({ clock: () => now, geo: simulationGeo(), store: memoryStore({ now: () => now, maxAccounts: 1_000_000 }), ...(carrier ? { numberIntel: carrier } : {}) });
    const started = performance.now();
    for (let i = 0; i < attempts.length; i++) {
      now = Date.parse(events[i]!.at);
      carrier?.use(events[i]!.phone, events[i]!.number);
      await guard.assess(attempts[i]!);
    }
    return attempts.length / ((performance.now() - started) / 1000);
  });
}
