/**
 * A worker thread of `backtest --workers N`, run through tinypool as one long task fed through its
 * own MessagePort (see run.ts). It does two jobs, one per pass over the input:
 *
 * 1. `scan`: decode a batch of raw records for the first pass, returning each one's status, time,
 *    account and number key, so the threads share the parsing while the main thread joins groups.
 * 2. after `start`: one shard's replay (shard-replay.ts). The main thread sends this shard's raw
 *    records in input order, each with the whole input's clock; the worker decides them, writes or
 *    returns their decisions.jsonl records, and returns its summary counts at `end`.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import { createDecoder, type Decoded, type DecoderSpec } from './input.js';
import { replayerFor, type ReplaySetup } from './setup.js';
import { KeyDictionary, NumberKeys, SCAN_BLANK, SCAN_UNREADABLE, scanBatch, type ScanResult } from './shard.js';
import { openStripes, type StripeReader, type StripeSource } from './stripes.js';
import { MalformedLineError, Rejections, ShardReplay, type ShardResult } from './shard-replay.js';

export interface ShardTask {
  port: MessagePort;
  unit: 'line' | 'row';
  strict: boolean;
  maxMessages: number;
  /** `return`: records go back with each batch (--ordered); `file`: appended to `partPath`; `none`: not built. */
  records: 'return' | 'file' | 'none';
  partPath?: string;
}

export type ToWorker =
  | { type: 'scan'; id: number; spec: DecoderSpec; raws: (string | unknown[] | null)[] }
  | { type: 'scanStripe'; id: number; spec: DecoderSpec; source: StripeSource }
  | ({ type: 'runStripes'; setup: ReplaySetup; spec: DecoderSpec; worker: number } & StripeRun)
  | { type: 'start'; setup: ReplaySetup; spec: DecoderSpec }
  | { type: 'batch'; numbers: number[]; raws: (string | unknown[])[]; clocks: number[] }
  | { type: 'end' };

/** Second pass over a file's stripes: which worker decides each record, and with what clock. */
export interface StripeRun {
  source: StripeSource;
  /** Per stripe, the number of lines before it. */
  bases: Float64Array;
  /** Per line (0-based), the worker that decides it; 255: none (blank, unreadable, another machine's). */
  assign: SharedArrayBuffer;
  /** Lines earlier than one before them, and their clock. */
  lateLines: Float64Array;
  lateClocks: Float64Array;
  /** --strict: no line from this one on (the first that does not parse). */
  stopBefore: number;
}

export type FromWorker =
  | ({ type: 'scanned'; id: number } & ScanResult)
  | {
      type: 'scannedStripe';
      id: number;
      status: Uint8Array;
      at: Float64Array;
      accountIds: Int32Array;
      numberIds: Int32Array;
      newAccounts: string[];
      newNumbers: string[];
      errors: [number, string][];
      /** The stripe's first readable record, raw: the first of the file picks the replay's setup. */
      firstRaw?: string | unknown[];
    }
  | { type: 'records'; records: string[] }
  | { type: 'progress'; count: number }
  | { type: 'stripesDone'; stopped?: true }
  | { type: 'done'; count: number; records?: string[]; stopped?: true }
  | { type: 'log'; message: string };

export interface WorkerResult extends Omit<ShardResult, 'summary'> {
  /** Absent when the input had no event (the replay never started). */
  summary?: ShardResult['summary'];
  /** --strict: the first malformed record this shard met; it decided nothing after it. */
  stopped?: { number: number; reason: string };
}

