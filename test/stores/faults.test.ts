import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorruptStoreDataError } from 'recycled-number-guard/store';
import { createGuard, memoryStore, OutcomeRejectedError, type AttemptInput, type Decision, type PresetName, type Store } from 'recycled-number-guard';
import { postgresStore, PostgresStoreError } from 'recycled-number-guard/postgres';
import { redisKeyLayout, redisStore, RedisStoreError } from 'recycled-number-guard/redis';
import { createHasher } from '../../src/persist/keys.js';
import { decodeProfile } from '../../src/persist/stored-json.js';
import { services } from '../services.js';
import { delayed, deleteRedisKeys, freePort, pgPool, redisClient, runId, watchProcess } from './helpers.js';
import { closeEmbedded, postgresTargets, type PostgresTarget } from './postgres-targets.js';

/**
 * The Redis and PostgreSQL adapters when the backend is down, slow or holds garbage, and across a
 * restart. The guard must answer within its budget, name the history as unavailable, let the
 * preset's fail mode decide (fintech never allows without history), and never leak a rejection.
 */
const run = runId('f');
const BUDGET_MS = 200;
// Far below the 5 s a slow store takes and the never of a hung one, far above a loaded machine's
// event-loop lag: the bound tells "the budget won" from "the guard waited".
const SLACK_MS = 2_500;
const AT = '2026-01-10T09:00:00Z';
const HASH_KEY = 'store-fault-test-key-0123456789';
const PHONE = '+8613800138000';
const phoneHash = createHasher([HASH_KEY]).phone(PHONE);
const attempt = (overrides: Partial<AttemptInput> = {}): AttemptInput => ({
  accountId: 'acct-fault',
  phone: PHONE,
  phoneBoundAt: '2025-01-01T00:00:00Z',
  lastSeenAt: '2026-01-09T00:00:00Z',
  ip: '198.51.100.7',
  deviceId: 'owner-device',
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  at: AT,
  ...overrides,
});
const guardOn = (store: Store, preset: PresetName = 'cloud-drive', now = AT) =>
  createGuard({ store, preset, geo: false, hashKey: HASH_KEY, clock: () => Date.parse(now), budgetMs: BUDGET_MS, checks: ['password', 'face'] });

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

const codes = (decision: Decision) => decision.reasons.map((reason) => reason.code);
const unavailableWhy = (decision: Decision) => decision.reasons.find((reason) => reason.code === 'history_unavailable')?.message ?? '';

/** What every degraded decision must show, whatever the fault. */
function expectDegraded(decision: Decision, ms: number, preset: PresetName) {
  expect(ms).toBeLessThan(BUDGET_MS + SLACK_MS);
  expect(decision.evidence.history).toBe('unavailable');
  expect(codes(decision)).toContain('history_unavailable');
  if (preset === 'fintech') {
    expect(decision.action).not.toBe('allow');
    expect(decision.reasons.find((reason) => reason.code === 'fail_mode_applied')?.message).toMatch(/history/);
  }
}

const watch = watchProcess();
beforeAll(() => watch.start());
afterAll(async () => {
  // Late answers of abandoned commands land after their tests: give them a moment to surface.
  await new Promise((resolve) => setTimeout(resolve, 300));
  watch.stop();
  expect(watch.seen).toEqual([]);
});

