/**
 * A JSONL file cut into stripes of bytes that worker threads read themselves, so on every core
 * the main thread neither reads nor copies a line: a stripe owns the lines that start in it (a
 * line may end in the next stripe), and a line's number is the lines of the stripes before it plus
 * its place in its own. Lines are split as `readLines` splits them (a trailing "\r" dropped, a last
 * line without "\n" kept), and a line is decoded from its own bytes: "\n" never occurs inside a
 * UTF-8 sequence, so the text is the same.
 *
 * A Parquet file's stripes are its row groups.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parquetGroups } from './input.js';

export const STRIPE_BYTES = 1 << 20;

export function stripeCount(size: number, bytes = STRIPE_BYTES): number {
  return Math.ceil(size / bytes);
}

const NEWLINE = 10;
const RETURN = 13;

/** A stripe's bytes and where each of its lines starts and ends in them (the text decoded on demand). */
export interface Stripe {
  buffer: Buffer;
  starts: number[];
  ends: number[];
}

/** The lines that start in stripe `index` (of `bytes` each) of a file of `size` bytes open as `fd`. */
export function readStripe(fd: number, size: number, index: number, bytes = STRIPE_BYTES): string[] {
  const { buffer, starts, ends } = stripeLines(fd, size, index, bytes);
  return starts.map((start, line) => buffer.toString('utf8', start, ends[line]));
}

/** `readStripe` without decoding: a worker that decides a few of the lines decodes only those. */
export function stripeLines(fd: number, size: number, index: number, bytes = STRIPE_BYTES): Stripe {
  const starts: number[] = [];
  const ends: number[] = [];
  const start = index * bytes;
  const end = Math.min(start + bytes, size);
  if (start >= end) return { buffer: Buffer.alloc(0), starts, ends };
  // One byte before the stripe tells whether a line starts at its first byte.
  const from = Math.max(0, start - 1);
  let buffer = Buffer.allocUnsafe(end - from + 4096);
  let length = readSync(fd, buffer, 0, end - from, from);
  let first = 0;
  if (start > 0) {
    const newline = buffer.indexOf(NEWLINE, 0);
    if (newline === -1 || newline >= length) return { buffer, starts, ends };
    first = newline + 1;
    if (first >= end - from) return { buffer, starts, ends };
  }
  // The last line may run past the stripe: read on to its end.
  while (from + length < size && buffer.lastIndexOf(NEWLINE, length - 1) < end - from - 1) {
    if (length === buffer.length) {
      const grown = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    const read = readSync(fd, buffer, length, Math.min(buffer.length - length, size - from - length), from + length);
    if (read === 0) break;
    length += read;
  }
  const stop = end - from;
  let at = first;
  while (at < stop) {
    let newline = buffer.indexOf(NEWLINE, at);
    if (newline === -1 || newline >= length) newline = length;
    const close = newline > at && buffer[newline - 1] === RETURN ? newline - 1 : newline;
    // A last line without "\n" counts only when it has text (as readLines counts it).
    if (newline < length || close > at || buffer[newline - 1] === RETURN) {
      starts.push(at);
      ends.push(close);
    }
    at = newline + 1;
  }
  return { buffer, starts, ends };
}

/** Where a worker reads stripes from, as plain data. */
export type StripeSource = { format: 'jsonl'; path: string; size: number } | { format: 'parquet'; path: string };

export interface StripeReader {
  readonly count: number;
  /** A stripe's records: their number, and each one's raw form (decoded from its bytes on demand). */
  read(index: number): Promise<{ length: number; raw(record: number): string | unknown[] }> | { length: number; raw(record: number): string | unknown[] };
  close(): void;
}

export async function openStripes(source: StripeSource): Promise<StripeReader> {
  if (source.format === 'parquet') {
    const groups = await parquetGroups(source.path);
    return {
      count: groups.sizes.length,
      async read(index) {
        const rows = await groups.read(index);
        return { length: rows.length, raw: (record) => rows[record]! };
      },
      close() {},
    };
  }
  const fd = openSync(source.path, 'r');
  return {
    count: stripeCount(source.size),
    read(index) {
      const { buffer, starts, ends } = stripeLines(fd, source.size, index);
      return { length: starts.length, raw: (record) => buffer.toString('utf8', starts[record], ends[record]) };
    },
    close: () => closeSync(fd),
  };
}
