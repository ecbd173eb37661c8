/**
 * `npm run bench:backtest`: how the backtest scales, all measured in this one run (docs/evaluation.md,
 * section 8). It builds dist/ first and times the published CLI, as a user runs it:
 *
 *   npm run bench:backtest [-- --events 1000000] [--ratio-events 150000] [--ceiling-events 250000]
 *                          [--scaling-events N] [--repeat 2] [--keep]
 *
 * 1. replay / assess on one core: the replay engine and `guard.assess`, each with the simulated
 *    carrier, on the same pre-parsed simulated stream, in a child pinned to one core (`taskset`).
 * 2. two threads, nothing split: the replay engine on one worker thread, then on two at once, each
 *    deciding its own copy of the first `--ceiling-events` events. No first pass and nothing shared:
 *    what a second thread, its own heap and V8's garbage collector and compiler threads cost on this
 *    machine. A reference, not a bound for the backtest: its workers each hold half the history the
 *    single-threaded run holds, and on a long stream that makes each of their decisions cheaper.
 * 3. events/s on one simulated JSONL file (its first `--scaling-events` events; default all) with
 *    one worker pinned to one core, and with `--workers 1`, `2` and every core, and the scaling
 *    efficiency (speed-up / workers). Runs alternate (pinned, 1, 2, pinned, 1, 2, ...) and each keeps
 *    its best of `--repeat`, so a burst of other work hurts all alike.
 * 4. the time to backtest the whole stream from JSONL, CSV and Parquet (converted here), on every core.
 *
 * Every run also reports the CPU it used (user + system, all threads; on Linux the main thread's
 * alone) and how busy the machine's cores were with other processes meanwhile (/proc/stat): on a
 * shared machine that, not the backtest, can be what caps the speed-up. From the CPU figures it
 * prints the speed-up two free cores would allow at most.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createReplayer } from '../src/backtest/replay.js';
import type { BacktestSummary } from '../src/backtest/summary.js';
import { createGuard } from '../src/guard/create-guard.js';
import { memoryStore } from '../src/persist/memory-store.js';
import { simCarrier, simReplayIntel } from '../src/simulate/carrier.js';
import { attemptOf, type SimEvent } from '../src/simulate/events.js';
import { simulationGeo } from '../src/simulate/locations.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const cliPath = join(repo, 'dist/cli.js');
const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const hasTaskset = process.platform === 'linux' && spawnSync('taskset', ['--version']).status === 0;
const hasTime = existsSync('/usr/bin/time');

interface Run {
  input: string;
  eventsPerSecond: number;
  wallS: number;
  cpuS: number | undefined;
  /** CPU of the process's main thread alone (Linux): with one worker, the thread that decides. */
  mainCpuS: number | undefined;
  /** Cores other processes kept busy during the run, on average. */
  otherCores: number;
}

function fmt(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

function cpuText(run: Run): string {
  return run.cpuS === undefined ? '–' : run.cpuS.toFixed(1);
}

/** Busy and total jiffies of all cores (/proc/stat), or undefined off Linux. */
function cpuTicks(): { busy: number; total: number } | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3]! + (fields[4] ?? 0);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** A thread's user + system CPU seconds from its /proc stat line (fields 14 and 15, in USER_HZ: 100 a second). */
function threadSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Linux: polls the CPU of every thread of the node process under `child` (itself, or its child under
 * /usr/bin/time) every 100 ms, so the main thread's share is known when the process has exited.
 */
