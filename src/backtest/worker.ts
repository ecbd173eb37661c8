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
import { NumberKeys, scanBatch, type ScanResult } from './shard.js';
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
  | { type: 'start'; setup: ReplaySetup; spec: DecoderSpec }
  | { type: 'batch'; numbers: number[]; raws: (string | unknown[])[]; clocks: number[] }
  | { type: 'end' };

export type FromWorker =
  | ({ type: 'scanned'; id: number } & ScanResult)
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
  let fd: number | undefined;
  let stopped: WorkerResult['stopped'];
  const queue: ToWorker[] = [];
  let running = false;

  return new Promise<WorkerResult>((resolve, reject) => {
    // The port stays open: the main thread closes it once every reply has arrived (messages on it
    // and the task's result travel separately, in no fixed order).
    const finish = () => {
      if (fd !== undefined) closeSync(fd);
      const result: WorkerResult = shard?.result() ?? { malformed: 0, samples: [], outOfOrder: 0 };
      resolve({ ...result, ...(stopped ? { stopped } : {}) });
    };

    function scan(message: Extract<ToWorker, { type: 'scan' }>): void {
      decode ??= createDecoder(message.spec);
      keys ??= new NumberKeys(undefined);
      const result = scanBatch(message.raws, decode, keys);
      port.postMessage({ type: 'scanned', id: message.id, ...result } satisfies FromWorker, [result.status.buffer as ArrayBuffer, result.at.buffer as ArrayBuffer]);
    }

    function start(message: Extract<ToWorker, { type: 'start' }>): void {
      decode = createDecoder(message.spec);
      shard = new ShardReplay(replayerFor(message.setup), message.setup.preset, task.unit, rejections, task.records !== 'none');
      if (task.records === 'file') fd = openSync(task.partPath!, 'w');
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
      if (fd !== undefined && records.length > 0) writeSync(fd, records.join(''));
      port.postMessage({ type: 'done', count: message.numbers.length, ...(task.records === 'return' ? { records } : {}), ...(stopped ? { stopped: true } : {}) } satisfies FromWorker);
    }

    async function pump(): Promise<void> {
      if (running) return;
      running = true;
      try {
        for (let message = queue.shift(); message; message = queue.shift()) {
          if (message.type === 'end') return finish();
          if (message.type === 'scan') scan(message);
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
