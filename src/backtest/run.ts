/**
 * `backtest`: stream login attempts (JSONL, CSV or Parquet: the simulator's, or a host's own logs)
 * through the guard in event time and write decisions.jsonl, summary.json and report.html.
 *
 * One thread by default; `workers` splits the replay over worker threads and `shard` keeps one
 * shard of a run split over machines (merged afterwards by merge.ts). Both cut the input into the
 * same groups (shard.ts) and give every shard the whole input's clock, so each decision is the one
 * the single-threaded run makes.
 */
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import type { Weights } from '../core/weights.js';
import { GuardConfigError } from '../errors/guard-config-error.js';
import type { PresetName } from '../types/index.js';
import type { EvidenceSource } from './evidence.js';
import {
  createDecoder,
  inputFormat,
  openInput,
  parquetGroups,
  type Decoded,
  type DecoderSpec,
  type FieldMap,
  type InputFormat,
  type InputReader,
  type RawRecord,
} from './input.js';
import { Progress } from './progress.js';
import type { ReplayEvent } from './replay.js';
import { replayerFor, type ReplaySetup } from './setup.js';
import { renderReport } from './report.js';
import { DEFAULT_SHARD_KEY, Grouping, NumberKeys, placeOf, SCAN_BLANK, SCAN_UNREADABLE, scanBatch, shardHash, type ScanResult } from './shard.js';
import { MalformedLineError, Rejections, ShardReplay, type MalformedSample } from './shard-replay.js';
import { SummaryBuilder, type BacktestSummary, type SummaryState } from './summary.js';
import { stripeCount, STRIPE_BYTES, type StripeSource } from './stripes.js';
import type { FromWorker, ShardTask, StripeRun, ToWorker, WorkerResult } from './worker.js';
import { InputChangedError } from '../errors/backtest-input-changed-error.js';

type StripeScan = Extract<FromWorker, { type: 'scannedStripe' }>;
/** In a stripe run's assignment: the line is decided by no worker of this machine. */
const NO_WORKER = 255;

export { MalformedLineError };
export { replayerFor, type ReplaySetup };

export interface BacktestOptions {
  /** Path of the input, or "-" for stdin. */
  input: string;
  /** `jsonl`, `csv` or `parquet`; default from the file extension (JSONL otherwise). */
  format?: InputFormat;
  /** CSV / Parquet columns (JSONL keys) under other names: field -> column, e.g. { accountId: 'user_id' }. */
  map?: FieldMap;
  preset: PresetName;
  /** Output directory (created). Without it nothing is written; the summary is returned. */
  outDir?: string;
  /** Abort at the first malformed line instead of skipping it. */
  strict?: boolean;
  /**
   * Geolocation and carrier evidence from the caller (evidence.ts), e.g. the simulator's for its
   * output. Without it: the guard's default geolocation and no carrier evidence.
   */
  evidence?: EvidenceSource;
  /** `auto`: the evidence's carrier when it applies to the input (`appliesTo`); `none`: no carrier evidence. */
  intel?: 'auto' | 'none';
  /** `auto`: the evidence's geolocation when it applies to the input, else the guard's default; `evidence`: always the evidence's. */
  geo?: 'auto' | 'evidence' | 'none' | 'default';
  /** Progress bar on stderr: `auto` = when stderr is a TTY. */
  progress?: boolean | 'auto';
  replayOutcomes?: boolean;
  weights?: Partial<Weights>;
  stripDevice?: boolean;
  stripToken?: boolean;
  /** Where malformed-line messages go (default stderr); at most `maxMessages` are printed. */
  log?: (message: string) => void;
  maxMessages?: number;
  /** Worker threads (default 1: this thread decides). The CLI defaults to `os.availableParallelism()`. */
  workers?: number;
  /** decisions.jsonl in input order; otherwise shard by shard, each in input order. */
  ordered?: boolean;
  /** Replay only shard `index` of `count` and write shard.json for `backtest merge`. */
  shard?: { index: number; count: number };
  /** Key of the shard hash; every shard of a run must use the same one. */
  shardKey?: string;
}

export interface BacktestResult {
  summary: BacktestSummary;
  files: string[];
}

/** The geolocation and carrier follow the first event: the caller's evidence where it applies (simulator output gets the simulator's). */
function setupFor(first: ReplayEvent, options: BacktestOptions, shardKey: string): ReplaySetup {
  const source = options.evidence;
  const applies = source?.appliesTo(first) ?? { geo: false, numberIntel: false };
  const geoChoice = options.geo ?? 'auto';
  const geo = geoChoice === 'none' ? 'none' : source && (geoChoice === 'evidence' || (geoChoice === 'auto' && applies.geo)) ? 'evidence' : 'default';
  const intel = (options.intel ?? 'auto') === 'none' || !applies.numberIntel ? 'none' : 'evidence';
  return {
    preset: options.preset,
    geo,
    intel,
    ...(source && (geo === 'evidence' || intel === 'evidence') ? { evidence: { url: source.url, options: source.options ?? {}, names: source.names } } : {}),
    ...(options.weights ? { weights: options.weights } : {}),
    ...(options.stripDevice ? { stripDevice: true } : {}),
    ...(options.stripToken ? { stripToken: true } : {}),
    replayOutcomes: options.replayOutcomes ?? true,
    hashKey: `${shardKey}\0replay`,
  };
}

