// The package as a host gets it: `npm pack` (prepack builds dist/), the tarball installed into a
// scratch project with npm ci, then every entry point loaded from ESM and CommonJS, the CLI run from
// node_modules/.bin, and a strict `module: nodenext` consumer type-checked on TypeScript 5.x and on
// the newest TypeScript. Nothing here reads this repository's own dist/ or sources.
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typescriptBlocks } from '../docs/blocks.js';
import { installScratch } from './scratch.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };
const subpaths = Object.keys(manifest.exports).filter((key) => key !== './package.json');
const specifier = (subpath: string) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`);
// The budget of the package (issue: a package that installs). The CLI and the backtest worker share
// the library's ESM chunks, so the code ships once in ESM and once in CJS, minified with its names kept.
const MAX_PACKED_BYTES = 400_000;
/**
 * Every test here runs child processes (node over every entry point, tsc over the whole public
 * surface): 1-45 s each on a 2-core machine that other work keeps at a load average of 14.
 */
const CHILD_TIMEOUT_MS = 240_000;

const TYPESCRIPTS = [
  { label: 'TypeScript 5.x (the project’s own)', tsc: join(repo, 'node_modules/typescript/bin/tsc') },
  { label: 'the newest TypeScript', tsc: join(repo, 'test/package/typescript-latest/node_modules/typescript/bin/tsc') },
];

let work: string;
let consumer: string;
let tarball: string;
let files: string[];

const run = (command: string, args: string[], options: ExecFileSyncOptions = {}) =>
  execFileSync(command, args, { cwd: consumer, encoding: 'utf8', timeout: 200_000, stdio: 'pipe', ...options }) as string;
const node = (args: string[]) => run(process.execPath, args);

/** tsc's own output when it fails, so the assertion shows the diagnostics. */
function typecheck(tsc: string, args: string[]): string {
  try {
    run(process.execPath, [tsc, ...args]);
    return '';
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return `${failed.stdout ?? ''}${failed.stderr ?? ''}` || failed.message;
  }
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'rng-package-'));
  const packed = join(work, 'packed');
  consumer = join(work, 'consumer');
  mkdirSync(packed);
  mkdirSync(consumer);
  // prepack builds dist/ first: the tarball of a clean clone has the code.
  execFileSync('npm', ['pack', '--pack-destination', packed, '--loglevel=error'], { cwd: repo, stdio: 'pipe', timeout: 300_000 });
  tarball = join(packed, readdirSync(packed).find((name) => name.endsWith('.tgz'))!);
  files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
  installScratch({ repo, dir: consumer, tarball, alongside: ['ioredis', 'pg', '@types/pg', '@types/node', 'better-auth', '@opentelemetry/api'] });
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', { timeout: CHILD_TIMEOUT_MS }, () => {
  it(`ships dist/ with every entry point's JS and types, under ${MAX_PACKED_BYTES / 1000} kB packed`, () => {
    expect(statSync(tarball).size).toBeLessThan(MAX_PACKED_BYTES);
    for (const name of subpaths.map((subpath) => (subpath === '.' ? 'index' : subpath.slice(2)))) {
      for (const extension of ['.js', '.cjs', '.d.ts', '.d.cts']) expect(files).toContain(`package/dist/${name}${extension}`);
    }
    expect(files).toContain('package/dist/cli.js');
    expect(files).toEqual(expect.arrayContaining(['package/package.json', 'package/README.md', 'package/LICENSE']));
    // Nothing but the build and the three top-level files.
    expect(
      files.filter((file) => !file.startsWith('package/dist/') && !['package/package.json', 'package/README.md', 'package/LICENSE'].includes(file)),
    ).toEqual([]);
  });
});

