import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const backtest = fileURLToPath(new URL('../../src/backtest/', import.meta.url));

describe('src/backtest', () => {
  it('imports nothing from src/simulate: the simulator reaches a backtest only as evidence its caller hands in', () => {
    const files = readdirSync(backtest).filter((name) => /\.(ts|mjs)$/.test(name));
    expect(files.length).toBeGreaterThan(5);
    const offending = files.flatMap((name) =>
      [...readFileSync(join(backtest, name), 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)]
        .filter((match) => match[1]!.includes('simulate/'))
        .map((match) => `${name}: ${match[1]}`),
    );
    expect(offending).toEqual([]);
  });
});
