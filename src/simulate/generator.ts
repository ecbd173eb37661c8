/**
 * The streaming generator: accounts are simulated a chunk at a time, each chunk's events sorted
 * and spilled to a temporary file, and the chunks merged by time. Memory is bounded by the chunk
 * size (plus one read buffer per chunk), not by the number of accounts; output is identical for
 * any chunk size, because the order is (time, account index, the account's own order) either way.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runContext, simulateAccount } from './account.js';
import { defaultConfig, type ProfileName, type SimConfig } from './config.js';
import type { SimEvent } from './events.js';

export interface SimulateOptions {
  profile: ProfileName;
  accounts: number;
  seed: number;
  /** Overrides of the frozen defaults (sweeps). */
  overrides?: Partial<SimConfig>;
  /** Accounts simulated per chunk before spilling to disk. */
  chunkAccounts?: number;
  /** Where the chunk files go (default: the OS temp dir). */
  tmpDir?: string;
  /** Lines per yielded batch. */
  batchLines?: number;
}

export function simulationConfig(options: Pick<SimulateOptions, 'profile' | 'accounts' | 'seed' | 'overrides'> & Partial<SimulateOptions>): SimConfig {
  return {
    ...defaultConfig(options.profile, options.accounts, options.seed),
    ...options.overrides,
    profile: options.profile,
    accounts: options.accounts,
    seed: options.seed,
  };
}

interface Keyed {
  at: number;
  line: string;
}

function chunkLines(config: SimConfig, from: number, to: number): Keyed[] {
  const ctx = runContext(config);
  const out: Keyed[] = [];
  for (let index = from; index < to; index++) {
    for (const event of simulateAccount(ctx, index)) out.push({ at: Date.parse(event.at), line: JSON.stringify(event) });
  }
  // Array.prototype.sort is stable: ties keep account order, then each account's own order.
  out.sort((a, b) => a.at - b.at);
  return out;
}

/** Reads one spilled chunk line by line with a fixed buffer. */
class ChunkReader {
  private readonly fd: number;
  // Small on purpose: one buffer per chunk is held during the merge.
  private readonly buffer = Buffer.allocUnsafe(1 << 16);
  private rest = '';
  private lines: string[] = [];
  private next = 0;
  private eof = false;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
  }

  /** The next line, or undefined at the end. */
  read(): string | undefined {
    while (this.next >= this.lines.length) {
      if (this.eof) return undefined;
      const bytes = readSync(this.fd, this.buffer, 0, this.buffer.length, null);
      if (bytes === 0) {
        this.eof = true;
        this.lines = this.rest ? [this.rest] : [];
        this.rest = '';
      } else {
        const text = this.rest + this.buffer.toString('utf8', 0, bytes);
        const parts = text.split('\n');
        this.rest = parts.pop()!;
        this.lines = parts;
      }
      this.next = 0;
    }
    return this.lines[this.next++];
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Binary min-heap of chunk heads ordered by (time, chunk index). */
class Heap {
  private readonly items: { at: number; chunk: number; line: string }[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: { at: number; chunk: number; line: string }): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): { at: number; chunk: number; line: string } {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && less(items[left]!, items[smallest]!)) smallest = left;
        if (right < items.length && less(items[right]!, items[smallest]!)) smallest = right;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest]!, items[i]!];
        i = smallest;
      }
    }
    return top;
  }
}

const less = (a: { at: number; chunk: number }, b: { at: number; chunk: number }) => a.at < b.at || (a.at === b.at && a.chunk < b.chunk);

/**
 * JSONL of the simulation in time order, in batches of lines (each line ends with "\n").
 * Deterministic: the same options give the same bytes.
 */
export async function* simulateJsonl(options: SimulateOptions): AsyncGenerator<string> {
  const config = simulationConfig(options);
  const chunk = Math.max(1, options.chunkAccounts ?? 1000);
  const batchLines = options.batchLines ?? 2000;
  if (config.accounts <= chunk) {
    const lines = chunkLines(config, 0, config.accounts);
    for (let i = 0; i < lines.length; i += batchLines) {
      yield lines
        .slice(i, i + batchLines)
        .map((keyed) => `${keyed.line}\n`)
        .join('');
    }
    return;
  }

  const dir = mkdtempSync(join(options.tmpDir ?? tmpdir(), 'rng-sim-'));
  const readers: ChunkReader[] = [];
  try {
    for (let from = 0, index = 0; from < config.accounts; from += chunk, index++) {
      const lines = chunkLines(config, from, Math.min(config.accounts, from + chunk));
      writeFileSync(join(dir, `chunk-${index}.jsonl`), lines.map((keyed) => `${keyed.at}\t${keyed.line}\n`).join(''));
      readers.push(new ChunkReader(join(dir, `chunk-${index}.jsonl`)));
      // Give the event loop a turn between chunks (progress output, signals).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const heap = new Heap();
    const pull = (chunkIndex: number) => {
      const raw = readers[chunkIndex]!.read();
      if (raw === undefined) return;
      const tab = raw.indexOf('\t');
      heap.push({ at: Number(raw.slice(0, tab)), chunk: chunkIndex, line: raw.slice(tab + 1) });
    };
    readers.forEach((_, chunkIndex) => pull(chunkIndex));
    let batch: string[] = [];
    while (heap.size > 0) {
      const top = heap.pop();
      batch.push(`${top.line}\n`);
      pull(top.chunk);
      if (batch.length >= batchLines) {
        yield batch.join('');
        batch = [];
      }
    }
    if (batch.length > 0) yield batch.join('');
  } finally {
    for (const reader of readers) reader.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same stream as parsed events (for the evaluation and tests). */
export async function* simulateEvents(options: SimulateOptions): AsyncGenerator<SimEvent> {
  for await (const batch of simulateJsonl(options)) {
    let start = 0;
    for (let end = batch.indexOf('\n'); end !== -1; start = end + 1, end = batch.indexOf('\n', start)) {
      yield JSON.parse(batch.slice(start, end)) as SimEvent;
    }
  }
}
