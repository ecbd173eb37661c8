// recycled-number-guard/postgres: history in PostgreSQL, shared by every app server.
import type { Pool } from 'pg';
import { CorruptStoreDataError } from '../../errors/corrupt-store-data-error.js';
import { GuardConfigError } from '../../errors/guard-config-error.js';
import { RecycledNumberGuardError } from '../../errors/recycled-number-guard-error.js';
import { decodeEvents, decodeIntel, decodePending, decodeProfile, decodeProtection } from '../stored-json.js';
import type { CachedIntel, NumberEvent, PendingDecision, ProfileLimits, Protection, Store, StoreKeys, StoreSnapshot, StoreWrite } from '../types.js';
import { resolveNames, schemaSql, type PostgresSchemaOptions, type PostgresTableNames } from './schema.js';
import { PostgresStoreError, type PostgresOperation } from '../../errors/postgres-store-error.js';

export interface PostgresStoreOptions extends PostgresSchemaOptions {
  /**
   * The host's `pg` Pool, connected to the primary (see docs/stores.md on replicas). The store never
   * ends it. Setting `statement_timeout` on it keeps a stuck query from holding a connection after
   * the guard has given up on it.
   */
  pool: Pool;
  /** How long ingested number events are kept after the last ingest for the number. Default 400 days. */
  eventTtlMs?: number;
  /** Events kept per number, newest first. Default 32. */
  maxEventsPerNumber?: number;
  /**
   * Told when stored data failed validation and was dropped: a corrupt carrier cache read as a miss.
   * (A corrupt profile or event list is not dropped on read: the read fails and the guard reports
   * the history as unavailable; the next write replaces a corrupt profile.)
   */
  onCorruptData?: (error: CorruptStoreDataError) => void;
}

export interface PostgresStore extends Store {
  /** Create the schema, tables and functions. Idempotent, and safe to run from several servers at once. */
  migrate(): Promise<void>;
}

const DAY = 86_400_000;
const EVENT_TTL_MS = 400 * DAY;
const MAX_EVENTS_PER_NUMBER = 32;
/** One write in this many also deletes a bounded batch of expired rows, in the same statement. */
const CLEANUP_EVERY = 64;
const CLEANUP_BATCH = 100;

/** Whole milliseconds; zero or less means "already expired": nothing to keep. */
const ms = (value: number) => (Number.isFinite(value) && value > 0 ? Math.ceil(value) : 0);