describe('the installed package at run time', { timeout: CHILD_TIMEOUT_MS }, () => {
  it('every entry point loads from ESM and from CommonJS, with the same exports, none undefined', () => {
    const script = (kind: 'esm' | 'cjs') =>
      `const names = {};
       for (const id of ${JSON.stringify(subpaths.map(specifier))}) {
         const mod = ${kind === 'esm' ? 'await import(id)' : 'require(id)'};
         names[id] = Object.keys(mod).filter((key) => key !== '__esModule' && key !== 'default').sort().map((key) => key + ':' + typeof mod[key]);
       }
       console.log(JSON.stringify(names));`;
    const esm = JSON.parse(node(['--input-type=module', '-e', script('esm')])) as Record<string, string[]>;
    const cjs = JSON.parse(node(['--input-type=commonjs', '-e', script('cjs')])) as Record<string, string[]>;
    expect(Object.keys(esm)).toEqual(subpaths.map(specifier));
    expect(cjs).toEqual(esm);
    for (const [id, exported] of Object.entries(esm)) {
      expect(exported.length, `${id} exports something`).toBeGreaterThan(0);
      expect(
        exported.filter((entry) => entry.endsWith(':undefined')),
        id,
      ).toEqual([]);
    }
    expect(esm[manifest.name]).toEqual(expect.arrayContaining(['createGuard:function', 'memoryStore:function', 'REASON_CODES:object']));
  });

  const ATTEMPT = `{ accountId: 'u-1', phone: '+8613800138000', phoneBoundAt: '2022-11-02T08:00:00Z', ip: '203.0.113.7', at: '2026-01-10T09:30:00Z' }`;

  it('ESM: a guard decides, and bad input is an InvalidInputError', () => {
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

  it('CommonJS: a guard decides, and importing loads no heavy dependency (geoip-lite, zod, libphonenumber-js, ua-parser-js, ioredis, pg)', () => {
    const out = node([
      '--input-type=commonjs',
      '-e',
      `const { createGuard } = require('recycled-number-guard');
       const loaded = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](geoip-lite|ioredis|pg|zod|libphonenumber-js|ua-parser-js)[\\\\/]/.test(k));
       createGuard({ geo: false, clock: () => Date.parse('2026-01-10T09:30:00Z') }).assess(${ATTEMPT})
         .then((d) => console.log(JSON.stringify({ action: d.action, loaded })));`,
    ]);
    expect(JSON.parse(out)).toEqual({ action: 'step_up', loaded: [] });
  });

  it("no public entry point reaches tinypool, csv-parse or hyparquet: only the CLI's backtest loads them, when it runs", () => {
    const backtestOnly = /[\\/]node_modules[\\/](tinypool|csv-parse|hyparquet)[\\/]/;
    // ESM: a resolve hook (its own thread) refuses the three, so importing any of them fails loudly.
    const hook = `data:text/javascript,${encodeURIComponent(
      `export async function resolve(specifier, context, next) { const resolved = await next(specifier, context); if (${backtestOnly}.test(resolved.url)) throw new Error('loaded ' + resolved.url); return resolved; }`,
    )}`;
    const esm = node([
      '--input-type=module',
      '-e',
      `import { register } from 'node:module';
       register(${JSON.stringify(hook)});
       for (const id of ${JSON.stringify(subpaths.map(specifier))}) await import(id);
       let refused = false;
       try { await import('tinypool'); } catch (error) { refused = /loaded/.test(String(error)); }
       console.log(JSON.stringify({ refused }));`,
    ]);
    // The hook does refuse them: the entry points imported, and none of the three was reached.
    expect(JSON.parse(esm)).toEqual({ refused: true });
    const cjs = node([
      '--input-type=commonjs',
      '-e',
      `for (const id of ${JSON.stringify(subpaths.map(specifier))}) require(id);
       console.log(JSON.stringify(Object.keys(require.cache).filter((key) => ${backtestOnly}.test(key))));`,
    ]);
    expect(JSON.parse(cjs)).toEqual([]);
  });

  it("the backtest's worker threads run from the installed package: --workers 2 decides as --workers 1", () => {
    // The worker and the simulator's evidence ship next to the CLI, which loads them from there.
    expect(files).toEqual(expect.arrayContaining(['package/dist/cli.js', 'package/dist/backtest-worker.js', 'package/dist/sim-evidence.js']));
    const bin = join(consumer, 'node_modules/.bin/recycled-number-guard');
    writeFileSync(join(consumer, 'events.jsonl'), run(bin, ['simulate', '--profile', 'us', '--accounts', '60', '--seed', '3'], { maxBuffer: 64 << 20 }));
    const outputs = [1, 2].map((workers) => {
      const out = join(consumer, `backtest-${workers}`);
      run(bin, ['backtest', 'events.jsonl', '--workers', String(workers), '--ordered', '--out', out]);
      const {
        durationMs: _durationMs,
        eventsPerSecond: _eventsPerSecond,
        ...summary
      } = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
      return { summary, decisions: readFileSync(join(out, 'decisions.jsonl'), 'utf8') };
    });
    expect(outputs[0]!.summary).toMatchObject({ settings: { geo: 'simulation-table', intel: expect.stringContaining('simulated carrier') } });
    expect(outputs[0]!.decisions.split('\n').length).toBeGreaterThan(500);
    expect(outputs[1]).toEqual(outputs[0]);
  });

  it('the CLI runs from node_modules/.bin', () => {
    const out = run(join(consumer, 'node_modules/.bin/recycled-number-guard'), ['demo']);
    expect(out).toMatch(/^scenario\s+action\s+risk/);
    expect(out).toMatch(/offer_new_account/);
  });
});

describe('a strict TypeScript consumer (module: nodenext)', { timeout: CHILD_TIMEOUT_MS }, () => {
  /** One import of every value each entry point exports (createGuard among them), as a host writes them. */
  const consumerSource = (names: Record<string, string[]>, ids: string[]) =>
    ids
      .map((id, index) => {
        // Some classes are exported by two entry points: a prefix per entry point keeps the names apart.
        const local = names[id]!.map((name) => `${name} as e${index}_${name}`);
        return `import { ${local.join(', ')} } from '${id}';\nexport const used${index} = [${names[id]!.map((name) => `e${index}_${name}`).join(', ')}];`;
      })
      .join('\n');

  let names: Record<string, string[]>;
  beforeAll(() => {
    const listed = JSON.parse(
      node([
        '--input-type=module',
        '-e',
        `const names = {};
         for (const id of ${JSON.stringify(subpaths.map(specifier))}) names[id] = Object.keys(await import(id)).filter((key) => key !== 'default').sort();
         console.log(JSON.stringify(names));`,
      ]),
    ) as Record<string, string[]>;
    names = listed;
    const typed = `import type { Decision, GuardOptions, AttemptInput, Store, GeoLookup } from 'recycled-number-guard';
import type { DecisionBody } from 'recycled-number-guard/http';
import { createGuard } from 'recycled-number-guard';
const options: GuardOptions = { preset: 'fintech', checks: ['password'], hashKey: new Uint8Array(32) };
const guard = createGuard(options);
const attempt: AttemptInput = { accountId: 'a', phone: '+8613800138000', phoneBoundAt: '2022-01-01', ip: '203.0.113.7' };
export const decided: Promise<Decision> = guard.assess(attempt);
export const store: Store = guard.store;
export const geo: GeoLookup | false = false;
export type Body = DecisionBody;
`;
    // The better-auth subpaths name better-auth's types, whose own declarations need more than the
    // rest (below); every other entry point is checked without them.
    const everything = subpaths.map(specifier);
    const isBetterAuth = (id: string) => /\/better-auth(\/|$)/.test(id);
    const all = everything.filter((id) => !isBetterAuth(id));
    const betterAuthIds = everything.filter(isBetterAuth);
    const cjsSource = (ids: string[]) =>
      ids
        .map(
          (id) =>
            `import m${everything.indexOf(id)} = require('${id}');\nexport const r${everything.indexOf(id)} = m${everything.indexOf(id)}.${names[id]![0]};`,
        )
        .join('\n');
    writeFileSync(join(consumer, 'every-export.ts'), `${consumerSource(names, all)}\n${typed}`);
    writeFileSync(join(consumer, 'every-export.cts'), cjsSource(all));
    // A host's better-auth setup with the plugin; apart, the client inferring the plugin's endpoints.
    const serverIds = betterAuthIds.filter((id) => !id.endsWith('/client'));
    const clientIds = betterAuthIds.filter((id) => id.endsWith('/client'));
    writeFileSync(
      join(consumer, 'better-auth.ts'),
      `${consumerSource(names, serverIds)}
import { betterAuth } from 'better-auth';
import { phoneNumber } from 'better-auth/plugins';
import { createGuard } from 'recycled-number-guard';
import { recycledNumberGuard, type StepUpState } from 'recycled-number-guard/better-auth';
const guard = createGuard({ checks: ['password', 'face'] });
export const auth = betterAuth({ emailAndPassword: { enabled: true }, plugins: [phoneNumber({ sendOTP: () => {} }), recycledNumberGuard({ guard, deviceCookie: 'device', hostChecks: { face: async ({ proof }) => proof === 'ok' } })] });
export type State = StepUpState;
`,
    );
    writeFileSync(join(consumer, 'better-auth.cts'), cjsSource(serverIds));
    writeFileSync(
      join(consumer, 'better-auth-client.ts'),
      `${consumerSource(names, clientIds)}
import { createAuthClient } from 'better-auth/client';
import { recycledNumberGuardClient, type ClientStepUp } from 'recycled-number-guard/better-auth/client';
const client = createAuthClient({ plugins: [recycledNumberGuardClient()] });
export const passwordStepUp = (decisionId: string, password: string) => client.recycledNumberGuard.stepUp.password({ decisionId, password });
export const freshAccount = (decisionId: string) => client.recycledNumberGuard.freshAccount({ decisionId });
export const current: ClientStepUp | null = client.stepUp.current();
`,
    );
    writeFileSync(join(consumer, 'better-auth-client.cts'), cjsSource(clientIds));
    // better-auth's own declarations import 'bun:sqlite' and 'node:sqlite' (newer than @types/node
    // 20) and name 'node:async_hooks': with skipLibCheck off a host declares the first two.
    writeFileSync(
      join(consumer, 'better-auth-shims.d.ts'),
      `declare module 'bun:sqlite' { export class Database {} }\ndeclare module 'node:sqlite' { export class DatabaseSync {} }\n`,
    );
    // Entry points whose types name nothing from Node (camara and vonage take a node:crypto KeyObject;
    // redis and postgres name the ioredis and pg clients): they compile with no @types at all.
    const portable = all.filter((id) => !/\/(camara|vonage|redis|postgres)$/.test(id));
    writeFileSync(join(consumer, 'no-node-types.ts'), `${consumerSource(names, portable)}\n${typed}`);
    const base = {
      strict: true,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      noEmit: true,
      skipLibCheck: false,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
    };
    writeFileSync(
      join(consumer, 'tsconfig.node.json'),
      JSON.stringify({ compilerOptions: { ...base, types: ['node'] }, files: ['every-export.ts', 'every-export.cts'] }),
    );
    writeFileSync(join(consumer, 'tsconfig.bare.json'), JSON.stringify({ compilerOptions: { ...base, types: [] }, files: ['no-node-types.ts'] }));
    writeFileSync(
      join(consumer, 'tsconfig.better-auth.json'),
      JSON.stringify({ compilerOptions: { ...base, types: ['node'] }, files: ['better-auth-shims.d.ts', 'better-auth.ts', 'better-auth.cts'] }),
    );
    // better-auth's own client declarations fail exactOptionalPropertyTypes (config.d.mts: `window`
    // is `null | undefined` where better-fetch's option type says `null`), with or without this plugin.
    writeFileSync(
      join(consumer, 'tsconfig.better-auth-client.json'),
      JSON.stringify({
        compilerOptions: { ...base, exactOptionalPropertyTypes: false, types: ['node'] },
        files: ['better-auth-shims.d.ts', 'better-auth-client.ts', 'better-auth-client.cts'],
      }),
    );
  }, CHILD_TIMEOUT_MS);

  for (const { label, tsc } of TYPESCRIPTS) {
    it(
      `${label}: every export of every entry point from ESM and CommonJS, with @types/node, skipLibCheck off`,
      () => {
        expect(typecheck(tsc, ['-p', 'tsconfig.node.json'])).toBe('');
      },
      CHILD_TIMEOUT_MS,
    );

    it(
      `${label}: recycled-number-guard/better-auth with better-auth, from ESM and CommonJS, a host's setup, skipLibCheck off`,
      () => {
        expect(typecheck(tsc, ['-p', 'tsconfig.better-auth.json'])).toBe('');
      },
      CHILD_TIMEOUT_MS,
    );

    it(
      `${label}: recycled-number-guard/better-auth/client, the client inferring the plugin's endpoints, skipLibCheck off (exactOptionalPropertyTypes off, as better-auth's client needs)`,
      () => {
        expect(typecheck(tsc, ['-p', 'tsconfig.better-auth-client.json'])).toBe('');
      },
      CHILD_TIMEOUT_MS,
    );

    it(
      `${label}: the entry points that name nothing of Node's compile with no @types at all (no Buffer in public types)`,
      () => {
        expect(typecheck(tsc, ['-p', 'tsconfig.bare.json'])).toBe('');
      },
      CHILD_TIMEOUT_MS,
    );

    it(
      `${label}: README's "Use" block compiles as written, plus \`declare const req: any\`, under --strict --module nodenext --types node`,
      () => {
        const use = typescriptBlocks(repo, join(repo, 'README.md')).find((block) => block.heading === 'Use');
        expect(use, 'README.md has a ts block under "## Use"').toBeDefined();
        writeFileSync(join(consumer, 'readme-use.ts'), `declare const req: any;\n${use!.code}`);
        expect(typecheck(tsc, ['--strict', '--module', 'nodenext', '--types', 'node', '--noEmit', 'readme-use.ts'])).toBe('');
      },
      CHILD_TIMEOUT_MS,
    );
  }

  it('the tsc binaries are the versions the titles say', () => {
    const versions = TYPESCRIPTS.map(({ tsc }) => run(process.execPath, [tsc, '--version']).trim());
    expect(versions[0]).toMatch(/^Version 5\./);
    expect(Number(/^Version (\d+)\./.exec(versions[1]!)?.[1])).toBeGreaterThanOrEqual(Number(/^Version (\d+)\./.exec(versions[0]!)?.[1]));
  });
});
