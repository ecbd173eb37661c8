/**
 * Twilio's daily deactivations file through `fetchDeactivations`, against a local server on
 * 127.0.0.1 that plays Twilio (307 + redirect_to) and the file host behind the signed link.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createGuard, InvalidInputError, memoryStore, RecycledNumberGuardError, type Store } from 'recycled-number-guard';
import {
  DeactivationsAuthError,
  DeactivationsDateTooOldError,
  DeactivationsTruncatedError,
  DeactivationsUnavailableError,
  fetchDeactivations,
  type DeactivationsProgress,
} from 'recycled-number-guard/twilio';
import { createHasher } from '../../src/persist/keys.js';
import { ACCOUNT, startDeactivationsServer, TOKEN, usNumber, type DeactivationsServer, type LinkAnswer } from './deactivations-server.js';

const HASH_KEY = 'deactivations-test-key-0123456789';
const DAY = '2026-02-10';
const servers: DeactivationsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(answer: (date: string) => LinkAnswer, link?: (base: string, date: string) => string) {
  const server = await startDeactivationsServer(answer, link);
  servers.push(server);
  return server;
}

function setUp(store: Store = memoryStore()) {
  let now = Date.parse('2026-03-01T09:00:00Z');
  const guard = createGuard({ store, hashKey: HASH_KEY, geo: false, clock: () => now, preset: 'fintech' });
  return { guard, store, setNow: (at: string) => (now = Date.parse(at)) };
}

const file = (lines: string[], extra: Partial<Extract<LinkAnswer, { kind: 'file' }>['file']> = {}): LinkAnswer => ({
  kind: 'file',
  file: { lines: lines.length, line: (i) => lines[i]!, ...extra },
});

const hasher = createHasher([HASH_KEY]);
async function storedEvents(store: Store, e164: string) {
  return (await store.read({ account: 'any', phone: hasher.phone(e164) })).numberEvents;
}

describe('fetchDeactivations', () => {
  it('follows the signed link without the credentials and stores every number as a disconnected event of that day', async () => {
    const lines = ['+14155552671', '2125550143', '17185550199', '', 'not a number', '+1 (646) 555-0177\r', '+1415555267'];
    const server = await serve(() => file(lines));
    const { guard, store } = setUp();
    const progress: DeactivationsProgress[] = [];
    const result = await fetchDeactivations({
      date: DAY,
      username: ACCOUNT,
      password: TOKEN,
      guard,
      baseUrl: server.url,
      onProgress: (p) => progress.push(p),
      progressEveryLines: 2,
    });

    expect(server.requests.map((request) => request.path)).toEqual([
      `/v1/Deactivations?Date=${DAY}`,
      `/files/${DAY}.txt?X-Amz-Expires=120&X-Amz-Signature=0123abcd`,
    ]);
    expect(server.requests[0]!.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`);
    // The signed link authenticates itself: Twilio's credentials never go to the file host.
    expect(server.requests[1]!.authorization).toBeUndefined();

    expect(result).toMatchObject({ date: DAY, source: `twilio-deactivations-${DAY}`, lines: 7, accepted: 4, rejected: 2, errorsTruncated: false });
    expect(result.errors.map((issue) => [issue.line, issue.field])).toEqual([
      [5, 'phone'],
      [7, 'phone'],
    ]);
    expect(JSON.stringify(result.errors)).not.toContain('555');
    expect(progress.at(-1)).toMatchObject({ date: DAY, lines: 7 });
    expect(progress.length).toBeGreaterThanOrEqual(2);

    const at = Date.parse(`${DAY}T23:59:59.999Z`);
    for (const e164 of ['+14155552671', '+12125550143', '+17185550199', '+16465550177']) {
      expect(await storedEvents(store, e164)).toEqual([{ type: 'disconnected', at, source: `twilio-deactivations-${DAY}` }]);
    }
  });

  it('a number deactivated after the binding has changed hands; one bound after the deactivation has not', async () => {
    const server = await serve(() => file(['+14155552671']));
    const { guard } = setUp();
    await fetchDeactivations({ date: DAY, username: ACCOUNT, password: TOKEN, guard, baseUrl: server.url });
    const attempt = { accountId: 'acct-1', phone: '+14155552671', ip: '198.51.100.4', at: '2026-03-01T09:00:00Z' };

    const before = await guard.assess({ ...attempt, phoneBoundAt: '2025-06-01T00:00:00Z' });
    expect(before.numberChangedHands).toBe('yes');
    expect(before.action).not.toBe('allow');
    const reason = before.reasons.find((r) => r.code === 'number_reissued_after_binding');
    expect(reason?.details).toMatchObject({ source: `twilio-deactivations-${DAY}` });

    const after = await guard.assess({ ...attempt, accountId: 'acct-2', phoneBoundAt: '2026-02-25T00:00:00Z' });
    expect(after.numberChangedHands).not.toBe('yes');
    expect(after.reasons.map((r) => r.code)).not.toContain('number_reissued_after_binding');
  });

  it('is idempotent per date: fetching a day again stores nothing twice', async () => {
    const lines = Array.from({ length: 3_000 }, (_, i) => usNumber(i));
    const server = await serve(() => file(lines));
    const { guard, store } = setUp();
    const first = await fetchDeactivations({ date: DAY, username: ACCOUNT, password: TOKEN, guard, baseUrl: server.url });
    const second = await fetchDeactivations({ date: new Date(`${DAY}T15:00:00Z`), username: ACCOUNT, password: TOKEN, guard, baseUrl: server.url });
    expect(first).toMatchObject({ lines: 3_000, accepted: 3_000, rejected: 0 });
    expect(second).toMatchObject({ lines: 3_000, accepted: 3_000, rejected: 0 });
    for (const i of [0, 1_499, 2_999]) expect(await storedEvents(store, usNumber(i))).toHaveLength(1);
  });

  it('refused credentials: DeactivationsAuthError, and nothing is read', async () => {
    const server = await serve(() => file(['+14155552671']));
    const { guard } = setUp();
    const error = await fetchDeactivations({ date: DAY, username: ACCOUNT, password: 'wrong', guard, baseUrl: server.url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeactivationsAuthError);
    expect(error).toBeInstanceOf(RecycledNumberGuardError);
    expect(error).toMatchObject({ code: 'DEACTIVATIONS_AUTH_FAILED', status: 401, twilioCode: 20003 });
    expect(server.requests).toHaveLength(1);
  });

  it('a date older than Twilio keeps (error 30113): DeactivationsDateTooOldError', async () => {
    const server = await serve(() => ({
      kind: 'error',
      status: 400,
      body: { code: 30113, message: 'Deactivations are only available for the last 30 days', status: 400 },
    }));
    const error = await fetchDeactivations({ date: '2020-01-01', username: ACCOUNT, password: TOKEN, guard: setUp().guard, baseUrl: server.url }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeactivationsDateTooOldError);
    expect(error).toMatchObject({ code: 'DEACTIVATIONS_DATE_TOO_OLD', date: '2020-01-01', twilioCode: 30113 });
  });

  it('a file cut short (connection closed mid-file): DeactivationsTruncatedError naming how far it got', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => usNumber(i));
    const server = await serve(() => file(lines, { cutAfter: 12_000 }));
    const error = await fetchDeactivations({ date: DAY, username: ACCOUNT, password: TOKEN, guard: setUp().guard, baseUrl: server.url }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeactivationsTruncatedError);
    const cut = error as DeactivationsTruncatedError;
    expect(cut.code).toBe('DEACTIVATIONS_FILE_TRUNCATED');
    expect(cut.expectedBytes).toBe(20_000 * 13);
    expect(cut.bytes).toBeLessThan(cut.expectedBytes!);
    expect(cut.lines).toBeLessThanOrEqual(12_000);
  });

  it('a file that stalls: abandoned after the idle timeout, as cut short', async () => {
    const lines = Array.from({ length: 5_000 }, (_, i) => usNumber(i));
    const server = await serve(() => file(lines, { stallAfter: 2_000 }));
    const started = performance.now();
    const error = await fetchDeactivations({
      date: DAY,
      username: ACCOUNT,
      password: TOKEN,
      guard: setUp().guard,
      baseUrl: server.url,
      idleTimeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeactivationsTruncatedError);
    expect((error as Error).message).toMatch(/no data for 300 ms/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('an expired signed link (403 from the file host) and a failing Twilio are DeactivationsUnavailableError, retryable', async () => {
    const expired = await serve(() => ({ kind: 'expired' }));
    const error = await fetchDeactivations({ date: DAY, username: ACCOUNT, password: TOKEN, guard: setUp().guard, baseUrl: expired.url }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeactivationsUnavailableError);
    expect(error).toMatchObject({ code: 'DEACTIVATIONS_UNAVAILABLE', status: 403, retryable: true });

    const down = await serve(() => ({ kind: 'error', status: 503, body: { code: 20503, message: 'Service Unavailable', status: 503 } }));
    const failed = await fetchDeactivations({
      date: DAY,
      username: ACCOUNT,
      password: TOKEN,
      guard: setUp().guard,
      baseUrl: down.url,
      requestTimeoutMs: 5_000,
    }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'DEACTIVATIONS_UNAVAILABLE', status: 503, retryable: true });
    // Two retries of a read-only request that fit the time allowed.
    expect(down.requests).toHaveLength(3);
  });

  it('a link that is not https (off loopback) is refused before anything is fetched from it', async () => {
    const server = await serve(
      () => file(['+14155552671']),
      () => 'http://files.example.net/d.txt?sig=1',
    );
    const error = await fetchDeactivations({ date: DAY, username: ACCOUNT, password: TOKEN, guard: setUp().guard, baseUrl: server.url }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'DEACTIVATIONS_UNAVAILABLE', retryable: false });
    expect((error as Error).message).toMatch(/redirect_to is not https/);
  });

  it('bad options are an InvalidInputError naming each field', async () => {
    const error = await fetchDeactivations({ date: '2026-02-30', username: '', password: TOKEN, guard: {} as never, idleTimeoutMs: 0 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).fields).toEqual(['date', 'username', 'guard', 'idleTimeoutMs']);
  });
});

describe('fetchDeactivations: a 1,000,000-line file streams with flat memory', () => {
  it('child process, forced collections: heap and RSS stay bounded while every line is stored', async () => {
    const lines = 1_000_000;
    const server = await serve(() => ({ kind: 'file', file: { lines, line: usNumber } }));
    // The ingest runs in a child so that this process (and its server) do not blur the figures.
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=192', '--import', 'tsx', 'test/providers/fixtures/deactivations-child.ts', server.url, DAY],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const status = await new Promise<number | null>((done) => child.once('exit', done));
    if (status !== 0) throw new Error(`child failed (${status}): ${stderr}`);
    const report = JSON.parse(stdout) as {
      lines: number;
      accepted: number;
      rejected: number;
      stored: number;
      bytes: number;
      heapGrowth: number;
      rssGrowth: number;
      samples: number;
    };
    expect(report).toMatchObject({ lines, accepted: lines, rejected: 0, stored: lines, bytes: lines * 13 });
    expect(report.samples).toBeGreaterThanOrEqual(9);
    // The file is 13 MB; holding it (as text or as lines) would grow the heap by that much or more.
    expect(report.heapGrowth).toBeLessThan(8 * 2 ** 20);
    expect(report.rssGrowth).toBeLessThan(48 * 2 ** 20);
  }, 600_000);
});