function watchThreads(child: { pid?: number | undefined }): () => number | undefined {
  if (!existsSync('/proc/self/task') || child.pid === undefined) return () => undefined;
  const watched = child.pid;
  let pid: number | undefined;
  let main: number | undefined;
  const poll = () => {
    try {
      if (pid === undefined) {
        const children = hasTime ? readFileSync(`/proc/${watched}/task/${watched}/children`, 'utf8').trim() : String(watched);
        if (children === '') return;
        pid = Number(children.split(' ')[0]);
      }
      main = threadSeconds(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
    } catch {
      // Not started yet, or exited: the last reading stands.
    }
  };
  const timer = setInterval(poll, 100);
  return () => {
    clearInterval(timer);
    return main;
  };
}

/** The published CLI on one input: wall time, its own events/s (summary.json), its CPU, the machine's other load. */
async function backtest(dir: string, input: string, workers: number, pinned = false): Promise<Run> {
  const outDir = join(dir, `out-${workers}`);
  rmSync(outDir, { recursive: true, force: true });
  const args = [...(pinned ? ['-c', '0', process.execPath] : []), cliPath, 'backtest', input, '--workers', String(workers), '--out', outDir];
  const program = pinned ? 'taskset' : process.execPath;
  const before = cpuTicks();
  const started = performance.now();
  let mainCpuS: number | undefined;
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = hasTime ? spawn('/usr/bin/time', ['-f', 'CPU %U %S', program, ...args]) : spawn(program, args);
    const stopWatching = watchThreads(child);
    child.on('close', () => (mainCpuS = stopWatching()));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
  const wallS = (performance.now() - started) / 1000;
  const after = cpuTicks();
  if (result.code !== 0) throw new Error(`backtest failed (${result.code}): ${result.stderr.slice(-2000)}`);
  const cpu = /CPU ([\d.]+) ([\d.]+)/.exec(result.stderr);
  const cpuS = cpu ? Number(cpu[1]) + Number(cpu[2]) : undefined;
  const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8')) as BacktestSummary;
  rmSync(outDir, { recursive: true, force: true });
  // /proc/stat counts in USER_HZ (100 per second on Linux).
  const otherCores = before && after && cpuS !== undefined ? Math.max(0, (after.busy - before.busy) / 100 - cpuS) / wallS : 0;
  return { input, eventsPerSecond: summary.eventsPerSecond, wallS, cpuS, mainCpuS, otherCores };
}

/** The CLI's `simulate`, cut at `count` events (enough accounts for them, then the first `count` lines). */
async function simulateInto(path: string, count: number): Promise<void> {
  // About 22.9 events per simulated US account; a margin so the cut, not the simulation, ends the file.
  const accounts = Math.ceil(count / 20) + 100;
  const child = spawn(process.execPath, [cliPath, 'simulate', '--profile', 'us', '--accounts', String(accounts), '--seed', '1'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const out = createWriteStream(path);
  let lines = 0;
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
    if (lines === count) break;
    lines++;
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  child.kill();
  await close(out);
  if (lines < count) throw new Error(`the simulation gave only ${lines} events`);
}

/** The first `count` lines of a file into another. */
async function cut(from: string, to: string, count: number): Promise<void> {
  const out = createWriteStream(to);
  let lines = 0;
  for await (const line of createInterface({ input: createReadStream(from), crlfDelay: Infinity })) {
    if (lines++ === count) break;
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await close(out);
}

const close = (stream: WriteStream) => new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));

/** The warehouse layout of test/backtest/formats.test.ts: flat columns, nested values as JSON, dates typed in Parquet. */
const COLUMNS = [
  'accountId',
  'phone',
  'phoneBoundAt',
  'ip',
  'userAgent',
  'clientHints',
  'deviceId',
  'action',
  'verified',
  'at',
  'lastSeenAt',
  'label.isTakeover',
  'label.scenario',
  'label.actor',
  'label.passesStepUp',
  'label.frequency',
  'number',
  'warmup',
] as const;
const cellsOf = (event: SimEvent): unknown[] => [
  event.accountId,
  event.phone,
  event.phoneBoundAt,
  event.ip,
  event.userAgent,
  event.clientHints,
  event.deviceId,
  event.action,
  event.verified,
  event.at,
  event.lastSeenAt,
  event.label.isTakeover,
  event.label.scenario,
  event.label.actor,
  event.label.passesStepUp,
  event.label.frequency,
  event.number,
  event.warmup,
];
const TYPES = [
  'STRING',
  'STRING',
  'TIMESTAMP',
  'STRING',
  'STRING',
  'JSON',
  'STRING',
  'STRING',
  'JSON',
  'TIMESTAMP',
  'TIMESTAMP',
  'BOOLEAN',
  'STRING',
  'STRING',
  'BOOLEAN',
  'STRING',
  'JSON',
  'BOOLEAN',
] as const;

/** RFC 4180: quote every text field, double the quotes inside; string lists as a|b. */
function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join('|');
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `"${text.replace(/"/g, '""')}"`;
}

async function convert(jsonl: string, csvPath: string, parquetPath: string): Promise<void> {
  const { ParquetWriter, fileWriter, schemaFromColumnData } = await import('hyparquet-writer');
  const csv = createWriteStream(csvPath);
  csv.write(`${COLUMNS.join(',')}\r\n`);
  const ROW_GROUP = 50_000;
  let rows: unknown[][] = [];
  let writer: InstanceType<typeof ParquetWriter> | undefined;
  const flushParquet = () => {
    if (rows.length === 0) return;
    const columnData = COLUMNS.map((name, index) => {
      const data = rows.map((row) => {
        const value = row[index] ?? null;
        return TYPES[index] === 'TIMESTAMP' && value !== null ? new Date(value as string) : value;
      });
      return { name, data, type: TYPES[index] };
    });
    writer ??= new ParquetWriter({ writer: fileWriter(parquetPath), schema: schemaFromColumnData({ columnData }) });
    writer.write({ columnData, rowGroupSize: ROW_GROUP });
    rows = [];
  };
  for await (const line of createInterface({ input: createReadStream(jsonl), crlfDelay: Infinity })) {
    const cells = cellsOf(JSON.parse(line) as SimEvent);
    if (!csv.write(`${cells.map(csvField).join(',')}\r\n`)) await new Promise<void>((resolve) => csv.once('drain', () => resolve()));
    rows.push(cells);
    if (rows.length === ROW_GROUP) flushParquet();
  }
  flushParquet();
  writer?.finish();
  await close(csv);
}

/** Child, pinned to one core: replay engine vs `guard.assess` on the same pre-parsed events, best of `repeat`, alternating. */
async function ratioChild(path: string, count: number, repeat: number): Promise<void> {
  const events: SimEvent[] = [];
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (events.length === count) break;
    events.push(JSON.parse(line) as SimEvent);
  }
  const attempts = events.map((event) => attemptOf(event));
  const times = events.map((event) => Date.parse(event.at));
  async function replayRun(): Promise<number> {
    const replayer = createReplayer({ preset: 'cloud-drive', geo: simulationGeo(), numberIntel: simReplayIntel(), hashKey: 'bench' });
    const started = performance.now();
    for (const event of events) {
      const decided = replayer.assess(event);
      if (decided instanceof Promise) await decided;
    }
    return events.length / ((performance.now() - started) / 1000);
  }
  async function assessRun(): Promise<number> {
    let now = 0;
    const carrier = simCarrier({ clock: () => now });
    const guard = createGuard({ clock: () => now, geo: simulationGeo(), store: memoryStore({ now: () => now, maxAccounts: 1_000_000 }), numberIntel: carrier });
    const started = performance.now();
    for (let i = 0; i < attempts.length; i++) {
      if (times[i]! > now) now = times[i]!;
      carrier.use(events[i]!.phone, events[i]!.number);
      await guard.assess(attempts[i]!);
    }
    return attempts.length / ((performance.now() - started) / 1000);
  }
  let replay = 0;
  let assess = 0;
  for (let i = 0; i < repeat; i++) {
    replay = Math.max(replay, await replayRun());
    assess = Math.max(assess, await assessRun());
  }
  process.stdout.write(JSON.stringify({ replay, assess }));
}

