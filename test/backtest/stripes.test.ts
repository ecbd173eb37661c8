import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLines } from '../../src/backtest/lines.js';
import { readStripe, stripeCount } from '../../src/backtest/stripes.js';
import { tempDir } from './helpers.js';

const dir = tempDir('stripes');

async function linesOf(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of readLines(path)) out.push(...batch.map((line) => line.text));
  return out;
}

function stripesOf(path: string, size: number, bytes: number): string[] {
  const fd = openSync(path, 'r');
  try {
    return Array.from({ length: stripeCount(size, bytes) }, (_, index) => readStripe(fd, size, index, bytes)).flat();
  } finally {
    closeSync(fd);
  }
}

describe('JSONL stripes', () => {
  it('cut anywhere, the stripes hold the lines readLines reads, each once, in order', async () => {
    const line = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constant(''),
      fc.constant('{"a":"é€😀"}'),
      fc.string({ maxLength: 3 }).map((text) => `${text}\r`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 40 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.integer({ min: 1, max: 64 }),
        async (lines, eol, closed, bytes) => {
          const text = lines.map((entry) => entry.replace(/\n/g, '')).join(eol) + (closed && lines.length > 0 ? eol : '');
          const path = join(dir, 'lines.jsonl');
          writeFileSync(path, text);
          const size = Buffer.byteLength(text);
          expect(stripesOf(path, size, bytes)).toEqual(await linesOf(path));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a line longer than a stripe belongs to the stripe it starts in', () => {
    const path = join(dir, 'long.jsonl');
    const long = 'x'.repeat(5000);
    writeFileSync(path, `a\n${long}\nb\n\nc`);
    const size = 2 + 5001 + 2 + 1 + 1;
    expect(stripesOf(path, size, 64)).toEqual(['a', long, 'b', '', 'c']);
    const fd = openSync(path, 'r');
    expect(readStripe(fd, size, 1, 64)).toEqual([]); // inside the long line
    closeSync(fd);
  });
});
