import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard, GuardConfigError, type AttemptInput } from 'recycled-number-guard';
import type { PendingDecision } from 'recycled-number-guard/store';
import { postgresStore, schemaSql } from 'recycled-number-guard/postgres';
import { runId, watchProcess } from './helpers.js';
import { closeEmbedded, postgresTargets } from './postgres-targets.js';

const run = runId('pg');
const DAY = 86_400_000;
const AT = '2026-01-10T09:00:00Z';
const limits = { maxDevices: 16, maxLocations: 16, maxFailedStepUps: 8, retentionMs: 180 * DAY };
const attempt = (overrides: Partial<AttemptInput> = {}): AttemptInput => ({
  accountId: 'acct-pg',
  phone: '+8613800138000',
  phoneBoundAt: '2025-01-01T00:00:00Z',
  lastSeenAt: '2026-01-09T00:00:00Z',
  ip: '198.51.100.7',
  deviceId: 'owner-device',
  verified: ['sms_otp', 'password'],
  at: AT,
  ...overrides,
});
const pending = (decisionId: string, ttlMs = 900_000): PendingDecision => ({
  decisionId,
  accountId: 'acct-pg',
  accountKey: 'acct-pg',
  anyOf: [['face']],
  expiresAt: Date.parse(AT) + 600_000,
  ttlMs,
  onPass: { at: Date.parse(AT), phoneHash: 'p' },
  reissuePossible: false,
});

const watch = watchProcess();
beforeAll(() => watch.start());
afterAll(() => {
  watch.stop();
  expect(watch.seen).toEqual([]);
});

describe('postgresStore options and schemaSql', () => {
  it('rejects names that are not plain identifiers (they go into SQL text)', () => {
    const pool = { query: async () => ({ rows: [] }) } as unknown as pg.Pool;
    expect(() => postgresStore({ pool, schema: 'Robert"; DROP TABLE x; --' })).toThrow(GuardConfigError);
    expect(() => postgresStore({ pool, tables: { profiles: 'a b' } })).toThrow(/tables\.profiles/);
    expect(() => postgresStore({ pool, tables: { profiles: 'same', pending: 'same' } })).toThrow(/a different name for every table/);
    expect(() => postgresStore({ pool: {} as pg.Pool })).toThrow(/pg Pool/);
  });

  it('schemaSql is the exact SQL migrate() runs, for a host to copy into its own migrations', () => {
    const sql = schemaSql({ schema: 'security', tables: { profiles: 'rng_profiles' } });
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "security"."rng_profiles"');
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "security"."number_events"');
    expect(sql).toContain('CREATE OR REPLACE FUNCTION "security".merge_profile(');
    expect(schemaSql('legacy')).toContain('"legacy"."profiles"');
  });
});

afterAll(closeEmbedded);

