/**
 * `recycled-number-guard deactivations`: a date range into a real Redis store, against the local
 * Twilio stand-in. It resumes where it stopped, does each day once, and shows progress on stderr.
 */
import { spawn } from 'node:child_process';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard } from 'recycled-number-guard';
import { postgresStore } from 'recycled-number-guard/postgres';
import { redisStore } from 'recycled-number-guard/redis';
import { services } from '../services.js';
import { tempDir } from '../simulate/helpers.js';
import { deleteRedisKeys, pgPool, redisClient, runId } from '../stores/helpers.js';
import { ACCOUNT, startDeactivationsServer, TOKEN, usNumber, type DeactivationsServer, type LinkAnswer } from './deactivations-server.js';

const HASH_KEY = 'deactivations-cli-key-0123456789';
const prefix = `${runId('deact')}:`;
// Made inside the groups that run: no client for a service that is not there.
let redis: Redis | undefined;
let pool: pg.Pool | undefined;
const pgSchema = `rng_${runId('deact')}`.toLowerCase();
const dir = tempDir('deactivations-cli');
const statePath = join(dir, 'state.json');

/** What each day serves; tests change it between runs. */
const days: Record<string, LinkAnswer> = {};
let server: DeactivationsServer;

beforeAll(async () => {
  server = await startDeactivationsServer((date) => days[date] ?? { kind: 'error', status: 404, body: { code: 20404, message: 'Not found', status: 404 } });
});
afterAll(async () => {
  await server.close();
  if (redis) {
    await deleteRedisKeys(redis, prefix);
    redis.disconnect();
  }
  if (pool) {
    await pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
    await pool.end();
  }
});

const numbers = (day: number, count: number) => Array.from({ length: count }, (_, i) => usNumber(day * 100_000 + i));
const served = (list: string[], extra: { cutAfter?: number } = {}): LinkAnswer => ({
  kind: 'file',
  file: { lines: list.length, line: (i) => list[i]!, ...extra },
});