/**
 * Round trips per assess: read = 1 (one SELECT of three scalar subqueries), write = 1 (one statement
 * of CTEs). Atomicity: the profile is merged by the plpgsql function `merge_profile()` inside
 * `INSERT ... ON CONFLICT (account) DO UPDATE`, which takes the row lock and merges into the latest
 * committed version, so concurrent writers serialise on the row and none loses an update.
 * `takePending` is `DELETE ... RETURNING` (one winner among concurrent takes).
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const { pool } = options;
  if (!pool || typeof pool.query !== 'function') throw new GuardConfigError('postgresStore.pool', 'pass a pg Pool');
  const names = resolveNames(options);
  const { q, s } = names;
  const eventTtlMs = options.eventTtlMs ?? EVENT_TTL_MS;
  if (!Number.isInteger(eventTtlMs) || eventTtlMs < 1) throw new GuardConfigError('postgresStore.eventTtlMs', 'a positive whole number of milliseconds');
  const maxEvents = options.maxEventsPerNumber ?? MAX_EVENTS_PER_NUMBER;
  if (!Number.isInteger(maxEvents) || maxEvents < 1 || maxEvents > 1000)
    throw new GuardConfigError('postgresStore.maxEventsPerNumber', 'a whole number from 1 to 1000');
  const corrupt = (error: CorruptStoreDataError) => {
    try {
      options.onCorruptData?.(error);
    } catch {
      // A failing logger must not fail a login decision.
    }
  };
  let writes = 0;

  async function guarded<T>(operation: PostgresOperation, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof RecycledNumberGuardError) throw error;
      throw new PostgresStoreError(operation, error);
    }
  }

  // As text: a missing row (SQL NULL) must stay distinguishable from a stored JSON null, which is
  // corrupt; pg would hand both back as null. The decoders parse and validate the text.
  const readSql = `SELECT
    (SELECT profile::text FROM ${q.profiles} WHERE account = $1 AND expires_at > now()) AS profile,
    (SELECT body::text FROM ${q.intel} WHERE phone = $2 AND expires_at > now()) AS intel,
    (SELECT events::text FROM ${q.numberEvents} WHERE phone = $2 AND expires_at > now()) AS events,
    (SELECT body::text FROM ${q.protections} WHERE account = $1) AS protection`;

  // Expired rows, a bounded batch per table. SKIP LOCKED: never wait for (or deadlock with) another
  // writer; the rows this statement itself upserts are left alone (a row must not be changed twice
  // in one statement).
  const cleanup = (
    [
      ['profiles', 'account', '$1::text'],
      ['pending', 'decision_id', "coalesce($5::text, '')"],
      ['intel', 'phone', '$8::text'],
      ['numberEvents', 'phone', "''"],
      ['counters', 'key', "''"],
    ] as [keyof PostgresTableNames, string, string][]
  )
    .map(
      ([table, key, written]) =>
        `, clean_${table} AS (DELETE FROM ${q[table]} WHERE ${key} IN (SELECT ${key} FROM ${q[table]} WHERE expires_at < now() AND ${key} <> ${written} ORDER BY expires_at LIMIT ${CLEANUP_BATCH} FOR UPDATE SKIP LOCKED))`,
    )
    .join('');

  const writeSql = (withCleanup: boolean) => `WITH prof AS (
      INSERT INTO ${q.profiles} AS t (account, profile, expires_at)
      SELECT $1::text, ${s}.merge_profile(NULL, $2::jsonb, $3::jsonb), now() + ($4::bigint * interval '1 millisecond')
      WHERE $2::jsonb IS NOT NULL
      ON CONFLICT (account) DO UPDATE
        SET profile = ${s}.merge_profile(CASE WHEN t.expires_at > now() THEN t.profile END, $2::jsonb, $3::jsonb),
            expires_at = EXCLUDED.expires_at
      RETURNING 1
    ), pend AS (
      INSERT INTO ${q.pending} (decision_id, body, expires_at)
      SELECT $5::text, $6::jsonb, now() + ($7::bigint * interval '1 millisecond') WHERE $5::text IS NOT NULL
      ON CONFLICT (decision_id) DO UPDATE SET body = EXCLUDED.body, expires_at = EXCLUDED.expires_at
      RETURNING 1
    ), cache AS (
      INSERT INTO ${q.intel} (phone, body, expires_at)
      SELECT $8::text, $9::jsonb, now() + ($10::bigint * interval '1 millisecond') WHERE $9::jsonb IS NOT NULL
      ON CONFLICT (phone) DO UPDATE SET body = EXCLUDED.body, expires_at = EXCLUDED.expires_at
      RETURNING 1
    )${withCleanup ? cleanup : ''}
    SELECT (SELECT count(*) FROM prof) AS profiles, (SELECT count(*) FROM pend) AS pending, (SELECT count(*) FROM cache) AS intel`;
  const writeSqlPlain = writeSql(false);
  const writeSqlCleanup = writeSql(true);

  // ON CONFLICT DO NOTHING keeps the first protection; the select finds it when this insert lost.
  const protectSql = `WITH ins AS (
      INSERT INTO ${q.protections} (account, body) VALUES ($1, $2::jsonb) ON CONFLICT (account) DO NOTHING RETURNING body::text AS body
    )
    SELECT body, true AS created FROM ins
    UNION ALL SELECT body::text, false FROM ${q.protections} WHERE account = $1 AND NOT EXISTS (SELECT 1 FROM ins)`;
  const protectionSql = `SELECT body::text AS body FROM ${q.protections} WHERE account = $1`;
  const unprotectSql = `DELETE FROM ${q.protections} WHERE account = $1`;
  // A fixed window per key: an expired row starts a new window.
  const hitSql = `INSERT INTO ${q.counters} AS t (key, count, expires_at) VALUES ($1, 1, now() + ($2::bigint * interval '1 millisecond'))
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN t.expires_at > now() THEN t.count + 1 ELSE 1 END,
      expires_at = CASE WHEN t.expires_at > now() THEN t.expires_at ELSE EXCLUDED.expires_at END
    RETURNING count`;

  const takeSql = `DELETE FROM ${q.pending} WHERE decision_id = $1 RETURNING body::text AS body, expires_at > now() AS live`;
  const eventsSql = `INSERT INTO ${q.numberEvents} AS t (phone, events, expires_at)
    VALUES ($1, ${s}.merge_events(NULL, $2::jsonb, $3), now() + ($4::bigint * interval '1 millisecond'))
    ON CONFLICT (phone) DO UPDATE
      SET events = ${s}.merge_events(CASE WHEN t.expires_at > now() THEN t.events END, $2::jsonb, $3), expires_at = EXCLUDED.expires_at`;

  return {
    name: 'postgres',
    capabilities: { shared: true, persistent: true, ttl: true, atomicMerge: true, protection: true },

    migrate() {
      return guarded('migrate', async () => {
        // One simple-protocol query runs as one transaction; the advisory lock makes app servers
        // starting together take turns (concurrent CREATE ... IF NOT EXISTS can otherwise collide).
        await pool.query(`SELECT pg_advisory_xact_lock(hashtext('recycled-number-guard:' || '${names.schema}'));\n${schemaSql(names)}`);
      });
    },

    read(keys: StoreKeys, signal?: AbortSignal): Promise<StoreSnapshot> {
      return guarded('read', async () => {
        // Past the budget the guard has already answered: send nothing.
        signal?.throwIfAborted();
        const { rows } = await pool.query(readSql, [keys.account, keys.phone]);
        const row = rows[0] as { profile: string | null; intel: string | null; events: string | null; protection: string | null } | undefined;
        let intel: CachedIntel | null = null;
        if (row?.intel != null) {
          try {
            intel = decodeIntel(row.intel);
          } catch (error) {
            // A cache miss is always safe (the carrier is asked again), so a corrupt cache is only a miss.
            if (!(error instanceof CorruptStoreDataError)) throw error;
            corrupt(error);
          }
        }
        return {
          profile: row?.profile != null ? decodeProfile(row.profile) : null,
          intel,
          numberEvents: row?.events != null ? decodeEvents(row.events) : [],
          // A corrupt protection fails the read: the guard then fails closed, never open.
          protection: row?.protection != null ? decodeProtection(row.protection) : null,
        };
      });
    },

    write(write: StoreWrite, limits: ProfileLimits, signal?: AbortSignal): Promise<void> {
      return guarded('write', async () => {
        signal?.throwIfAborted();
        const pending = write.pending && ms(write.pending.ttlMs) > 0 ? write.pending : undefined;
        const intel = write.intel && ms(write.intel.ttlMs) > 0 ? write.intel : undefined;
        if (!write.patch && !pending && !intel) return;
        writes++;
        await pool.query(writes % CLEANUP_EVERY === 0 ? writeSqlCleanup : writeSqlPlain, [
          write.keys.account,
          write.patch ? JSON.stringify(write.patch) : null,
          JSON.stringify(limits),
          Math.max(1, ms(limits.retentionMs)),
          pending?.decisionId ?? null,
          pending ? JSON.stringify(pending) : null,
          pending ? ms(pending.ttlMs) : 0,
          write.keys.phone,
          intel ? JSON.stringify(intel) : null,
          intel ? ms(intel.ttlMs) : 0,
        ]);
      });
    },

    takePending(decisionId: string): Promise<PendingDecision | null> {
      return guarded('takePending', async () => {
        // DELETE ... RETURNING: of concurrent takes, exactly one gets the row; an expired one is
        // deleted and reads as absent.
        const { rows } = await pool.query(takeSql, [decisionId]);
        const row = rows[0] as { body: string; live: boolean } | undefined;
        return row?.live ? decodePending(row.body) : null;
      });
    },

    protect(account: string, protection: Protection, signal?: AbortSignal): Promise<{ created: boolean; protection: Protection }> {
      return guarded('protect', async () => {
        signal?.throwIfAborted();
        const { rows } = await pool.query(protectSql, [account, JSON.stringify(protection)]);
        let row = rows[0] as { body: string; created: boolean } | undefined;
        if (!row) {
          // A concurrent protect committed after this statement's snapshot was taken: read it now.
          const again = await pool.query(protectionSql, [account]);
          const body = (again.rows[0] as { body: string } | undefined)?.body;
          if (body === undefined) throw new Error('protection neither inserted nor found');
          row = { body, created: false };
        }
        return { created: row.created, protection: decodeProtection(row.body) };
      });
    },

    unprotect(account: string, signal?: AbortSignal): Promise<boolean> {
      return guarded('unprotect', async () => {
        signal?.throwIfAborted();
        const { rowCount } = await pool.query(unprotectSql, [account]);
        return (rowCount ?? 0) > 0;
      });
    },

    hit(key: string, windowMs: number, signal?: AbortSignal): Promise<number> {
      return guarded('hit', async () => {
        signal?.throwIfAborted();
        const { rows } = await pool.query(hitSql, [key, Math.max(1, ms(windowMs))]);
        return Number((rows[0] as { count: string | number }).count);
      });
    },

    addNumberEvents(phone: string, added: NumberEvent[]): Promise<void> {
      return guarded('addNumberEvents', async () => {
        if (added.length === 0) return;
        // One upsert: the row lock serialises concurrent ingests of the same number.
        await pool.query(eventsSql, [phone, JSON.stringify(added), maxEvents, eventTtlMs]);
      });
    },
  };
}

export { schemaSql, type PostgresSchemaOptions, type PostgresTableNames };
export { DEFAULT_SCHEMA, DEFAULT_TABLES } from './schema.js';

export { PostgresStoreError };
