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
import { replayerFor, type ReplaySetup } from './run.js';
import { KeyDictionary, NumberKeys, SCAN_BLANK, SCAN_UNREADABLE, scanBatch, type ScanResult } from './shard.js';
import { readStripe, stripeLines } from './stripes.js';
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
  | { type: 'scanStripe'; id: number; spec: DecoderSpec; path: string; size: number }
  | ({ type: 'runStripes'; setup: ReplaySetup; spec: DecoderSpec; worker: number } & StripeRun)
  | { type: 'start'; setup: ReplaySetup; spec: DecoderSpec }
  | { type: 'batch'; numbers: number[]; raws: (string | unknown[])[]; clocks: number[] }
  | { type: 'end' };

/** Second pass over a JSONL file's stripes: which worker decides each line, and with what clock. */
export interface StripeRun {
  path: string;
  size: number;
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
  | { type: 'scannedStripe'; id: number; status: Uint8Array; at: Float64Array; accountIds: Int32Array; numberIds: Int32Array; newAccounts: string[]; newNumbers: string[]; errors: [number, string][]; firstText?: string }
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
      if (file) closeSync(file.fd);
      const result: WorkerResult = shard?.result() ?? { malformed: 0, samples: [], outOfOrder: 0 };
      resolve({ ...result, ...(stopped ? { stopped } : {}) });
    };

    function scan(message: Extract<ToWorker, { type: 'scan' }>): void {
      decode ??= createDecoder(message.spec);
      keys ??= new NumberKeys(undefined);
      const result = scanBatch(message.raws, decode, keys);
      port.postMessage({ type: 'scanned', id: message.id, ...result } satisfies FromWorker, [result.status.buffer as ArrayBuffer, result.at.buffer as ArrayBuffer]);
    }

    let file: { path: string; fd: number } | undefined;
    const fdOf = (path: string) => {
      if (file?.path !== path) file = { path, fd: openSync(path, 'r') };
      return file.fd;
    };

    const accountDictionary = new KeyDictionary();
    const numberDictionary = new KeyDictionary();

    /** First pass over a stripe: per line its status, time and account and number ids (-1: none). */
    function scanStripe(message: Extract<ToWorker, { type: 'scanStripe' }>): void {
      decode ??= createDecoder(message.spec);
      keys ??= new NumberKeys(undefined);
      const lines = readStripe(fdOf(message.path), message.size, message.id);
      const status = new Uint8Array(lines.length);
      const at = new Float64Array(lines.length);
      const accountIds = new Int32Array(lines.length).fill(-1);
      const numberIds = new Int32Array(lines.length).fill(-1);
      const errors: [number, string][] = [];
      let firstText: string | undefined;
      for (let i = 0; i < lines.length; i++) {
        const decoded = decode(lines[i]!);
        if (!decoded.event) {
          status[i] = decoded.blank ? SCAN_BLANK : SCAN_UNREADABLE;
          if (decoded.error !== undefined) errors.push([i, decoded.error]);
          continue;
        }
        firstText ??= lines[i];
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
        ...(firstText !== undefined ? { firstText } : {}),
      };
      port.postMessage(reply, [status.buffer, at.buffer, accountIds.buffer, numberIds.buffer]);
    }

    /** Every stripe in turn, deciding this worker's lines; replies with progress and (--ordered) records. */
    async function runStripes(message: Extract<ToWorker, { type: 'runStripes' }>): Promise<void> {
      start({ type: 'start', setup: message.setup, spec: message.spec });
      const assign = new Uint8Array(message.assign);
      const late = new Map<number, number>();
      message.lateLines.forEach((line, i) => late.set(line, message.lateClocks[i]!));
      const fd = fdOf(message.path);
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
      stripes: for (let stripe = 0; stripe < stripes; stripe++) {
        const base = message.bases[stripe]!;
        if (base >= message.stopBefore) break;
        const { buffer, starts, ends } = stripeLines(fd, message.size, stripe);
        for (let i = 0; i < starts.length; i++) {
          const index = base + i;
          if (index >= message.stopBefore) break stripes;
          if (assign[index] !== message.worker) continue;
          done++;
          let record: string | undefined;
          try {
            const decoded = decode!(buffer.toString('utf8', starts[i], ends[i]));
            if (decoded.event) {
              const decided = shard!.decide(index + 1, decoded.event, decoded.at, late.get(index));
              record = decided instanceof Promise ? await decided : decided;
            } else if (decoded.error !== undefined) {
              rejections.reject(index + 1, decoded.error);
            }
          } catch (error) {
            if (!(error instanceof MalformedLineError)) throw error;
            stopped = { number: index + 1, reason: error.reason };
            break stripes;
          }
          if (task.records === 'return') records.push(record ?? '');
          else if (record) written.push(record);
        }
        if (done >= 2000) flush();
      }
      flush();
      port.postMessage({ type: 'stripesDone', ...(stopped ? { stopped: true } : {}) } satisfies FromWorker);
    }

    function start(message: Extract<ToWorker, { type: 'start' }>): void {
      decode = createDecoder(message.spec);
      shard = new ShardReplay(replayerFor(message.setup), message.setup.preset, task.unit, rejections, task.records !== 'none');
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
      port.postMessage({ type: 'done', count: message.numbers.length, ...(task.records === 'return' ? { records } : {}), ...(stopped ? { stopped: true } : {}) } satisfies FromWorker);
    }

    async function pump(): Promise<void> {
      if (running) return;
      running = true;
      try {
        for (let message = queue.shift(); message; message = queue.shift()) {
          if (message.type === 'end') return finish();
          if (message.type === 'scan') scan(message);
          else if (message.type === 'scanStripe') scanStripe(message);
          else if (message.type === 'runStripes') await runStripes(message);
          else if (message.type === 'start') start(message);
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
