import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// These tests load the BUILT package through Node's own resolution (package self-reference via
// "exports"), the way a host's `import` and `require` will. CI builds before testing.
const root = fileURLToPath(new URL('../..', import.meta.url));
const built = existsSync(`${root}/dist/index.js`) && existsSync(`${root}/dist/index.cjs`);
if (!built && process.env.CI) throw new Error('dist/ is missing: CI must run `npm run build` before `npm test`');

const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 30_000 });

const ATTEMPT = `{ accountId: 'u-1', phone: '+8613800138000', phoneBoundAt: '2022-11-02T08:00:00Z', ip: '203.0.113.7', at: '2026-01-10T09:30:00Z' }`;

describe.skipIf(!built)('the built package (dist/)', () => {
  it('works with import (ESM)', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { createGuard, InvalidInputError } from 'recycled-number-guard';
       const guard = createGuard({ geo: false, clock: () => Date.parse('2026-01-10T09:30:00Z') });
       const d = await guard.assess(${ATTEMPT});
       let invalid = false;
       try { await guard.assess({}); } catch (e) { invalid = e instanceof InvalidInputError; }
       console.log(JSON.stringify({ action: d.action, invalid }));`,
    ]);
    expect(JSON.parse(out)).toEqual({ action: 'step_up', invalid: true });
  });

  it('works with require (CJS) and loads no heavy dependency at import (geoip-lite, zod, libphonenumber-js, ua-parser-js, ioredis, pg)', () => {
    const out = node([
      '-e',
      `const { createGuard } = require('recycled-number-guard');
       const loaded = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](geoip-lite|ioredis|pg|zod|libphonenumber-js|ua-parser-js)[\\\\/]/.test(k));
       createGuard({ geo: false, clock: () => Date.parse('2026-01-10T09:30:00Z') }).assess(${ATTEMPT})
         .then((d) => console.log(JSON.stringify({ action: d.action, loaded })));`,
    ]);
    expect(JSON.parse(out)).toEqual({ action: 'step_up', loaded: [] });
  });

  it('the library never reaches the backtest\'s dependencies (tinypool, csv-parse, hyparquet), in either build', () => {
    // Follow every relative import from the library's entries through the chunks they load.
    const reached = (entry: string) => {
      const seen = new Set<string>();
      const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        const text = readFileSync(join(root, 'dist', file), 'utf8');
        for (const match of text.matchAll(/(?:from |import |import\(|require\()\s*["']\.\/([^"']+)["']/g)) visit(match[1]!);
      };
      visit(entry);
      return [...seen];
    };
    for (const entry of ['index.js', 'index.cjs', 'http.js', 'testing.js', 'redis.js', 'postgres.js']) {
      const files = reached(entry);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(readFileSync(join(root, 'dist', file), 'utf8'), `${entry} -> ${file}`).not.toMatch(/["'](tinypool|csv-parse|hyparquet)["']/);
    }
    expect(readFileSync(join(root, 'dist', 'cli.js'), 'utf8') + reached('cli.js').map((file) => readFileSync(join(root, 'dist', file), 'utf8')).join('')).toMatch(/import\("tinypool"\)/);
  });

  it('ships a working CLI', () => {
    const out = node([`${root}/dist/cli.js`, 'demo']);
    expect(out).toMatch(/^scenario\s+action\s+risk/);
    expect(out).toMatch(/offer_new_account/);
  });

  it('ships the backtest worker next to the CLI: --workers 2 decides as --workers 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rng-dist-'));
    writeFileSync(join(dir, 'events.jsonl'), node([`${root}/dist/cli.js`, 'simulate', '--profile', 'cn', '--accounts', '60', '--seed', '2']));
    for (const workers of ['1', '2']) node([`${root}/dist/cli.js`, 'backtest', join(dir, 'events.jsonl'), '--workers', workers, '--ordered', '--out', join(dir, workers)]);
    const decisions = (name: string) => readFileSync(join(dir, name, 'decisions.jsonl'), 'utf8');
    expect(decisions('1').length).toBeGreaterThan(1000);
    expect(decisions('2')).toBe(decisions('1'));
  });
});