function cli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'deactivations', ...args], {
    env: { ...process.env, TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: TOKEN, RECYCLED_NUMBER_GUARD_HASH_KEY: HASH_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

const range = (from: string, to: string, extra: string[] = []) => [
  '--from',
  from,
  '--to',
  to,
  '--state',
  statePath,
  '--redis',
  'redis://127.0.0.1:6379',
  '--redis-prefix',
  prefix,
  '--base-url',
  server.url,
  ...extra,
];
const fetchedDays = () => server.requests.filter((request) => request.path.startsWith('/v1/Deactivations')).map((request) => request.path.slice(-10));

describe.skipIf(!services().redis)('CLI: deactivations into Redis', () => {
  beforeAll(() => {
    redis = redisClient();
  });

  it('a range: a day cut short stops the run; the next run resumes there and skips the days done', async () => {
    days['2026-02-01'] = served(numbers(1, 1_500));
    days['2026-02-02'] = served(numbers(2, 3_000), { cutAfter: 1_000 });
    days['2026-02-03'] = served(numbers(3, 500));

    const first = await cli(range('2026-02-01', '2026-02-03'));
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('deactivations 2026-02-01: 1,500 numbers stored, 0 lines rejected');
    expect(first.stderr).toMatch(
      /deactivations 2026-02-02: The deactivations file for 2026-02-02 was cut short after [\d,]+ lines .* Run the same command again to resume from 2026-02-02\./,
    );
    expect(first.stdout).toBe('1 day(s) fetched: 1,500 lines, 1,500 numbers stored\n');
    expect(fetchedDays()).toEqual(['2026-02-01', '2026-02-02']);
    const afterFirst = JSON.parse(readFileSync(statePath, 'utf8'));
    expect(Object.keys(afterFirst.days)).toEqual(['2026-02-01']);
    expect(afterFirst.days['2026-02-01']).toMatchObject({ status: 'done', lines: 1_500, accepted: 1_500, rejected: 0 });

    days['2026-02-02'] = served(numbers(2, 3_000));
    const second = await cli(range('2026-02-01', '2026-02-03'));
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('deactivations 2026-02-01: already stored (1,500 numbers), skipped');
    expect(second.stderr).toContain('deactivations 2026-02-02: 3,000 numbers stored');
    expect(second.stderr).toContain('deactivations 2026-02-03: 500 numbers stored');
    expect(second.stdout).toBe('2 day(s) fetched: 3,500 lines, 3,500 numbers stored\n');
    expect(fetchedDays()).toEqual(['2026-02-01', '2026-02-02', '2026-02-02', '2026-02-03']);

    // Once per day: a third run asks Twilio for nothing.
    const third = await cli(range('2026-02-01', '2026-02-03'));
    expect(third.code).toBe(0);
    expect(third.stdout).toBe('0 day(s) fetched: 0 lines, 0 numbers stored\n');
    expect(fetchedDays()).toHaveLength(4);
    expect(existsSync(`${statePath}.${process.pid}.tmp`)).toBe(false);

    // The guard that serves logins, on the same store and key, sees the deactivations.
    const now = Date.parse('2026-03-01T10:00:00Z');
    const guard = createGuard({ store: redisStore({ client: redis!, prefix }), hashKey: HASH_KEY, geo: false, clock: () => now });
    const decision = await guard.assess({
      accountId: 'acct-cli',
      phone: numbers(2, 3_000)[2_999]!,
      phoneBoundAt: '2025-01-01T00:00:00Z',
      ip: '198.51.100.9',
      at: now,
    });
    expect(decision.numberChangedHands).toBe('yes');
    expect(decision.reasons.find((reason) => reason.code === 'number_reissued_after_binding')?.details).toMatchObject({
      source: 'twilio-deactivations-2026-02-02',
    });
  }, 120_000);

  it('a day older than Twilio keeps is recorded and skipped; refused credentials stop the run', async () => {
    days['2025-01-10'] = { kind: 'error', status: 400, body: { code: 30113, message: 'Date is too old', status: 400 } };
    days['2025-01-11'] = served(numbers(11, 10));
    const run = await cli(range('2025-01-10', '2025-01-11'));
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/deactivations 2025-01-10: Twilio keeps no deactivations file for 2025-01-10 \(error 30113\).*; skipped/);
    expect(JSON.parse(readFileSync(statePath, 'utf8')).days['2025-01-10']).toMatchObject({ status: 'too_old' });

    const refused = await cli(range('2025-01-12', '2025-01-12'), { TWILIO_AUTH_TOKEN: 'wrong' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Twilio refused the credentials for the deactivations file (HTTP 401): 20003: Authenticate.');
    expect(refused.stderr).not.toContain('resume');
  }, 60_000);
});

describe('CLI: deactivations, no store', () => {
  it('usage errors exit 2 and say what is wrong; --dry-run needs no hash key and keeps nothing', async () => {
    expect((await cli(['--from', '2026-02-30', '--dry-run'])).stderr).toContain('--from must be a date, YYYY-MM-DD');
    expect((await cli(['--from', '2026-02-03', '--to', '2026-02-01', '--dry-run'])).code).toBe(2);
    const noStore = await cli(['--from', '2026-02-01']);
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toContain('give exactly one store: --redis, --postgres or --dry-run');
    days['2026-02-03'] = served(numbers(3, 500));
    const dry = await cli(['--from', '2026-02-03', '--state', join(dir, 'dry.json'), '--dry-run', '--base-url', server.url], {
      RECYCLED_NUMBER_GUARD_HASH_KEY: '',
    });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe('1 day(s) fetched: 500 lines, 500 numbers stored (dry run: nothing kept)\n');
  }, 60_000);
});

// The CLI takes a database URL, which PGlite (in-process) cannot serve: the PostgreSQL server only.
describe.skipIf(!services().postgres)('CLI: deactivations into the PostgreSQL server', () => {
  beforeAll(() => {
    pool = pgPool({ max: 2 });
  });

  it('into PostgreSQL: the store is migrated if needed and the login guard on it sees the deactivations', async () => {
    days['2026-03-05'] = served(numbers(5, 200));
    const run = await cli([
      '--from',
      '2026-03-05',
      '--state',
      join(dir, 'pg.json'),
      '--postgres',
      'postgres://postgres@127.0.0.1:5432/test',
      '--pg-schema',
      pgSchema,
      '--base-url',
      server.url,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('1 day(s) fetched: 200 lines, 200 numbers stored\n');
    const now = Date.parse('2026-04-01T10:00:00Z');
    const guard = createGuard({ store: postgresStore({ pool: pool!, schema: pgSchema }), hashKey: HASH_KEY, geo: false, clock: () => now });
    const decision = await guard.assess({
      accountId: 'acct-pg',
      phone: numbers(5, 200)[17]!,
      phoneBoundAt: '2025-01-01T00:00:00Z',
      ip: '198.51.100.9',
      at: now,
    });
    expect(decision.numberChangedHands).toBe('yes');
  }, 60_000);
});