interface CeilingRun {
  threads: number;
  /** Events decided by all threads together, per second of the longest thread's loop. */
  eventsPerSecond: number;
  /** The deciding threads' own CPU, and the whole process's (V8's garbage collector and compiler threads included). */
  threadCpuS: number | undefined;
  processCpuS: number;
  /** Cores other processes kept busy meanwhile, on average. */
  otherCores: number;
}

/** A thread of step 2: the replay engine on its own copy of the first `count` events, started with the others. */
async function ceilingThread(): Promise<void> {
  const { path, count, start } = workerData as { path: string; count: number; start: SharedArrayBuffer };
  const events: SimEvent[] = [];
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (events.length === count) break;
    events.push(JSON.parse(line) as SimEvent);
  }
  const replayer = createReplayer({ preset: 'cloud-drive', geo: simulationGeo(), numberIntel: simReplayIntel(), hashKey: 'bench' });
  const ownCpu = () => (existsSync('/proc/thread-self/stat') ? threadSeconds(readFileSync('/proc/thread-self/stat', 'utf8')) : undefined);
  const flag = new Int32Array(start);
  Atomics.add(flag, 1, 1);
  Atomics.wait(flag, 0, 0);
  const cpu = ownCpu();
  const started = performance.now();
  for (const event of events) {
    const decided = replayer.assess(event);
    if (decided instanceof Promise) await decided;
  }
  const after = ownCpu();
  parentPort!.postMessage({ ms: performance.now() - started, cpuS: cpu === undefined || after === undefined ? undefined : after - cpu, events: events.length });
}

