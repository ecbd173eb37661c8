import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateJsonl, type SimulateOptions } from '../../src/simulate/generator.js';

/** The whole simulated stream as one string (small runs only). */
export async function simulateText(options: SimulateOptions): Promise<string> {
  let text = '';
  for await (const batch of simulateJsonl(options)) text += batch;
  return text;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `rng-${prefix}-`));
}

/** Simulate to a file in a fresh temp dir; returns the path. */
export async function simulateFile(options: SimulateOptions, name = 'events.jsonl'): Promise<string> {
  const path = join(tempDir('sim'), name);
  writeFileSync(path, await simulateText(options));
  return path;
}