describe('store unreachable', () => {
  it.each<[string, PresetName]>([
    ['fintech', 'fintech'],
    ['cloud-drive', 'cloud-drive'],
  ])('Redis on a closed port, small retry settings (%s): answers within the budget, history unavailable', async (_label, preset) => {
    const client = new Redis({
      host: '127.0.0.1',
      port: await freePort(),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    try {
      const { value, ms } = await timed(
        guardOn(redisStore({ client, prefix: `rng-${run}-down` }), preset).assess(attempt({ verified: ['sms_otp', 'password'] })),
      );
      expectDegraded(value, ms, preset);
      expect(unavailableWhy(value)).toMatch(/redis store read failed/);
      expect(value.persisted).toBe(false);
    } finally {
      client.disconnect();
    }
  });

  it('Redis on a closed port with ioredis defaults (offline queue, retries): the budget wins, the queued commands fail quietly on disconnect', async () => {
    const client = new Redis({ host: '127.0.0.1', port: await freePort() });
    client.on('error', () => {});
    try {
      const { value, ms } = await timed(
        guardOn(redisStore({ client, prefix: `rng-${run}-queued` }), 'fintech').assess(attempt({ verified: ['sms_otp', 'password'] })),
      );
      expectDegraded(value, ms, 'fintech');
      expect(unavailableWhy(value)).toMatch(/time budget/);
    } finally {
      // Rejects the queued commands: they must not surface as unhandled rejections (checked in afterAll).
      client.disconnect();
    }
  });

  it.each<[string, number | undefined]>([
    ['connectionTimeoutMillis 200', 200],
    ['pg defaults', undefined],
  ])('PostgreSQL on a closed port (%s): answers within the budget, history unavailable, fintech does not allow', async (_label, connectionTimeoutMillis) => {
    const pool = new pg.Pool({
      host: '127.0.0.1',
      port: await freePort(),
      user: 'postgres',
      database: 'test',
      ...(connectionTimeoutMillis ? { connectionTimeoutMillis } : {}),
    });
    pool.on('error', () => {});
    try {
      const { value, ms } = await timed(
        guardOn(postgresStore({ pool, schema: `rng_${run}_down` }), 'fintech').assess(attempt({ verified: ['sms_otp', 'password'] })),
      );
      expectDegraded(value, ms, 'fintech');
      expect(unavailableWhy(value)).toMatch(/postgres store read failed/);
    } finally {
      await pool.end();
    }
  });

  it('store errors are typed: RedisStoreError / PostgresStoreError with the operation and the driver error as cause', async () => {
    const client = new Redis({
      host: '127.0.0.1',
      port: await freePort(),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    const pool = new pg.Pool({ host: '127.0.0.1', port: await freePort(), user: 'postgres', database: 'test' });
    try {
      const redisError = await redisStore({ client })
        .takePending('dec_x')
        .catch((error: unknown) => error);
      expect(redisError).toBeInstanceOf(RedisStoreError);
      expect(redisError).toMatchObject({ code: 'STORE_UNAVAILABLE', operation: 'takePending' });
      expect((redisError as Error).cause).toBeInstanceOf(Error);
      const pgError = await postgresStore({ pool })
        .read({ account: 'a', phone: 'p' })
        .catch((error: unknown) => error);
      expect(pgError).toBeInstanceOf(PostgresStoreError);
      expect(pgError).toMatchObject({ code: 'STORE_UNAVAILABLE', operation: 'read' });
    } finally {
      client.disconnect();
      await pool.end();
    }
  });
});

/** The backends the remaining tests run on, each with a way to plant raw data. */
interface Backend {
  name: string;
  /** Several sessions at once (row locks held by one while another waits); PGlite is one session. */
  concurrentSessions: boolean;
  store(tag: string, onCorruptData?: (error: CorruptStoreDataError) => void): Promise<Store>;
  /** A second, independent connection to the same data: another app server, or a restarted one. */
  reopen(tag: string): Promise<Store>;
  plant(tag: string, what: 'profile' | 'intel' | 'events' | 'pending', key: string, raw: string): Promise<void>;
  rawProfile(tag: string, account: string): Promise<unknown>;
  close(): Promise<void>;
}

function redisBackend(): Backend {
  const client = redisClient();
  const second = redisClient({ lazyConnect: true });
  const prefix = (tag: string) => `rng-${run}-${tag}`;
  return {
    name: 'Redis',
    concurrentSessions: true,
    store: async (tag, onCorruptData) => redisStore({ client, prefix: prefix(tag), ...(onCorruptData ? { onCorruptData } : {}) }),
    reopen: async (tag) => redisStore({ client: second, prefix: prefix(tag) }),
    async plant(tag, what, key, raw) {
      const layout = redisKeyLayout(prefix(tag));
      const name =
        what === 'profile' ? layout.profile(key) : what === 'intel' ? layout.intel(key) : what === 'events' ? layout.events(key) : layout.pending(key);
      await client.set(name, raw, 'PX', 60_000);
    },
    rawProfile: async (tag, account) => client.get(redisKeyLayout(prefix(tag)).profile(account)),
    async close() {
      await deleteRedisKeys(client, `rng-${run}-`);
      await Promise.all([client.quit(), second.quit()]);
    },
  };
}

function postgresBackend(target: PostgresTarget): Backend {
  const pool = target.pool({ max: 10 });
  const second = target.pool({ max: 2 });
  const schemas = new Set<string>();
  const schema = (tag: string) => `rng_${run}_${tag}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return {
    name: 'PostgreSQL',
    concurrentSessions: target.kind === 'server',
    async store(tag, onCorruptData) {
      schemas.add(schema(tag));
      const store = postgresStore({ pool, schema: schema(tag), ...(onCorruptData ? { onCorruptData } : {}) });
      await store.migrate();
      return store;
    },
    reopen: async (tag) => postgresStore({ pool: second, schema: schema(tag) }),
    async plant(tag, what, key, raw) {
      const s = `"${schema(tag)}"`;
      const sql = {
        profile: `INSERT INTO ${s}.profiles VALUES ($1, $2::jsonb, now() + interval '1 day')`,
        intel: `INSERT INTO ${s}.intel VALUES ($1, $2::jsonb, now() + interval '1 day')`,
        events: `INSERT INTO ${s}.number_events VALUES ($1, $2::jsonb, now() + interval '1 day')`,
        pending: `INSERT INTO ${s}.pending VALUES ($1, $2::jsonb, now() + interval '1 day')`,
      }[what];
      await pool.query(sql, [key, raw]);
    },
    async rawProfile(tag, account) {
      const { rows } = await pool.query(`SELECT profile FROM "${schema(tag)}".profiles WHERE account = $1`, [account]);
      return rows[0]?.profile ?? null;
    },
    async close() {
      for (const name of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      await Promise.all([pool.end(), second.end()]);
    },
  };
}

afterAll(closeEmbedded);

const backends: [string, boolean, () => Backend][] = [
  ['Redis', services().redis, redisBackend],
  ...postgresTargets().map((target): [string, boolean, () => Backend] => [`PostgreSQL on ${target.name}`, target.up, () => postgresBackend(target)]),
];

for (const [label, up, make] of backends) {
  describe.skipIf(!up)(`${label}: slow, corrupt, interrupted, restarted`, () => {
    const backend = up ? make() : (undefined as unknown as Backend);
    afterAll(() => backend.close());

    it('a slow store (every read and write 5 s late): the budget wins, fintech steps up, the late answers stay quiet', async () => {
      const slow = delayed(await backend.store('slow'), { read: 5_000, write: 5_000 });
      const { value, ms } = await timed(guardOn(slow, 'fintech').assess(attempt({ verified: ['sms_otp', 'password'] })));
      expectDegraded(value, ms, 'fintech');
      expect(unavailableWhy(value)).toMatch(/time budget/);
      expect(value.persisted).toBe(false);
    });

    it('a slow write only: the decision still comes within the budget and says it was not persisted', async () => {
      const slow = delayed(await backend.store('slowwrite'), { write: 5_000 });
      const { value, ms } = await timed(guardOn(slow).assess(attempt({ verified: ['sms_otp', 'password'] })));
      expect(ms).toBeLessThan(BUDGET_MS + SLACK_MS);
      expect(value.evidence.history).toBe('none');
      expect(value.action).toBe('allow');
      expect(value.persisted).toBe(false);
    });

    // jsonb cannot hold text that is not JSON, so PostgreSQL gets JSON of the wrong shape only.
    const corruptProfiles: [string, string][] = [
      ...(backend?.name === 'Redis' ? [['not JSON', '{"v":1,"devices":['] as [string, string]] : []),
      ['a JSON string', '"garbage"'],
      ['JSON null', 'null'],
      ['a future version', '{"v":2,"devices":[],"locations":[],"failedStepUps":[],"updatedAt":1}'],
      ['a device of the wrong shape', '{"v":1,"devices":[{"key":5,"lastSeen":"yesterday"}],"locations":[],"failedStepUps":[],"updatedAt":1767225600000}'],
      ['a list that is an object', '{"v":1,"devices":{"a":1},"locations":[],"failedStepUps":[],"updatedAt":1767225600000}'],
    ];
    it.each(corruptProfiles)(
      'a corrupt profile (%s) reads as unavailable (fintech steps up) and is reset, not merged, by the next allowed write',
      async (what, raw) => {
        const tag = `corrupt-${what.replace(/\W+/g, '')}`;
        const replaced: CorruptStoreDataError[] = [];
        const store = await backend.store(tag, (error) => replaced.push(error));
        await backend.plant(tag, 'profile', 'acct-fault', raw);

        const { value: strict, ms } = await timed(guardOn(store, 'fintech').assess(attempt({ verified: ['sms_otp', 'password'] })));
        expectDegraded(strict, ms, 'fintech');
        expect(unavailableWhy(strict)).toMatch(/corrupt/);

        const lenient = await guardOn(store, 'cloud-drive').assess(attempt({ verified: ['sms_otp', 'password'] }));
        expect(lenient.evidence.history).toBe('unavailable');
        expect(lenient.action).toBe('allow');
        expect(lenient.persisted).toBe(true);
        // Reset: the stored profile is this one login, nothing of the garbage survived.
        const stored = decodeProfile(await backend.rawProfile(tag, 'acct-fault'));
        expect(stored.devices).toHaveLength(1);
        expect(stored.devices[0]!.count).toBe(1);
        if (backend.name === 'Redis') expect(replaced.map((error) => error.what)).toEqual(['profile']);

        const next = await guardOn(store, 'cloud-drive').assess(attempt());
        expect(next.evidence.history).toBe('ok');
        expect(codes(next)).toContain('vouched_device');
      },
    );

    it('a corrupt carrier cache is only a cache miss: history stays available, the host is told', async () => {
      const seen: CorruptStoreDataError[] = [];
      const store = await backend.store('corruptintel', (error) => seen.push(error));
      await backend.plant('corruptintel', 'intel', phoneHash, '{"answers":5,"since":"never"}');
      const snapshot = await store.read({ account: 'acct-fault', phone: phoneHash });
      expect(snapshot.intel).toBeNull();
      expect(seen.map((error) => error.what)).toEqual(['carrier cache']);
      const decision = await guardOn(store, 'fintech').assess(attempt({ verified: ['sms_otp', 'password'] }));
      expect(decision.evidence.history).not.toBe('unavailable');
    });

    it('corrupt ingested events make history unavailable until the next ingest drops them', async () => {
      const store = await backend.store('corruptevents');
      await backend.plant('corruptevents', 'events', phoneHash, '[{"type":"bogus","at":"x"},{"type":"reissued","at":1767225600000,"source":"file"},7]');
      const { value, ms } = await timed(guardOn(store, 'fintech').assess(attempt({ verified: ['sms_otp', 'password'] })));
      expectDegraded(value, ms, 'fintech');
      await store.addNumberEvents(phoneHash, [{ type: 'ported', at: 1767312000000, source: 'notice' }]);
      const events = (await store.read({ account: 'acct-fault', phone: phoneHash })).numberEvents;
      expect(events).toEqual([
        { type: 'ported', at: 1767312000000, source: 'notice' },
        { type: 'reissued', at: 1767225600000, source: 'file' },
      ]);
    });

    it('a corrupt pending decision: recordOutcome rejects with STORE_UNAVAILABLE, nothing crashes', async () => {
      const store = await backend.store('corruptpending');
      const id = 'dec_AAAAAAAAAAAAAAAAAAAAAA';
      await backend.plant('corruptpending', 'pending', id, '{"decisionId":"dec_AAAAAAAAAAAAAAAAAAAAAA","anyOf":"password"}');
      const error = await guardOn(store)
        .recordOutcome(id, { check: 'password', passed: true })
        .catch((rejection: unknown) => rejection);
      expect(error).toBeInstanceOf(OutcomeRejectedError);
      expect(error).toMatchObject({ reason: 'STORE_UNAVAILABLE' });
    });

    // Needs a second session holding a row lock while the writes queue behind it: not on PGlite,
    // which runs one session (the server run covers it, and CI always has the server).
    if (backend?.concurrentSessions !== false)
      it('writes interrupted mid-flight leave a valid profile that holds only completed updates', async () => {
        const tag = 'interrupted';
        const limits = { maxDevices: 16, maxLocations: 16, maxFailedStepUps: 8, retentionMs: 180 * 86_400_000 };
        const patch = (i: number) => ({
          at: Date.parse(AT) + i,
          phoneHash,
          device: { key: 't:same', fromToken: true, classKey: 'ios|mobile#iphone', deviceType: 'mobile', vouched: false },
        });
        await backend.store(tag); // creates the schema for PostgreSQL
        let outcomes: PromiseSettledResult<void>[];
        if (backend.name === 'Redis') {
          // Cut the connection while 100 merges are in flight.
          const doomed = redisClient({ maxRetriesPerRequest: 0, retryStrategy: () => null });
          doomed.on('error', () => {});
          await doomed.ping();
          const store = redisStore({ client: doomed, prefix: `rng-${run}-${tag}` });
          const writes = Array.from({ length: 100 }, (_, i) => store.write({ keys: { account: 'acct-int', phone: phoneHash }, patch: patch(i) }, limits));
          doomed.stream.destroy();
          outcomes = await Promise.allSettled(writes);
          doomed.disconnect();
        } else {
          // Hold the row lock, let 60 merges queue behind it, cancel five of the waiting ones, release.
          const schema = `rng_${run}_${tag}`;
          const app = `rng-int-${process.pid}`;
          const hasty = pgPool({ max: 10, application_name: app });
          const control = pgPool({ max: 2 });
          const store = postgresStore({ pool: hasty, schema });
          await store.write({ keys: { account: 'acct-int', phone: phoneHash }, patch: patch(-1) }, limits);
          const locker = await control.connect();
          try {
            await locker.query('BEGIN');
            await locker.query(`SELECT 1 FROM "${schema}".profiles WHERE account = 'acct-int' FOR UPDATE`);
            const settled = Promise.allSettled(
              Array.from({ length: 60 }, (_, i) => store.write({ keys: { account: 'acct-int', phone: phoneHash }, patch: patch(i) }, limits)),
            );
            const waiting = `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`;
            for (let tries = 0; (await control.query(waiting, [app])).rowCount! < 10 && tries < 200; tries++)
              await new Promise((resolve) => setTimeout(resolve, 10));
            const { rows } = await control.query(`SELECT pg_cancel_backend(pid) AS cancelled FROM (${waiting} LIMIT 5) w`, [app]);
            expect(rows.filter((row: { cancelled: boolean }) => row.cancelled)).toHaveLength(5);
            await locker.query('COMMIT');
            outcomes = [{ status: 'fulfilled', value: undefined }, ...(await settled)];
            expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(5);
          } finally {
            locker.release();
            await Promise.all([hasty.end(), control.end()]);
          }
        }
        const landed = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
        const profile = (await (await backend.reopen(tag)).read({ account: 'acct-int', phone: phoneHash })).profile;
        const count = profile?.devices[0]?.count ?? 0;
        // Redis may have run a script whose reply was lost with the socket; PostgreSQL rolls a cancelled statement back.
        if (backend.name === 'Redis') {
          expect(count).toBeGreaterThanOrEqual(landed);
          expect(count).toBeLessThanOrEqual(outcomes.length);
        } else {
          expect(count).toBe(landed);
        }
        for (const outcome of outcomes)
          if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(backend.name === 'Redis' ? RedisStoreError : PostgresStoreError);
      });

    it('history survives a restart: a new guard on a new connection knows the device, the owner proof and a pending step-up', async () => {
      const first = guardOn(await backend.store('restart'), 'fintech');
      const allowed = await first.assess(attempt({ verified: ['sms_otp', 'password'] }));
      expect(allowed.persisted).toBe(true);
      // A dormant account on a new phone: fintech asks for a face check.
      const dormant = attempt({ accountId: 'acct-dormant', deviceId: 'new-phone', lastSeenAt: undefined });
      const stepUp = await first.assess(dormant);
      expect(stepUp.action).toBe('step_up');

      const later = '2026-01-10T09:05:00Z';
      const restarted = guardOn(await backend.reopen('restart'), 'fintech', later);
      const known = await restarted.assess(attempt({ at: later, verified: ['sms_otp', 'password'] }));
      expect(known.evidence.history).toBe('ok');
      expect(codes(known)).toEqual(expect.arrayContaining(['vouched_device', 'recent_owner_proof']));
      expect(known.action).toBe('allow');
      const outcome = await restarted.recordOutcome(stepUp.id, { check: 'face', passed: true });
      expect(outcome.satisfied).toBe(true);
      const vouched = await restarted.assess({ ...dormant, at: later });
      expect(codes(vouched)).toContain('vouched_device');
    });
  });
}

describe('memory store as the baseline', () => {
  it('a slow memory store degrades the same way', async () => {
    const { value, ms } = await timed(guardOn(delayed(memoryStore(), { read: 5_000 }), 'fintech').assess(attempt({ verified: ['sms_otp', 'password'] })));
    expectDegraded(value, ms, 'fintech');
  });
});
