/**
 * The layering rules of .dependency-cruiser.cjs (run by `npm run lint`) hold on src/, and they
 * bite: on a fixture with an upward import and a cycle, the same configuration reports both.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/layering/', import.meta.url));
const depcruise = `${repo}node_modules/dependency-cruiser/bin/dependency-cruise.mjs`;

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function cruise(cwd: string, target: string, tsConfig: string): Violation[] {
  const run = spawnSync(process.execPath, [depcruise, target, '--config', `${repo}.dependency-cruiser.cjs`, '--ts-config', tsConfig, '--output-type', 'json'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (!run.stdout) throw new Error(`dependency-cruiser did not run: ${run.stderr}`);
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('layers', () => {
  it('src/ has no upward import and no cycle', () => {
    expect(cruise(repo, 'src', 'tsconfig.json')).toEqual([]);
  });

  it('an upward import and a cycle are both reported', () => {
    const violations = cruise(fixture, 'src', 'tsconfig.json');
    const found = violations.map((violation) => `${violation.rule.name}: ${violation.from} -> ${violation.to}`);
    expect(found).toContain('layers-do-not-reach-the-guard: src/core/upward.ts -> src/guard/wire.ts');
    expect(found.some((line) => line.startsWith('no-circular: src/util/p'))).toBe(true);
    expect(found.some((line) => line.includes('src/core/clean.ts'))).toBe(false);
  });
});