for (const target of postgresTargets()) {
  describe.skipIf(!target.up)(target.name, () => {
    let pool: pg.Pool;
    beforeAll(() => {
      pool = target.pool({ max: 10 });
    });
    const schemas: string[] = [];
    const schema = (tag: string) => {
      const name = `rng_${run}_${tag}`;
      schemas.push(name);
      return name;
    };
    afterAll(async () => {
      for (const name of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      await pool.end();
    });

    it('migrate() is idempotent and safe when several app servers run it at once', async () => {
      const name = schema('migrate');
      const stores = Array.from({ length: 4 }, () => postgresStore({ pool, schema: name }));
      await Promise.all(stores.map((store) => store.migrate()));
      await stores[0]!.migrate();
      const { rows } = await pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [name]);
      expect(rows.map((row: { table_name: string }) => row.table_name)).toEqual(['counters', 'intel', 'number_events', 'pending', 'profiles', 'protections']);
    });

    it('custom table names: the store reads and writes only its own tables', async () => {
      const name = schema('custom');
      const tables = { profiles: 'rng_profiles', pending: 'rng_pending', intel: 'rng_intel', numberEvents: 'rng_events' };
      const store = postgresStore({ pool, schema: name, tables });
      await store.migrate();
      const guard = createGuard({ store, geo: false, hashKey: 'pg-test-key-0123456789', clock: () => Date.parse(AT) });
      await guard.assess(attempt());
      expect((await guard.assess(attempt())).reasons.map((reason) => reason.code)).toContain('vouched_device');
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${name}".rng_profiles`);
      expect(rows[0].n).toBe(1);
    });

    it('one statement to read and one to write per assess (allowed or stepped up)', async () => {
      const name = schema('roundtrips');
      const counting = target.pool({ max: 2 });
      let statements = 0;
      const query = counting.query.bind(counting);
      counting.query = ((...args: Parameters<typeof query>) => {
        statements++;
        return query(...args);
      }) as typeof counting.query;
      try {
        const store = postgresStore({ pool: counting, schema: name });
        await store.migrate();
        const guard = createGuard({ store, geo: false, hashKey: 'pg-test-key-0123456789', clock: () => Date.parse(AT) });
        statements = 0;
        expect((await guard.assess(attempt())).persisted).toBe(true);
        expect(statements).toBe(2);
        statements = 0;
        const stepped = await guard.assess(attempt({ accountId: 'acct-dormant', deviceId: 'new', lastSeenAt: undefined, verified: undefined }));
        expect([stepped.action, stepped.persisted]).toEqual(['step_up', true]);
        expect(statements).toBe(2);
      } finally {
        await counting.end();
      }
    });

    it('expiry without a cron: expired rows are invisible at once and deleted in bounded batches by later writes', async () => {
      const name = schema('expiry');
      const store = postgresStore({ pool, schema: name });
      await store.migrate();
      const s = `"${name}"`;
      const past = `now() - interval '1 minute'`;
      await pool.query(
        `INSERT INTO ${s}.profiles SELECT 'old-' || i, '{"v":1,"devices":[],"locations":[],"failedStepUps":[],"updatedAt":1}', ${past} FROM generate_series(1, 150) i`,
      );
      await pool.query(`INSERT INTO ${s}.pending SELECT 'dec_old_' || i, '{}', ${past} FROM generate_series(1, 150) i`);
      await pool.query(`INSERT INTO ${s}.intel SELECT 'phone-' || i, '{}', ${past} FROM generate_series(1, 150) i`);
      await pool.query(`INSERT INTO ${s}.number_events SELECT 'phone-' || i, '[]', ${past} FROM generate_series(1, 150) i`);
      expect(await store.read({ account: 'old-1', phone: 'phone-1' })).toEqual({ profile: null, intel: null, numberEvents: [], protection: null });
      expect(await store.takePending('dec_old_1')).toBeNull();

      const count = async (table: string) => (await pool.query(`SELECT count(*)::int AS n FROM ${s}.${table}`)).rows[0].n as number;
      for (let i = 0; i < 64; i++) {
        await store.write({ keys: { account: `live-${i}`, phone: 'live' }, patch: { at: Date.parse(AT), phoneHash: 'live' } }, limits);
      }
      // One cleanup ran (one write in 64): at most 100 expired rows per table, never a live one.
      expect(await count('profiles')).toBe(64 + 150 - 100);
      expect(await count('pending')).toBe(149 - 100);
      expect(await count('intel')).toBe(150 - 100);
      expect(await count('number_events')).toBe(150 - 100);
    });

    it('an expired row being written again starts afresh rather than merging stale history', async () => {
      const name = schema('stale');
      const store = postgresStore({ pool, schema: name });
      await store.migrate();
      await pool.query(
        `INSERT INTO "${name}".profiles VALUES ('acct-pg', '{"v":1,"devices":[{"key":"t:stale","fromToken":true,"classKey":"c","deviceType":"m","firstSeen":1,"lastSeen":1767225600000,"vouched":true,"count":9}],"locations":[],"failedStepUps":[],"updatedAt":1767225600000}', now() - interval '1 second')`,
      );
      await store.write(
        {
          keys: { account: 'acct-pg', phone: 'p' },
          patch: { at: Date.parse(AT), phoneHash: 'p', device: { key: 't:new', fromToken: true, classKey: 'c', deviceType: 'm', vouched: false } },
        },
        limits,
      );
      expect((await store.read({ account: 'acct-pg', phone: 'p' })).profile?.devices.map((d) => d.key)).toEqual(['t:new']);
    });

    it('a pending decision with a zero or negative TTL is not stored; an expired one is deleted by its take', async () => {
      const name = schema('pendingttl');
      const store = postgresStore({ pool, schema: name });
      await store.migrate();
      await store.write({ keys: { account: 'acct-pg', phone: 'p' }, pending: pending('dec_zero', 0) }, limits);
      expect((await pool.query(`SELECT count(*)::int AS n FROM "${name}".pending`)).rows[0].n).toBe(0);
      await store.write({ keys: { account: 'acct-pg', phone: 'p' }, pending: pending('dec_short', 50) }, limits);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await store.takePending('dec_short')).toBeNull();
      expect((await pool.query(`SELECT count(*)::int AS n FROM "${name}".pending`)).rows[0].n).toBe(0);
    });
  });
}
