import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BacktestSummary } from '../../src/backtest/summary.js';

export { tempDir } from '../simulate/helpers.js';

/** The CLI from its sources, as `recycled-number-guard ...` would run. */
export function cli(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    ...(options.env ? { env: options.env } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** summary.json without its timing fields (the only fields allowed to differ between runs). */
export function summaryWithoutTiming(dir: string): Omit<BacktestSummary, 'durationMs' | 'eventsPerSecond'> {
  const {
    durationMs: _durationMs,
    eventsPerSecond: _eventsPerSecond,
    ...rest
  } = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as BacktestSummary;
  return rest;
}

export const decisions = (dir: string) => readFileSync(join(dir, 'decisions.jsonl'), 'utf8');
