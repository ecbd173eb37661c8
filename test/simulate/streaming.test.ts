import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

/** Runs the generator in a child with a small heap limit and forced collections. */
function generate(accounts: number, tmp: string): { lines: number; bytes: number; peak: number } {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=256', '--import', 'tsx', 'test/simulate/fixtures/stream-child.ts', String(accounts), tmp],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  );
  if (child.status !== 0) throw new Error(`generator child failed (${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout) as { lines: number; bytes: number; peak: number };
}

describe('simulate: streaming', () => {
  it('heap stays bounded from 2,000 to 20,000 accounts and the chunk files are removed', () => {
    const tmp = tempDir('stream');
    const small = generate(2_000, tmp);
    const large = generate(20_000, tmp);
    // ~460k events and ~400 MB of JSON went through a process limited to 256 MB of heap.
    expect(large.lines).toBeGreaterThan(9 * small.lines);
    expect(large.bytes).toBeGreaterThan(300e6);
    // Ten times the accounts, about the same live heap: one chunk plus one read buffer per chunk.
    expect(large.peak).toBeLessThan(small.peak * 2 + 20e6);
    expect(large.peak).toBeLessThan(80e6);
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);
});