class LineWriter {
  private buffer: string[] = [];
  private readonly stream: WriteStream;
  private draining: Promise<void> | undefined;
  private closed = false;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
  }

  /** Buffers a record; true when the buffer is full and should be flushed. */
  add(line: string): boolean {
    this.buffer.push(line);
    return this.buffer.length >= 1000;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Writes what is buffered; resolves when the stream can take more (one wait shared by every caller). */
  async flush(): Promise<void> {
    if (this.buffer.length > 0) {
      const text = this.buffer.join('');
      this.buffer = [];
      if (!this.stream.write(text))
        this.draining ??= new Promise<void>((resolve) =>
          this.stream.once('drain', () => {
            this.draining = undefined;
            resolve();
          }),
        );
    }
    await this.draining;
  }

  /** The file becomes these files one after the other (the workers' decisions): the first is moved, the rest appended. */
  async replaceWith(parts: string[]): Promise<void> {
    await this.close();
    const [first, ...rest] = parts.filter((part) => existsSync(part));
    if (first) renameSync(first, this.path);
    for (const part of rest) {
      await pipeline(createReadStream(part), createWriteStream(this.path, { flags: 'a' }));
      rmSync(part, { force: true });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}

/** Everything a run (a single thread, or one machine's shard) has counted. */
interface RunCounts {
  setup: ReplaySetup | undefined;
  unit: 'line' | 'row';
  lines: number;
  blankLines: number;
  malformed: number;
  samples: MalformedSample[];
  outOfOrder: number;
  summary: SummaryState | undefined;
  /** decisions.jsonl is in input order. */
  ordered: boolean;
}

interface Context {
  options: BacktestOptions;
  reader: InputReader;
  decoderSpec: () => DecoderSpec;
  writer: LineWriter | undefined;
  rejections: Rejections;
  progress: Progress | undefined;
  shardKey: string;
}

export async function runBacktest(options: BacktestOptions): Promise<BacktestResult> {
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const maxMessages = options.maxMessages ?? 20;
  const started = performance.now();
  const format = inputFormat(options.input, options.format);
  const workers = Math.max(1, Math.floor(options.workers ?? 1));
  const machines = options.shard ?? { index: 0, count: 1 };
  const sharded = workers > 1 || machines.count > 1;
  const shardKey = options.shardKey ?? DEFAULT_SHARD_KEY;
  if (options.geo === 'evidence' && !options.evidence) throw new GuardConfigError('geo', "'evidence' needs the evidence option (a geolocation to use)");

  // Sharding reads the input twice (groups first): stdin is kept in a temporary file for that.
  let spool: string | undefined;
  let path = options.input;
  if ((sharded || format === 'parquet') && path === '-') {
    spool = mkdtempSync(join(tmpdir(), 'rng-backtest-'));
    path = join(spool, 'stdin');
    await pipeline(process.stdin, createWriteStream(path));
  }

  const files: string[] = [];
  try {
    const reader = await openInput(path, format);
    const showProgress = options.progress === 'auto' || options.progress === undefined ? Boolean(process.stderr.isTTY) : options.progress;
    let writer: LineWriter | undefined;
    if (options.outDir) {
      mkdirSync(options.outDir, { recursive: true });
      const decisionsPath = join(options.outDir, 'decisions.jsonl');
      writer = new LineWriter(decisionsPath);
      files.push(decisionsPath);
    }
    const context: Context = {
      options,
      reader,
      decoderSpec: () => ({ format, ...(reader.columns ? { columns: reader.columns } : {}), ...(options.map ? { map: options.map } : {}) }),
      writer,
      rejections: new Rejections(reader.unit, Boolean(options.strict), log, maxMessages),
      progress: showProgress ? new Progress(process.stderr, reader.total, sharded ? 'grouping' : 'backtest') : undefined,
      shardKey,
    };
    let counts: RunCounts;
    try {
      if (!sharded) counts = await runSingle(context);
      else if (format === 'jsonl' && workers > 1) counts = await runStriped(context, workers, machines, { format, path, size: statSync(path).size });
      else if (format === 'parquet' && workers > 1) counts = await runStriped(context, workers, machines, { format, path });
      else counts = await runSharded(context, workers, machines);
    } finally {
      if (writer) await writer.close();
    }
    const durationMs = Math.round(performance.now() - started);
    if (counts.outOfOrder > 0)
      log(`warning: ${counts.outOfOrder} ${counts.unit}s were earlier than a ${counts.unit} before them; the guard's clock did not go back for them`);
    const summary = buildSummary(options, counts, durationMs);
    if (options.outDir) {
      files.push(...writeOutputs(options.outDir, summary));
      if (options.shard) {
        const shardPath = join(options.outDir, 'shard.json');
        const record: ShardFile = {
          kind: SHARD_FILE_KIND,
          shard: options.shard,
          keyCheck: shardHash(shardKey, ''),
          format,
          input: options.input,
          settings: settingsOf(options, counts.setup),
          unit: counts.unit,
          ...lineCounts(counts),
          durationMs,
          decisionsOrdered: counts.ordered,
          summary: counts.summary ?? new SummaryBuilder(options.preset).state(),
        };
        writeFileSync(shardPath, `${JSON.stringify(record)}\n`);
        files.push(shardPath);
      }
    }
    return { summary, files };
  } finally {
    if (spool) rmSync(spool, { recursive: true, force: true });
  }
}

export const SHARD_FILE_KIND = 'recycled-number-guard backtest shard v1';

/** shard.json: what `backtest merge` needs from one shard besides its decisions.jsonl. */
export interface ShardFile {
  kind: typeof SHARD_FILE_KIND;
  shard: { index: number; count: number };
  /** The shard key's hash of '' (not the key): shards cut with different keys do not merge. */
  keyCheck: number;
  format: InputFormat;
  input: string;
  settings: Record<string, unknown>;
  unit: 'line' | 'row';
  lines: number;
  blankLines: number;
  malformed: number;
  samples: MalformedSample[];
  outOfOrder: number;
  durationMs: number;
  decisionsOrdered: boolean;
  summary: SummaryState;
}

export function settingsOf(
  options: Pick<BacktestOptions, 'preset' | 'replayOutcomes' | 'strict' | 'weights' | 'stripDevice' | 'stripToken'>,
  setup: ReplaySetup | undefined,
): Record<string, unknown> {
  const geo = !setup || setup.geo === 'none' ? 'none' : setup.geo === 'evidence' && setup.evidence ? setup.evidence.names.geo : 'guard default (geoip-lite)';
  const intel = setup?.intel === 'evidence' && setup.evidence ? setup.evidence.names.numberIntel : 'none';
  return {
    preset: options.preset,
    geo,
    intel,
    replayOutcomes: options.replayOutcomes ?? true,
    strict: Boolean(options.strict),
    ...(options.weights ? { weights: options.weights } : {}),
    ...(options.stripDevice ? { stripDevice: true } : {}),
    ...(options.stripToken ? { stripToken: true } : {}),
  };
}

/** The first 100 malformed records of the whole input, in input order, from any number of shards. */
export function firstSamples(...lists: MalformedSample[][]): MalformedSample[] {
  return lists
    .flat()
    .sort((a, b) => a.number - b.number)
    .slice(0, 100);
}

export function summaryOf(input: {
  options: Pick<BacktestOptions, 'input' | 'preset' | 'replayOutcomes' | 'strict' | 'weights' | 'stripDevice' | 'stripToken'>;
  settings: Record<string, unknown>;
  /** The shards' counts (one for a run that was not split). */
  states: SummaryState[];
  lines: number;
  blankLines: number;
  malformed: number;
  samples: MalformedSample[];
  outOfOrder: number;
  durationMs: number;
}): BacktestSummary {
  const builder = new SummaryBuilder(input.options.preset);
  for (const state of input.states) builder.merge(state);
  return builder.build({
    generatedBy: 'recycled-number-guard backtest',
    input: input.options.input,
    settings: { ...input.settings, ...(input.samples.length > 0 ? { malformedLines: input.samples.map((sample) => sample.message) } : {}) },
    lines: input.lines,
    blankLines: input.blankLines,
    malformed: input.malformed,
    outOfOrder: input.outOfOrder,
    durationMs: input.durationMs,
  });
}

function buildSummary(options: BacktestOptions, counts: RunCounts, durationMs: number): BacktestSummary {
  return summaryOf({
    options,
    settings: settingsOf(options, counts.setup),
    states: counts.summary ? [counts.summary] : [],
    ...lineCounts(counts),
    durationMs,
  });
}

/** What the input held, line by line: the same in a shard's output and in a summary. */
function lineCounts({ lines, blankLines, malformed, samples, outOfOrder }: RunCounts) {
  return { lines, blankLines, malformed, samples, outOfOrder };
}

export function writeOutputs(outDir: string, summary: BacktestSummary): string[] {
  const summaryPath = join(outDir, 'summary.json');
  writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  const reportPath = join(outDir, 'report.html');
  writeFileSync(reportPath, renderReport(summary));
  return [summaryPath, reportPath];
}

/** One thread, one pass: decode, decide, write. */
async function runSingle(context: Context): Promise<RunCounts> {
  const { options, reader, writer, rejections, progress } = context;
  let decode: ((raw: string | unknown[]) => Decoded) | undefined;
  let setup: ReplaySetup | undefined;
  let shard: ShardReplay | undefined;
  let lines = 0;
  let blankLines = 0;
  let done = 0;
  for await (const batch of reader.batches((read) => (done = read))) {
    decode ??= createDecoder(context.decoderSpec());
    for (const record of batch) {
      lines = record.number;
      if (record.error !== undefined) {
        rejections.reject(record.number, record.error);
        continue;
      }
      const decoded = decode(record.raw!);
      if (decoded.blank) {
        blankLines++;
        continue;
      }
      if (decoded.error !== undefined) {
        rejections.reject(record.number, decoded.error);
        continue;
      }
      if (!shard) {
        setup = setupFor(decoded.event, options, context.shardKey);
        shard = new ShardReplay(await replayerFor(setup), options.preset, reader.unit, rejections, writer !== undefined);
      }
      const decided = shard.decide(record.number, decoded.event, decoded.at);
      const line = decided instanceof Promise ? await decided : decided;
      if (line && writer?.add(line)) await writer.flush();
    }
    progress?.update(done, lines);
  }
  progress?.done(done, lines);
  return {
    setup,
    unit: reader.unit,
    lines,
    blankLines,
    malformed: rejections.count,
    samples: rejections.samples,
    outOfOrder: shard?.outOfOrder ?? 0,
    summary: shard?.summary.state(),
    ordered: true,
  };
}

const BLANK = -2;
const UNREADABLE = -1;

/** Per-record Int32s in fixed chunks (a file can have more records than one typed array holds). */
class Int32Column {
  private readonly chunks: Int32Array[] = [];
  length = 0;

  push(value: number): void {
    const chunk = this.length >>> 16;
    if (chunk === this.chunks.length) this.chunks.push(new Int32Array(1 << 16));
    this.chunks[chunk]![this.length & 0xffff] = value;
    this.length++;
  }

  get(index: number): number {
    return this.chunks[index >>> 16]![index & 0xffff]!;
  }
}

/** What the first pass learns: each record's group (or blank, unreadable), the late records' clock. */
class FirstPass {
  readonly grouping = new Grouping();
  readonly nodes = new Int32Column();
  /** Record index -> the clock, for records earlier than one before them. */
  readonly lateClock = new Map<number, number>();
  first: ReplayEvent | undefined;
  private running = -Infinity;

  constructor(private readonly decode: () => (raw: string | unknown[]) => Decoded) {}

  apply(batch: readonly RawRecord[], scanned: ScanResult): void {
    for (let i = 0; i < batch.length; i++) {
      const status = scanned.status[i];
      if (status === SCAN_BLANK) this.nodes.push(BLANK);
      else if (status === SCAN_UNREADABLE) this.nodes.push(UNREADABLE);
      else {
        // The first event picks the geolocation and the carrier, as in a single-threaded run.
        this.first ??= this.decode()(batch[i]!.raw!).event;
        const at = scanned.at[i]!;
        if (at < this.running) this.lateClock.set(this.nodes.length, this.running);
        else this.running = at;
        this.nodes.push(this.grouping.add(scanned.accounts[i]!, scanned.numbers[i]!));
      }
    }
  }
}

const rawOf = (record: RawRecord) => (record.error !== undefined ? null : record.raw!);

/**
 * Two passes. The first decodes every record (on the worker threads when there are any) to join
 * accounts and numbers into groups, remembers each record's group (4 bytes) and the clock of every
 * record earlier than one before it. The second sends this machine's records to their worker with
 * that clock.
 */
async function runSharded(context: Context, workers: number, machines: { index: number; count: number }): Promise<RunCounts> {
  const { options, reader, rejections } = context;
  let decoder: ((raw: string | unknown[]) => Decoded) | undefined;
  const decode = () => (decoder ??= createDecoder(context.decoderSpec()));
  const pool = workers > 1 ? await PoolSink.start(workers, context) : undefined;
  try {
    const pass = new FirstPass(decode);
    const keys = new NumberKeys(undefined);
    let done = 0;
    for await (const batch of reader.batches((read) => (done = read))) {
      // Built here first, so a missing column fails on this thread with its own error class.
      decode();
      if (pool) await pool.scan(batch, (scanned) => pass.apply(batch, scanned));
      else pass.apply(batch, scanBatch(batch.map(rawOf), decode(), keys));
      context.progress?.update(done, pass.nodes.length);
    }
    if (pool) await pool.scanned();
    context.progress?.done(done, pass.nodes.length);
    const { nodes, lateClock } = pass;
    const setup = pass.first ? setupFor(pass.first, options, context.shardKey) : undefined;
    const hashes = pass.grouping.hashes(context.shardKey);
    const note = `${workers > 1 ? `, ${workers} workers` : ''}${machines.count > 1 ? `, shard ${machines.index}/${machines.count}` : ''}`;
    const progress = context.progress ? new Progress(process.stderr, reader.total, 'backtest', note) : undefined;

    let local: ShardReplay | undefined;
    if (setup && pool) pool.begin(setup);
    else if (setup) local = new ShardReplay(await replayerFor(setup), options.preset, reader.unit, rejections, context.writer !== undefined);

    let lines = 0;
    let blankLines = 0;
    let index = 0;
    let handled = 0;
    let stop: MalformedLineError | undefined;
    const progressLines = () => handled + (pool?.processed ?? 0);
    read: for await (const batch of reader.batches((read) => (done = read))) {
      for (const record of batch) {
        if (index >= nodes.length) throw new InputChangedError(options.input);
        const node = nodes.get(index);
        const at = index++;
        lines = record.number;
        if (node === BLANK) {
          blankLines++;
          continue;
        }
        if (node === UNREADABLE) {
          handled++;
          // Counted once, by shard 0; every shard stops on it under --strict.
          if (machines.index !== 0 && !options.strict) continue;
          try {
            rejections.reject(record.number, record.error ?? decode()(record.raw!).error ?? 'unreadable');
          } catch (error) {
            if (!(error instanceof MalformedLineError) || !pool) throw error;
            stop = error;
            break read;
          }
          continue;
        }
        const place = placeOf(hashes[node]!, machines.count, workers);
        if (place.machine !== machines.index) continue;
        const clock = lateClock.size > 0 ? lateClock.get(at) : undefined;
        if (pool) {
          const waited = pool.dispatch(place.worker, record, clock);
          if (waited) await waited;
          if (pool.stopped) break read;
          continue;
        }
        handled++;
        const decoded = decode()(record.raw!);
        if (!decoded.event) continue; // the first pass decoded it: cannot happen
        const decided = local!.decide(record.number, decoded.event, decoded.at, clock);
        const line = decided instanceof Promise ? await decided : decided;
        if (line && context.writer?.add(line)) await context.writer.flush();
      }
      progress?.update(done, progressLines());
      if (pool && context.writer && context.writer.buffered >= 1000) await context.writer.flush();
    }
    if (!stop && !pool?.stopped && index !== nodes.length) throw new InputChangedError(options.input);

    if (pool) {
      const results = await pool.end();
      progress?.done(done, progressLines());
      return countsOfWorkers(context, results, stop, { setup, lines, blankLines });
    }
    progress?.done(done, progressLines());
    return {
      setup,
      unit: reader.unit,
      lines,
      blankLines,
      malformed: rejections.count,
      samples: rejections.samples,
      outOfOrder: local?.outOfOrder ?? 0,
      summary: local?.summary.state(),
      ordered: true,
    };
  } finally {
    await pool?.destroy();
  }
}

/**
 * Worker threads over a JSONL or Parquet file: the same two passes, with the main thread reading
 * nothing. The file comes in stripes (stripes.ts: 1 MiB of JSONL lines, or a Parquet row group).
 * First pass: the workers read and decode stripes in turn and the main thread joins the groups in
 * stripe order. Second pass: every worker reads the stripes that hold records of its own and
 * decides those (which worker decides a record: one byte per record, in shared memory), so no
 * record is copied between threads.
 */
async function runStriped(context: Context, workers: number, machines: { index: number; count: number }, source: StripeSource): Promise<RunCounts> {
  const { options, rejections, reader } = context;
  const unit = reader.unit;
  const decode = createDecoder(context.decoderSpec());
  const stripes = source.format === 'jsonl' ? stripeCount(source.size) : (await parquetGroups(source.path)).sizes.length;
  const pool = await PoolSink.start(workers, context);
  try {
    const grouping = new Grouping();
    const nodes = new Int32Column();
    const lateClock = new Map<number, number>();
    const unreadable = new Map<number, string>();
    const bases = new Float64Array(stripes);
    let running = -Infinity;
    let firstRaw: string | unknown[] | undefined;
    // Per worker: its account and number ids -> group nodes.
    const accountNodes = Array.from({ length: workers }, () => [] as number[]);
    const numberNodes = Array.from({ length: workers }, () => [] as number[]);
    const apply = (id: number, scanned: StripeScan) => {
      const worker = id % workers;
      const accounts = accountNodes[worker]!;
      const numbers = numberNodes[worker]!;
      for (const accountId of scanned.newAccounts) accounts.push(grouping.accountNode(accountId));
      for (const e164 of scanned.newNumbers) numbers.push(grouping.numberNode(e164));
      bases[id] = nodes.length;
      for (const [index, message] of scanned.errors) unreadable.set(nodes.length + index, message);
      firstRaw ??= scanned.firstRaw;
      for (let i = 0; i < scanned.status.length; i++) {
        const status = scanned.status[i];
        if (status === SCAN_BLANK) nodes.push(BLANK);
        else if (status === SCAN_UNREADABLE) nodes.push(UNREADABLE);
        else {
          const at = scanned.at[i]!;
          if (at < running) lateClock.set(nodes.length, running);
          else running = at;
          const account = accounts[scanned.accountIds[i]!]!;
          const number = scanned.numberIds[i]!;
          if (number !== -1) grouping.join(account, numbers[number]!);
          nodes.push(account);
        }
      }
      context.progress?.update(source.format === 'jsonl' ? Math.min(source.size, (id + 1) * STRIPE_BYTES) : nodes.length, nodes.length);
    };
    for (let id = 0; id < stripes; id++) await pool.scanStripe(id, source, (scanned) => apply(id, scanned));
    await pool.scanned();
    context.progress?.done(reader.total ?? nodes.length, nodes.length);

    const first = firstRaw === undefined ? undefined : decode(firstRaw).event;
    const setup = first ? setupFor(first, options, context.shardKey) : undefined;
    const hashes = grouping.hashes(context.shardKey);
    const assign = new Uint8Array(new SharedArrayBuffer(nodes.length)).fill(NO_WORKER);
    let blankLines = 0;
    let mine = 0;
    for (let record = 0; record < nodes.length; record++) {
      const node = nodes.get(record);
      if (node === BLANK) blankLines++;
      if (node < 0) continue;
      const place = placeOf(hashes[node]!, machines.count, workers);
      if (place.machine !== machines.index) continue;
      assign[record] = place.worker;
      mine++;
    }
    // Records that do not parse: counted once, by shard 0; under --strict every shard stops at the first.
    let stop: MalformedLineError | undefined;
    if (options.strict) {
      let firstBad = Infinity;
      for (const record of unreadable.keys()) firstBad = Math.min(firstBad, record);
      if (Number.isFinite(firstBad)) stop = new MalformedLineError(firstBad + 1, unreadable.get(firstBad)!, unit);
    } else if (machines.index === 0) {
      for (const [record, message] of [...unreadable].sort((a, b) => a[0] - b[0])) rejections.reject(record + 1, message);
    }

    const note = `, ${workers} workers${machines.count > 1 ? `, shard ${machines.index}/${machines.count}` : ''}`;
    const progress = context.progress ? new Progress(process.stderr, mine, 'backtest', note) : undefined;
    const ticker = progress ? setInterval(() => progress.update(pool.processed, pool.processed), 200) : undefined;
    try {
      if (setup) {
        const late = [...lateClock].sort((a, b) => a[0] - b[0]);
        await pool.runStripes(
          {
            source,
            bases,
            assign: assign.buffer as SharedArrayBuffer,
            lateLines: Float64Array.from(late, ([record]) => record),
            lateClocks: Float64Array.from(late, ([, clock]) => clock),
            stopBefore: stop ? stop.line - 1 : Infinity,
          },
          setup,
        );
      }
    } finally {
      if (ticker) clearInterval(ticker);
    }
    const results = await pool.end();
    progress?.done(pool.processed, pool.processed);
    return countsOfWorkers(context, results, stop, { setup, lines: nodes.length, blankLines });
  } finally {
    await pool.destroy();
  }
}

/**
 * A worker-thread run's counts: the workers' results and this thread's rejections together. Under
 * --strict, throws the earliest malformed record of all of them, where the single-threaded run stops.
 */
function countsOfWorkers(
  context: Context,
  results: WorkerResult[],
  stop: MalformedLineError | undefined,
  read: Pick<RunCounts, 'setup' | 'lines' | 'blankLines'>,
): RunCounts {
  const { options, rejections, reader } = context;
  const stops = results.flatMap((result) => (result.stopped ? [new MalformedLineError(result.stopped.number, result.stopped.reason, reader.unit)] : []));
  if (stop) stops.push(stop);
  if (stops.length > 0) throw stops.reduce((a, b) => (b.line < a.line ? b : a));
  const state = new SummaryBuilder(options.preset);
  for (const result of results) if (result.summary) state.merge(result.summary);
  return {
    ...read,
    unit: reader.unit,
    malformed: rejections.count + results.reduce((sum, result) => sum + result.malformed, 0),
    samples: firstSamples(rejections.samples, ...results.map((result) => result.samples)),
    outOfOrder: results.reduce((sum, result) => sum + result.outOfOrder, 0),
    summary: state.state(),
    ordered: Boolean(options.ordered),
  };
}

type Pool = import('tinypool').Tinypool;
type MessagePort = import('node:worker_threads').MessagePort;

/** The worker module: the built one next to the CLI, or the sources through tsx (tests, development). */
function workerFile(): string {
  const here = import.meta.url;
  return fileURLToPath(new URL(here.endsWith('.ts') ? './worker-dev.mjs' : './backtest-worker.js', here));
}

const BATCH = 512;
/** Batches in flight per worker before the reader waits: bounds memory when one worker lags. */
const WINDOW = 8;

interface Link {
  port: MessagePort;
  result: Promise<WorkerResult>;
  numbers: number[];
  raws: (string | unknown[])[];
  clocks: number[];
  inflight: number;
  /** --ordered: record batches returned and not yet written, and the read position in the first. */
  returned: string[][];
  cursor: number;
}

/**
 * The main thread's side of the worker threads. First pass: hands batches of raw records out in
 * turn and applies the scans in input order. Second pass: batches each worker's records, keeps at
 * most WINDOW batches in flight per worker, and writes what the workers return in input order
 * (--ordered) or appends their own files shard by shard.
 */
class PoolSink {
  private readonly links: Link[];
  private readonly mode: ShardTask['records'];
  /** --ordered: which worker each dispatched record went to, in input order. */
  private order: number[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private failure: unknown;
  /** First pass: batches sent, scans arrived out of turn, and the next one to apply. */
  private scansSent = 0;
  private scansApplied = 0;
  private readonly scans = new Map<number, { apply: (scanned: never) => void; scanned?: ScanResult | StripeScan }>();
  /** Second pass over stripes: who decides each line, where --ordered output has got to, and where it stops. */
  private stripes: { assign: Uint8Array; next: number; stopBefore: number; done: number } | undefined;
  processed = 0;
  stopped = false;

  static async start(workers: number, context: Context): Promise<PoolSink> {
    const { Tinypool } = await import('tinypool');
    // Threads start, and load their modules, while the main thread reads the first batches.
    const pool = new Tinypool({ filename: workerFile(), minThreads: workers, maxThreads: workers, isolateWorkers: false });
    return new PoolSink(pool, workers, context);
  }

  private constructor(
    private readonly pool: Pool,
    workers: number,
    private readonly context: Context,
  ) {
    const { options, writer } = context;
    this.mode = !writer ? 'none' : options.ordered ? 'return' : 'file';
    this.links = Array.from({ length: workers }, (_, worker) => {
      const { port1, port2 } = new MessageChannel();
      const task: ShardTask = {
        port: port2,
        unit: context.reader.unit,
        strict: Boolean(options.strict),
        maxMessages: options.maxMessages ?? 20,
        records: this.mode,
        ...(this.mode === 'file' ? { partPath: this.partPath(worker) } : {}),
      };
      const link: Link = {
        port: port1,
        result: pool.run(task, { transferList: [port2] }) as Promise<WorkerResult>,
        numbers: [],
        raws: [],
        clocks: [],
        inflight: 0,
        returned: [],
        cursor: 0,
      };
      link.result.catch((error: unknown) => {
        this.failure ??= error;
        this.wakeUp();
      });
      port1.on('message', (message: FromWorker) => this.receive(link, message));
      return link;
    });
  }

  private partPath(worker: number): string {
    return join(this.context.options.outDir!, `.decisions.worker-${worker}.jsonl`);
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async waitFor(ready: () => boolean): Promise<void> {
    while (!ready() && !this.failure) await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.failure) throw this.failure;
  }

  /** First pass: decode this batch on the next worker; `apply` runs in input order. */
  async scan(batch: readonly RawRecord[], apply: (scanned: ScanResult) => void): Promise<void> {
    if (this.failure) throw this.failure;
    const id = this.scansSent++;
    this.scans.set(id, { apply });
    const message: ToWorker = { type: 'scan', id, spec: this.context.decoderSpec(), raws: batch.map(rawOf) };
    this.links[id % this.links.length]!.port.postMessage(message);
    await this.waitFor(() => this.scansSent - this.scansApplied < this.links.length * WINDOW);
  }

  /** First pass: every batch scanned and applied. */
  async scanned(): Promise<void> {
    await this.waitFor(() => this.scansApplied === this.scansSent);
  }

  /** First pass over stripes: the next worker reads and decodes stripe `id`; `apply` runs in stripe order. */
  async scanStripe(id: number, source: StripeSource, apply: (scanned: StripeScan) => void): Promise<void> {
    if (this.failure) throw this.failure;
    this.scansSent++;
    this.scans.set(id, { apply });
    const message: ToWorker = { type: 'scanStripe', id, spec: this.context.decoderSpec(), source };
    this.links[id % this.links.length]!.port.postMessage(message);
    await this.waitFor(() => this.scansSent - this.scansApplied < this.links.length * WINDOW);
  }

  /** Second pass over stripes: every worker reads the stripes with records of its own and decides those. */
  async runStripes(run: StripeRun, setup: ReplaySetup): Promise<void> {
    this.stripes = { assign: new Uint8Array(run.assign), next: 0, stopBefore: run.stopBefore, done: 0 };
    this.links.forEach((link, worker) =>
      link.port.postMessage({ type: 'runStripes', setup, spec: this.context.decoderSpec(), worker, ...run } satisfies ToWorker),
    );
    await this.waitFor(() => this.stripes!.done === this.links.length);
    this.drainStripes();
  }

  /** --ordered over stripes: write every line's record whose turn has come. */
  private drainStripes(): void {
    const stripes = this.stripes!;
    const writer = this.context.writer!;
    const end = Math.min(stripes.assign.length, stripes.stopBefore);
    for (; stripes.next < end; stripes.next++) {
      const worker = stripes.assign[stripes.next]!;
      if (worker === NO_WORKER) continue;
      const link = this.links[worker]!;
      const batch = link.returned[0];
      if (!batch) break;
      const line = batch[link.cursor++]!;
      if (link.cursor === batch.length) {
        link.returned.shift();
        link.cursor = 0;
      }
      if (line && writer.add(line)) writer.flush().catch((error: unknown) => (this.failure ??= error));
    }
  }

  /** Second pass: every worker builds its replay. */
  begin(setup: ReplaySetup): void {
    const message: ToWorker = { type: 'start', setup, spec: this.context.decoderSpec() };
    for (const link of this.links) link.port.postMessage(message);
  }

  private receive(link: Link, message: FromWorker): void {
    if (message.type === 'log') {
      (this.context.options.log ?? ((text: string) => process.stderr.write(`${text}\n`)))(message.message);
      return;
    }
    if (message.type === 'scanned' || message.type === 'scannedStripe') {
      this.scans.get(message.id)!.scanned = message;
      for (let next = this.scans.get(this.scansApplied); next?.scanned; next = this.scans.get(this.scansApplied)) {
        this.scans.delete(this.scansApplied++);
        try {
          next.apply(next.scanned as never);
        } catch (error) {
          this.failure ??= error;
        }
      }
      this.wakeUp();
      return;
    }
    if (message.type === 'progress') {
      this.processed += message.count;
      return;
    }
    if (message.type === 'records') {
      link.returned.push(message.records);
      this.drainStripes();
      return;
    }
    if (message.type === 'stripesDone') {
      if (message.stopped) this.stopped = true;
      this.stripes!.done++;
      this.wakeUp();
      return;
    }
    link.inflight--;
    this.processed += message.count;
    if (message.stopped) this.stopped = true;
    else if (message.records) {
      link.returned.push(message.records);
      this.drain();
    }
    this.wakeUp();
  }

  /** --ordered: write every record whose turn has come. */
  private drain(): void {
    const writer = this.context.writer!;
    while (this.head < this.order.length) {
      const link = this.links[this.order[this.head]!]!;
      const batch = link.returned[0];
      if (!batch) break;
      const line = batch[link.cursor++]!;
      if (link.cursor === batch.length) {
        link.returned.shift();
        link.cursor = 0;
      }
      if (line) writer.add(line);
      this.head++;
    }
    if (this.head > 1 << 16) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  private post(link: Link): void {
    if (link.numbers.length === 0) return;
    const message: ToWorker = { type: 'batch', numbers: link.numbers, raws: link.raws, clocks: link.clocks };
    link.port.postMessage(message);
    link.inflight++;
    link.numbers = [];
    link.raws = [];
    link.clocks = [];
  }

  /** Second pass: queue a record for its worker; a promise when the reader should wait. */
  dispatch(worker: number, record: RawRecord, clock: number | undefined): void | Promise<void> {
    if (this.failure) throw this.failure;
    const link = this.links[worker]!;
    link.numbers.push(record.number);
    link.raws.push(record.raw!);
    link.clocks.push(clock ?? NaN);
    if (this.mode === 'return') this.order.push(worker);
    if (link.numbers.length < BATCH) return;
    this.post(link);
    if (link.inflight >= WINDOW) return this.waitFor(() => link.inflight < WINDOW || this.stopped);
  }

  async end(): Promise<WorkerResult[]> {
    for (const link of this.links) {
      this.post(link);
      link.port.postMessage({ type: 'end' } satisfies ToWorker);
    }
    const results = await Promise.all(this.links.map((link) => link.result));
    // Every batch's reply, which may arrive after the task's result.
    await this.waitFor(() => this.links.every((link) => link.inflight === 0));
    for (const link of this.links) link.port.close();
    if (this.mode === 'return') this.drain();
    if (this.mode === 'file') await this.context.writer!.replaceWith(this.links.map((_, worker) => this.partPath(worker)));
    return results;
  }

  async destroy(): Promise<void> {
    for (const link of this.links) link.port.close();
    await this.pool.destroy();
    // A run that failed leaves no worker files behind.
    if (this.mode === 'file') for (let worker = 0; worker < this.links.length; worker++) rmSync(this.partPath(worker), { force: true });
  }
}

export { InputChangedError };
