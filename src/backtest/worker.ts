/**
 * A worker thread of `backtest --workers N`: one shard's replay (shard-replay.ts). The main thread
 * reads the input and sends this shard's raw records in input order, each with the whole input's
 * clock; the worker decodes and decides them, writes or returns their decisions.jsonl records, and
 * returns its summary counts when the main thread says the input has ended.
 *
 * Run through tinypool (see run.ts): one long task per shard, fed through its own MessagePort.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import { createDecoder, type DecoderSpec } from './input.js';
import { replayerFor, type ReplaySetup } from './run.js';
import { MalformedLineError, Rejections, ShardReplay, type ShardResult } from './shard-replay.js';

export interface ShardTask {
  port: MessagePort;
  setup: ReplaySetup;
  decoder: DecoderSpec;
  unit: 'line' | 'row';
  strict: boolean;
  maxMessages: number;
  /** `return`: records go back with each batch (--ordered); `file`: appended to `partPath`; `none`: not built. */
  records: 'return' | 'file' | 'none';
  partPath?: string;
}

export type ToWorker = { type: 'batch'; numbers: number[]; raws: (string | unknown[])[]; clocks: number[] } | { type: 'end' };

export type FromWorker =
  | { type: 'done'; count: number; records?: string[]; stopped?: true }
  | { type: 'log'; message: string };

export interface WorkerResult extends ShardResult {
  /** --strict: the first malformed record this shard met; it decided nothing after it. */
  stopped?: { number: number; reason: string };
}

export default function backtestShard(task: ShardTask): Promise<WorkerResult> {
  const { port } = task;
  const decode = createDecoder(task.decoder);
  const rejections = new Rejections(task.unit, task.strict, (message) => port.postMessage({ type: 'log', message } satisfies FromWorker), task.maxMessages);
  const shard = new ShardReplay(replayerFor(task.setup), task.setup.preset, task.unit, rejections, task.records !== 'none');
  const fd = task.records === 'file' ? openSync(task.partPath!, 'w') : undefined;
  let stopped: WorkerResult['stopped'];
  const queue: ToWorker[] = [];
  let running = false;

  return new Promise<WorkerResult>((resolve, reject) => {
    const finish = () => {
      if (fd !== undefined) closeSync(fd);
      port.close();
      resolve({ ...shard.result(), ...(stopped ? { stopped } : {}) });
    };

    async function batch(message: Extract<ToWorker, { type: 'batch' }>): Promise<void> {
      const records: string[] = [];
      for (let i = 0; i < message.numbers.length && !stopped; i++) {
        const number = message.numbers[i]!;
        try {
          const decoded = decode(message.raws[i]!);
          let record: string | undefined;
          if (decoded.event) {
            const clock = message.clocks[i]!;
            const decided = shard.decide(number, decoded.event, decoded.at, Number.isNaN(clock) ? undefined : clock);
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
          await batch(message);
        }
      } catch (error) {
        port.close();
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
