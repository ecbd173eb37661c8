/**
 * `backtest`: stream a JSONL file of attempts (the simulator's, or a host's own logs) through the
 * guard in event time and write decisions.jsonl, summary.json and report.html.
 */
import { createWriteStream, mkdirSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import type { Weights } from '../core/weights.js';
import { GENERATOR_VERSION, type EvidenceSignal } from '../simulate/config.js';
import { isSimulationIp, simulationGeo } from '../simulate/locations.js';
import type { Decision, GeoLookup, PresetName } from '../types.js';
import { readLines, type Line } from './lines.js';
import { Progress } from './progress.js';
import { createReplayer, eventTime, ReplayInputError, type ReplayEvent, type Replayer } from './replay.js';
import { renderReport } from './report.js';
import { SummaryBuilder, type BacktestSummary } from './summary.js';

export interface BacktestOptions {
  /** Path of the JSONL input, or "-" for stdin. */
  input: string;
  preset: PresetName;
  /** Output directory (created). Without it nothing is written; the summary is returned. */
  outDir?: string;
  /** Abort at the first malformed line instead of skipping it. */
  strict?: boolean;
  /** `auto`: the simulated carrier when lines carry `number` truth; `none`: no carrier evidence. */
  intel?: 'auto' | 'none';
  /** Answer every number as if its carrier offered this (ablations). */
  signal?: EvidenceSignal;
  /** `auto`: the simulator's table when the input is simulator output, else the guard's default. */
  geo?: 'auto' | 'sim' | 'none' | 'default';
  /** Progress bar on stderr: `auto` = when stderr is a TTY. */
  progress?: boolean | 'auto';
  replayOutcomes?: boolean;
  weights?: Partial<Weights>;
  stripDevice?: boolean;
  stripToken?: boolean;
  /** Where malformed-line messages go (default stderr); at most `maxMessages` are printed. */
  log?: (message: string) => void;
  maxMessages?: number;
}

export interface BacktestResult {
  summary: BacktestSummary;
  files: string[];
}

/** Thrown in --strict mode at the first malformed line. */
export class MalformedLineError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

interface Parsed {
  event?: ReplayEvent;
  /** The event's time, epoch ms. */
  at?: number;
  error?: string;
}

function parseLine(line: Line): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (error) {
    return { error: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'not a JSON object' };
  const record = value as Record<string, unknown>;
  if (record.label !== undefined) {
    const label = record.label as Record<string, unknown> | null;
    if (typeof label !== 'object' || label === null || typeof label.isTakeover !== 'boolean') return { error: '"label" must be an object with a boolean "isTakeover"' };
    if (label.scenario !== undefined && typeof label.scenario !== 'string') return { error: '"label.scenario" must be a string' };
  }
  try {
    return { event: record as unknown as ReplayEvent, at: eventTime(record) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

class LineWriter {
  private buffer: string[] = [];
  constructor(private readonly stream: WriteStream) {}

  /** Buffers a line; true when the buffer is full and should be flushed. */
  add(line: string): boolean {
    this.buffer.push(line);
    return this.buffer.length >= 1000;
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('');
    this.buffer = [];
    if (!this.stream.write(text)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}

/** Six significant digits (risks and effects lie in [-1, 1]); `toPrecision` costs more than the rest of a record. */
function round(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const scale = 10 ** (5 - Math.floor(Math.log10(Math.abs(x))));
  return Number.isFinite(scale) ? Math.round(x * scale) / scale : Number(x.toPrecision(6));
}

function decisionRecord(line: number, event: ReplayEvent, decision: Decision): string {
  const record: Record<string, unknown> = {
    line,
    accountId: decision.accountId,
    at: decision.at,
    action: decision.action,
    wouldBe: decision.wouldBe,
    risk: round(decision.risk),
    numberChangedHands: decision.numberChangedHands,
    reasons: decision.reasons.filter((reason) => reason.effect !== 0).map((reason) => ({ code: reason.code, effect: round(reason.effect) })),
  };
  if (event.label) record.label = { isTakeover: event.label.isTakeover, ...(event.label.scenario ? { scenario: event.label.scenario } : {}), ...(event.label.actor ? { actor: event.label.actor } : {}) };
  if (event.warmup) record.warmup = true;
  return `${JSON.stringify(record)}\n`;
}

export async function runBacktest(options: BacktestOptions): Promise<BacktestResult> {
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const maxMessages = options.maxMessages ?? 20;
  const started = performance.now();
  const totalBytes = options.input === '-' ? undefined : statSync(options.input).size;
  const showProgress = options.progress === 'auto' || options.progress === undefined ? Boolean(process.stderr.isTTY) : options.progress;
  const progress = showProgress ? new Progress(process.stderr, totalBytes) : undefined;

  const files: string[] = [];
  let writer: LineWriter | undefined;
  if (options.outDir) {
    mkdirSync(options.outDir, { recursive: true });
    const path = join(options.outDir, 'decisions.jsonl');
    writer = new LineWriter(createWriteStream(path));
    files.push(path);
  }

  const summary = new SummaryBuilder(options.preset);
  let replayer: Replayer | undefined;
  let geoName = 'none';
  let intelName = 'none';
  let lines = 0;
  let blankLines = 0;
  let malformed = 0;
  let outOfOrder = 0;
  let bytes = 0;
  const malformedSamples: string[] = [];

  const makeReplayer = (first: ReplayEvent): Replayer => {
    const simulated = first.number !== undefined || (first.label !== undefined && isSimulationIp(first.ip));
    const geoChoice = options.geo ?? 'auto';
    let geo: GeoLookup | false | undefined;
    if (geoChoice === 'none') geo = false;
    else if (geoChoice === 'sim' || (geoChoice === 'auto' && simulated)) geo = simulationGeo();
    else geo = undefined;
    geoName = geo === false ? 'none' : geo ? geo.name : 'guard default (geoip-lite)';
    const intel = (options.intel ?? 'auto') === 'none' || first.number === undefined ? 'none' : 'truth';
    intelName = intel === 'none' ? 'none' : `simulated carrier (${options.signal ?? 'per-number signal'})`;
    return createReplayer({
      preset: options.preset,
      geo,
      intel,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.weights ? { weights: options.weights } : {}),
      ...(options.stripDevice ? { stripDevice: true } : {}),
      ...(options.stripToken ? { stripToken: true } : {}),
      replayOutcomes: options.replayOutcomes ?? true,
    });
  };

  const reject = (line: number, reason: string) => {
    if (options.strict) throw new MalformedLineError(line, reason);
    malformed++;
    if (malformedSamples.length < 100) malformedSamples.push(`line ${line}: ${reason}`);
    if (malformed <= maxMessages) log(`line ${line}: ${reason} (skipped)`);
    else if (malformed === maxMessages + 1) log('... more malformed lines; the count is in summary.json');
  };

  try {
    for await (const batch of readLines(options.input, (read) => (bytes = read))) {
      for (const line of batch) {
        lines = line.number;
        if (line.text.trim() === '') {
          blankLines++;
          continue;
        }
        const parsed = parseLine(line);
        if (!parsed.event) {
          reject(line.number, parsed.error!);
          continue;
        }
        const event = parsed.event;
        replayer ??= makeReplayer(event);
        const at = parsed.at!;
        const late = at < replayer.now - 1000;
        let decision: Decision;
        try {
          const decided = replayer.assess(event, at);
          // Synchronous but for the first geoip-lite lookup: no promise per line.
          decision = decided instanceof Promise ? await decided : decided;
        } catch (error) {
          if (error instanceof InvalidInputError) {
            reject(line.number, `invalid attempt: ${error.issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`);
            continue;
          }
          if (error instanceof ReplayInputError) {
            reject(line.number, error.message);
            continue;
          }
          throw error;
        }
        if (late) outOfOrder++;
        summary.add(event, decision);
        if (writer && writer.add(decisionRecord(line.number, event, decision))) await writer.flush();
      }
      progress?.update(bytes, lines);
    }
  } finally {
    if (writer) await writer.close();
  }
  progress?.done(bytes, lines);

  const result = summary.build({
    generatedBy: `recycled-number-guard backtest (${GENERATOR_VERSION} aware)`,
    input: options.input,
    settings: {
      preset: options.preset,
      geo: geoName,
      intel: intelName,
      replayOutcomes: options.replayOutcomes ?? true,
      strict: Boolean(options.strict),
      ...(options.weights ? { weights: options.weights } : {}),
      ...(options.stripDevice ? { stripDevice: true } : {}),
      ...(options.stripToken ? { stripToken: true } : {}),
      ...(malformedSamples.length > 0 ? { malformedLines: malformedSamples } : {}),
    },
    lines,
    blankLines,
    malformed,
    outOfOrder,
    durationMs: Math.round(performance.now() - started),
  });
  if (outOfOrder > 0) log(`warning: ${outOfOrder} lines were earlier than a line before them; the guard's clock did not go back for them`);

  if (options.outDir) {
    const summaryPath = join(options.outDir, 'summary.json');
    writeFileSync(summaryPath, `${JSON.stringify(result, null, 2)}\n`);
    const reportPath = join(options.outDir, 'report.html');
    writeFileSync(reportPath, renderReport(result));
    files.push(summaryPath, reportPath);
  }
  return { summary: result, files };
}