/**
 * Child: what a second thread costs on this machine when nothing is split. The replay engine decides
 * `count` events on one worker thread, then on two at once, each deciding its own copy: no first
 * pass, nothing shared. Best of `repeat`, alternating.
 */
async function ceilingChild(path: string, count: number, repeat: number): Promise<void> {
  const processCpu = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  };
  const run = async (threads: number): Promise<CeilingRun> => {
    const start = new SharedArrayBuffer(8);
    const flag = new Int32Array(start);
    // Worker threads run this file through tsx, as the bench itself runs.
    const code = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const workers = Array.from({ length: threads }, () => new Worker(code, { eval: true, workerData: { ceiling: true, path, count, start } }));
    const results = workers.map(
      (worker) =>
        new Promise<{ ms: number; cpuS: number | undefined; events: number }>((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    );
    while (Atomics.load(flag, 1) < threads) await new Promise((resolve) => setTimeout(resolve, 20));
    const cpu = processCpu();
    const ticks = cpuTicks();
    const started = performance.now();
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    const done = await Promise.all(results);
    const processCpuS = processCpu() - cpu;
    const wallS = (performance.now() - started) / 1000;
    const after = cpuTicks();
    await Promise.all(workers.map((worker) => worker.terminate()));
    const events = done.reduce((sum, result) => sum + result.events, 0);
    const threadCpuS = done.every((result) => result.cpuS !== undefined) ? done.reduce((sum, result) => sum + result.cpuS!, 0) : undefined;
    const otherCores = ticks && after ? Math.max(0, (after.busy - ticks.busy) / 100 - processCpuS) / wallS : 0;
    return { threads, eventsPerSecond: events / (Math.max(...done.map((result) => result.ms)) / 1000), threadCpuS, processCpuS, otherCores };
  };
  const best = new Map<number, CeilingRun>();
  for (let round = 0; round < repeat; round++) {
    for (const threads of [1, 2]) {
      const result = await run(threads);
      if ((best.get(threads)?.eventsPerSecond ?? 0) < result.eventsPerSecond) best.set(threads, result);
    }
  }
  process.stdout.write(JSON.stringify([best.get(1), best.get(2)]));
}

// Declarations above, the run below (they are used before their line otherwise).
if (!isMainThread && (workerData as { ceiling?: boolean } | null)?.ceiling) {
  await ceilingThread();
} else if (process.argv.includes('--ceiling-child')) {
  await ceilingChild(process.argv[process.argv.indexOf('--ceiling-child') + 1]!, option('--ceiling-events', 250_000), option('--repeat', 2));
} else if (process.argv.includes('--ratio-child')) {
  await ratioChild(process.argv[process.argv.indexOf('--ratio-child') + 1]!, option('--ratio-events', 150_000), option('--repeat', 2));
} else {
  await main();
}

async function main(): Promise<void> {
  const events = option('--events', 1_000_000);
  const ratioEvents = Math.min(events, option('--ratio-events', 150_000));
  const ceilingEvents = Math.min(events, option('--ceiling-events', 250_000));
  // The 1 / 2 / every-core rows can run on the stream's first events only (the format rows keep all of them).
  const scalingEvents = Math.min(events, option('--scaling-events', events));
  const repeat = option('--repeat', 2);
  const cores = availableParallelism();
  const dir = mkdtempSync(join(tmpdir(), 'rng-bench-backtest-'));
  const say = (text: string) => process.stderr.write(`${text}\n`);

  try {
    process.stdout.write(
      `Node ${process.version}, ${cpus()[0]?.model ?? '?'}, ${cores} cores available; load average at start ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}\n\n`,
    );
    const jsonl = join(dir, 'events.jsonl');
    say(`simulating ${events.toLocaleString('en-US')} US events (seed 1) with the CLI into ${jsonl}`);
    await simulateInto(jsonl, events);
    say('converting to CSV and Parquet');
    const csv = join(dir, 'events.csv');
    const parquet = join(dir, 'events.parquet');
    await convert(jsonl, csv, parquet);

    // 1. replay / assess, one core.
    say(`replay vs assess on ${ratioEvents.toLocaleString('en-US')} events, one core`);
    const ratioArgs = [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      '--ratio-child',
      jsonl,
      '--ratio-events',
      String(ratioEvents),
      '--repeat',
      String(repeat),
    ];
    const ratio = spawnSync(hasTaskset ? 'taskset' : process.execPath, hasTaskset ? ['-c', '0', process.execPath, ...ratioArgs] : ratioArgs, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (ratio.status !== 0) throw new Error(`ratio child failed (${ratio.status})`);
    const { replay, assess } = JSON.parse(ratio.stdout) as { replay: number; assess: number };

    // 2. one thread against two, each deciding its own copy (no split to pay for).
    say(`replay engine on 1 thread and on 2 threads, ${ceilingEvents.toLocaleString('en-US')} events each`);
    const ceilingChild = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--ceiling-child', jsonl, '--ceiling-events', String(ceilingEvents), '--repeat', String(repeat)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (ceilingChild.status !== 0) throw new Error(`ceiling child failed (${ceilingChild.status})`);
    const ceiling = JSON.parse(ceilingChild.stdout) as [CeilingRun, CeilingRun];

    let scalingInput = jsonl;
    if (scalingEvents < events) {
      scalingInput = join(dir, 'scaling.jsonl');
      await cut(jsonl, scalingInput, scalingEvents);
    }

    // 3. workers: alternate, best of `repeat` each. "1 core" is one worker pinned to one core: unpinned,
    // V8's garbage collector and compiler threads of that one worker run on the other core.
    const counts = [...new Set([1, 2, cores])];
    const configs = [
      ...(hasTaskset ? [{ key: 'pinned', workers: 1, pinned: true }] : []),
      ...counts.map((workers) => ({ key: String(workers), workers, pinned: false })),
    ];
    const best = new Map<string, Run>();
    for (let round = 0; round < repeat; round++) {
      for (const config of configs) {
        say(`backtest ${config.workers} worker(s)${config.pinned ? ' on one core' : ''}, round ${round + 1} of ${repeat}`);
        const run = await backtest(dir, scalingInput, config.workers, config.pinned);
        if (!best.has(config.key) || run.eventsPerSecond > best.get(config.key)!.eventsPerSecond) best.set(config.key, run);
      }
    }
    // 4. formats, every core (JSONL's row is the workers run above when that had the whole stream).
    const formats: [string, Run][] = scalingInput === jsonl ? [['JSONL', best.get(String(cores))!]] : [];
    for (const [name, path] of [...(scalingInput === jsonl ? [] : ([['JSONL', jsonl]] as const)), ['CSV', csv], ['Parquet', parquet]] as const) {
      say(`backtest ${name}, ${cores} workers`);
      formats.push([name, await backtest(dir, path, cores)]);
    }

    const one = best.get('1')!;
    const out: string[] = [];
    out.push(`Stream: ${events.toLocaleString('en-US')} simulated US events (seed 1), ${(statSync(jsonl).size / 1e6).toFixed(0)} MB of JSONL.`, '');
    out.push('| one core (`taskset -c 0`), same pre-parsed stream, simulated carrier | events/s |', '|---|---|');
    out.push(
      `| replay engine (\`createReplayer\`) | ${fmt(replay)} |`,
      `| \`guard.assess\` | ${fmt(assess)} |`,
      `| **replay / assess** | **${(replay / assess).toFixed(2)}** |`,
      '',
    );
    const [oneThread, twoThreads] = ceiling;
    const ceilingCpu = (run: CeilingRun) => (run.threadCpuS === undefined ? '–' : run.threadCpuS.toFixed(1));
    out.push(
      `| replay engine, ${ceilingEvents.toLocaleString('en-US')} pre-parsed events per thread, each thread its own copy (no split), best of ${repeat} | events/s (all threads) | speed-up | CPU s, deciding threads | CPU s, whole process | other processes' load (cores) |`,
      '|---|---|---|---|---|---|',
      `| 1 thread | ${fmt(oneThread.eventsPerSecond)} | 1.00x | ${ceilingCpu(oneThread)} | ${oneThread.processCpuS.toFixed(1)} | ${oneThread.otherCores.toFixed(2)} |`,
      `| 2 threads | ${fmt(twoThreads.eventsPerSecond)} | ${(twoThreads.eventsPerSecond / oneThread.eventsPerSecond).toFixed(2)}x | ${ceilingCpu(twoThreads)} | ${twoThreads.processCpuS.toFixed(1)} | ${twoThreads.otherCores.toFixed(2)} |`,
      '',
    );
    if (oneThread.threadCpuS !== undefined)
      out.push(
        `On two free cores two threads could decide at most 2 × ${oneThread.threadCpuS.toFixed(1)} / (${twoThreads.processCpuS.toFixed(1)} / 2) = ${((4 * oneThread.threadCpuS) / twoThreads.processCpuS).toFixed(2)}x the events per second of one: one thread takes its own CPU time (its V8 threads, garbage collector and compiler, run beside it on the other core), two take at least half their process's CPU, all threads, for twice the events.`,
        '',
      );
    out.push(
      `| \`backtest --workers N\`, ${(scalingEvents / 1e6).toLocaleString('en-US')}M events, JSONL, best of ${repeat} | events/s | speed-up | efficiency | wall s | CPU s (all threads) | CPU s, main thread | cores used | other processes' load (cores) |`,
      '|---|---|---|---|---|---|---|---|---|',
    );
    const pinned = best.get('pinned');
    for (const config of configs) {
      const run = best.get(config.key)!;
      const workers = config.workers;
      const speedUp = run.eventsPerSecond / one.eventsPerSecond;
      const label = config.pinned
        ? '1, pinned to one core (`taskset -c 0`)'
        : workers === cores
          ? `${workers}${workers === 2 ? ' (= every core here)' : ' (every core)'}`
          : String(workers);
      out.push(
        `| ${label} | ${fmt(run.eventsPerSecond)} | ${speedUp.toFixed(2)}x | ${((speedUp / workers) * 100).toFixed(0)}% | ${run.wallS.toFixed(1)} | ${cpuText(run)} | ${run.mainCpuS === undefined ? '–' : run.mainCpuS.toFixed(1)} | ${run.cpuS === undefined ? '–' : (run.cpuS / run.wallS).toFixed(2)} | ${run.otherCores.toFixed(2)} |`,
      );
    }
    const two = best.get('2');
    if (two?.cpuS !== undefined && one.mainCpuS !== undefined) {
      out.push(
        '',
        `On two free cores, 2 workers could run at most 2 × ${one.mainCpuS.toFixed(1)} / ${two.cpuS.toFixed(1)} = ${((2 * one.mainCpuS) / two.cpuS).toFixed(2)}x the speed of 1 (the main thread of \`--workers 1\` decides every event and bounds its wall time; its V8 threads run beside it on the other core; 2 workers' CPU, all threads, shares both cores).`,
      );
    }
    if (pinned && two) {
      out.push(
        '',
        `2 workers against one worker pinned to one core: ${(two.eventsPerSecond / pinned.eventsPerSecond).toFixed(2)}x (${((two.eventsPerSecond / pinned.eventsPerSecond / 2) * 100).toFixed(0)}% efficiency).`,
      );
    }
    out.push(
      '',
      `| ${(events / 1e6).toLocaleString('en-US')}M events, \`--workers ${cores}\` | input MB | wall s | events/s | CPU s | other processes' load (cores) |`,
      '|---|---|---|---|---|---|',
    );
    for (const [name, run] of formats)
      out.push(
        `| ${name} | ${(statSync(run.input).size / 1e6).toFixed(0)} | ${run.wallS.toFixed(1)} | ${fmt(run.eventsPerSecond)} | ${cpuText(run)} | ${run.otherCores.toFixed(2)} |`,
      );
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    if (process.argv.includes('--keep')) say(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