export default function backtestShard(task: ShardTask): Promise<WorkerResult> {
  const { port } = task;
  const rejections = new Rejections(task.unit, task.strict, (message) => port.postMessage({ type: 'log', message } satisfies FromWorker), task.maxMessages);
  let decode: ((raw: string | unknown[]) => Decoded) | undefined;
  let keys: NumberKeys | undefined;
  let shard: ShardReplay | undefined;
  let fdOut: number | undefined;
  let stopped: WorkerResult['stopped'];
  const queue: ToWorker[] = [];
  let running = false;

  return new Promise<WorkerResult>((resolve, reject) => {
    // The port stays open: the main thread closes it once every reply has arrived (messages on it
    // and the task's result travel separately, in no fixed order).
    const finish = () => {
      if (fdOut !== undefined) closeSync(fdOut);
      stripeReader?.reader.close();
      const result: WorkerResult = shard?.result() ?? { malformed: 0, samples: [], outOfOrder: 0 };
      resolve({ ...result, ...(stopped ? { stopped } : {}) });
    };

    function scan(message: Extract<ToWorker, { type: 'scan' }>): void {
      decode ??= createDecoder(message.spec);
      keys ??= new NumberKeys(undefined);
      const result = scanBatch(message.raws, decode, keys);
      port.postMessage({ type: 'scanned', id: message.id, ...result } satisfies FromWorker, [
        result.status.buffer as ArrayBuffer,
        result.at.buffer as ArrayBuffer,
      ]);
    }

    let stripeReader: { path: string; reader: StripeReader } | undefined;
    const stripesOf = async (source: StripeSource) => {
      if (stripeReader?.path !== source.path) {
        stripeReader?.reader.close();
        stripeReader = { path: source.path, reader: await openStripes(source) };
      }
      return stripeReader.reader;
    };

    const accountDictionary = new KeyDictionary();
    const numberDictionary = new KeyDictionary();

    /** First pass over a stripe: per record its status, time and account and number ids (-1: none). */
    async function scanStripe(message: Extract<ToWorker, { type: 'scanStripe' }>): Promise<void> {
      decode ??= createDecoder(message.spec);
      keys ??= new NumberKeys(undefined);
      const stripe = await (await stripesOf(message.source)).read(message.id);
      const status = new Uint8Array(stripe.length);
      const at = new Float64Array(stripe.length);
      const accountIds = new Int32Array(stripe.length).fill(-1);
      const numberIds = new Int32Array(stripe.length).fill(-1);
      const errors: [number, string][] = [];
      let firstRaw: string | unknown[] | undefined;
      for (let i = 0; i < stripe.length; i++) {
        const raw = stripe.raw(i);
        const decoded = decode(raw);
        if (!decoded.event) {
          status[i] = decoded.blank ? SCAN_BLANK : SCAN_UNREADABLE;
          if (decoded.error !== undefined) errors.push([i, decoded.error]);
          continue;
        }
        firstRaw ??= raw;
        at[i] = decoded.at;
        accountIds[i] = accountDictionary.id(typeof decoded.event.accountId === 'string' ? decoded.event.accountId : '');
        const e164 = keys.of(decoded.event);
        if (e164 !== '') numberIds[i] = numberDictionary.id(e164);
      }
      const reply: FromWorker = {
        type: 'scannedStripe',
        id: message.id,
        status,
        at,
        accountIds,
        numberIds,
        newAccounts: accountDictionary.take(),
        newNumbers: numberDictionary.take(),
        errors,
        ...(firstRaw !== undefined ? { firstRaw } : {}),
      };
      port.postMessage(reply, [status.buffer, at.buffer, accountIds.buffer, numberIds.buffer]);
    }

    /** Every stripe in turn, deciding this worker's records; replies with progress and (--ordered) records. */
    async function runStripes(message: Extract<ToWorker, { type: 'runStripes' }>): Promise<void> {
      await start({ type: 'start', setup: message.setup, spec: message.spec });
      const assign = new Uint8Array(message.assign);
      const late = new Map<number, number>();
      message.lateLines.forEach((line, i) => late.set(line, message.lateClocks[i]!));
      const reader = await stripesOf(message.source);
      const stripes = message.bases.length;
      let records: string[] = [];
      let written: string[] = [];
      let done = 0;
      const flush = () => {
        if (task.records === 'return' && records.length > 0) port.postMessage({ type: 'records', records } satisfies FromWorker);
        if (fdOut !== undefined && written.length > 0) writeSync(fdOut, written.join(''));
        port.postMessage({ type: 'progress', count: done } satisfies FromWorker);
        records = [];
        written = [];
        done = 0;
      };
      stripes: for (let index = 0; index < stripes; index++) {
        const base = message.bases[index]!;
        if (base >= message.stopBefore) break;
        // A stripe with none of this worker's records is not even read (a Parquet row group costs its decoding).
        const next = index + 1 < stripes ? message.bases[index + 1]! : assign.length;
        if (!assign.subarray(base, next).includes(message.worker)) continue;
        const stripe = await reader.read(index);
        for (let i = 0; i < stripe.length; i++) {
          const record = base + i;
          if (record >= message.stopBefore) break stripes;
          if (assign[record] !== message.worker) continue;
          done++;
          let line: string | undefined;
          try {
            const decoded = decode!(stripe.raw(i));
            if (decoded.event) {
              const decided = shard!.decide(record + 1, decoded.event, decoded.at, late.get(record));
              line = decided instanceof Promise ? await decided : decided;
            } else if (decoded.error !== undefined) {
              rejections.reject(record + 1, decoded.error);
            }
          } catch (error) {
            if (!(error instanceof MalformedLineError)) throw error;
            stopped = { number: record + 1, reason: error.reason };
            break stripes;
          }
          if (task.records === 'return') records.push(line ?? '');
          else if (line) written.push(line);
        }
        if (done >= 2000) flush();
      }
      flush();
      port.postMessage({ type: 'stripesDone', ...(stopped ? { stopped: true } : {}) } satisfies FromWorker);
    }

    async function start(message: Extract<ToWorker, { type: 'start' }>): Promise<void> {
      decode = createDecoder(message.spec);
      shard = new ShardReplay(await replayerFor(message.setup), message.setup.preset, task.unit, rejections, task.records !== 'none');
      if (task.records === 'file') fdOut = openSync(task.partPath!, 'w');
    }

    async function batch(message: Extract<ToWorker, { type: 'batch' }>): Promise<void> {
      const records: string[] = [];
      for (let i = 0; i < message.numbers.length && !stopped; i++) {
        const number = message.numbers[i]!;
        try {
          const decoded = decode!(message.raws[i]!);
          let record: string | undefined;
          if (decoded.event) {
            const clock = message.clocks[i]!;
            const decided = shard!.decide(number, decoded.event, decoded.at, Number.isNaN(clock) ? undefined : clock);
            record = decided instanceof Promise ? await decided : decided;
          } else if (decoded.error !== undefined) {
            rejections.reject(number, decoded.error);
          }
          records.push(record ?? '');
        } catch (error) {
          if (!(error instanceof MalformedLineError)) throw error;
          stopped = { number, reason: error.reason };
        }
      }
      if (fdOut !== undefined && records.length > 0) writeSync(fdOut, records.join(''));
      port.postMessage({
        type: 'done',
        count: message.numbers.length,
        ...(task.records === 'return' ? { records } : {}),
        ...(stopped ? { stopped: true } : {}),
      } satisfies FromWorker);
    }

    async function pump(): Promise<void> {
      if (running) return;
      running = true;
      try {
        for (let message = queue.shift(); message; message = queue.shift()) {
          if (message.type === 'end') return finish();
          if (message.type === 'scan') scan(message);
          else if (message.type === 'scanStripe') await scanStripe(message);
          else if (message.type === 'runStripes') await runStripes(message);
          else if (message.type === 'start') await start(message);
          else await batch(message);
        }
      } catch (error) {
        reject(error);
      } finally {
        running = false;
      }
    }

    port.on('message', (message: ToWorker) => {
      queue.push(message);
      void pump();
    });
  });
}
