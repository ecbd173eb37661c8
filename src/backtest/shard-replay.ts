/**
 * One shard's replay: decides the events it is given, in input order, with its own replayer (its
 * own in-memory history) and its own summary counts. The single-threaded backtest is one shard
 * that is given every event; a worker thread or a `--shard k/n` run is one that is given its
 * groups' events (see shard.ts) with the whole input's clock.
 */
import { InvalidInputError } from '../errors/invalid-input-error.js';
import type { Decision, PresetName } from '../types/index.js';
import { ReplayInputError, type ReplayEvent, type Replayer } from './replay.js';
import { SummaryBuilder, type SummaryState } from './summary.js';
import { MalformedLineError } from '../errors/malformed-line-error.js';

export interface MalformedSample {
  number: number;
  message: string;
}

/** Malformed records: counted, the first 100 kept for summary.json, the first few logged. */
export class Rejections {
  count = 0;
  readonly samples: MalformedSample[] = [];

  constructor(
    private readonly unit: 'line' | 'row',
    private readonly strict: boolean,
    private readonly log: (message: string) => void,
    private readonly maxMessages: number,
  ) {}

  reject(number: number, reason: string): void {
    if (this.strict) throw new MalformedLineError(number, reason, this.unit);
    this.count++;
    const message = `${this.unit} ${number}: ${reason}`;
    if (this.samples.length < 100) this.samples.push({ number, message });
    if (this.count <= this.maxMessages) this.log(`${message} (skipped)`);
    else if (this.count === this.maxMessages + 1) this.log(`... more malformed ${this.unit}s; the count is in summary.json`);
  }
}

/** Six significant digits (risks and effects lie in [-1, 1]); `toPrecision` costs more than the rest of a record. */
function round(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const scale = 10 ** (5 - Math.floor(Math.log10(Math.abs(x))));
  return Number.isFinite(scale) ? Math.round(x * scale) / scale : Number(x.toPrecision(6));
}

/** One line of decisions.jsonl; `unit` names the number (`line`, or `row` for Parquet). */
export function decisionRecord(unit: 'line' | 'row', number: number, event: ReplayEvent, decision: Decision): string {
  const record: Record<string, unknown> = {
    [unit]: number,
    accountId: decision.accountId,
    at: decision.at,
    action: decision.action,
    wouldBe: decision.wouldBe,
    risk: round(decision.risk),
    numberChangedHands: decision.numberChangedHands,
    reasons: decision.reasons.filter((reason) => reason.effect !== 0).map((reason) => ({ code: reason.code, effect: round(reason.effect) })),
  };
  if (event.label)
    record.label = {
      isTakeover: event.label.isTakeover,
      ...(event.label.scenario ? { scenario: event.label.scenario } : {}),
      ...(event.label.actor ? { actor: event.label.actor } : {}),
    };
  if (event.warmup) record.warmup = true;
  return `${JSON.stringify(record)}\n`;
}

/** What a shard hands back when its events are done. */
export interface ShardResult {
  summary: SummaryState;
  malformed: number;
  samples: MalformedSample[];
  outOfOrder: number;
}

export class ShardReplay {
  readonly summary: SummaryBuilder;
  outOfOrder = 0;

  constructor(
    private readonly replayer: Replayer,
    preset: PresetName,
    private readonly unit: 'line' | 'row',
    readonly rejections: Rejections,
    /** Build decisions.jsonl records (false when nothing is written). */
    private readonly records = true,
  ) {
    this.summary = new SummaryBuilder(preset);
  }

  /**
   * Decide one event; its decisions.jsonl record, or undefined when the guard rejects it (counted).
   * `clock`: the whole input's latest event time up to this one (a shard sees only its own events).
   */
  decide(number: number, event: ReplayEvent, at: number, clock = Math.max(at, this.replayer.now)): string | undefined | Promise<string | undefined> {
    const late = at < clock - 1000;
    let decided: Decision | Promise<Decision>;
    try {
      decided = this.replayer.assess(event, at, clock);
    } catch (error) {
      return this.rejected(number, error);
    }
    // Synchronous but for the first geoip-lite lookup: no promise per line.
    if (decided instanceof Promise) {
      return decided.then(
        (decision) => this.learn(number, event, decision, late),
        (error: unknown) => this.rejected(number, error),
      );
    }
    return this.learn(number, event, decided, late);
  }

  private learn(number: number, event: ReplayEvent, decision: Decision, late: boolean): string {
    if (late) this.outOfOrder++;
    this.summary.add(event, decision);
    return this.records ? decisionRecord(this.unit, number, event, decision) : '';
  }

  private rejected(number: number, error: unknown): undefined {
    if (error instanceof InvalidInputError) {
      this.rejections.reject(number, `invalid attempt: ${error.issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`);
      return undefined;
    }
    if (error instanceof ReplayInputError) {
      this.rejections.reject(number, error.message);
      return undefined;
    }
    throw error;
  }

  result(): ShardResult {
    return { summary: this.summary.state(), malformed: this.rejections.count, samples: this.rejections.samples, outOfOrder: this.outOfOrder };
  }
}

export { MalformedLineError };
