// The PostgreSQL store tests run on two targets: PGlite (a real PostgreSQL compiled to WebAssembly,
// in-process, always there) and the local server whenever it answers. CI has both.
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { services } from '../services.js';
import { pgPool } from './helpers.js';

export interface PostgresTarget {
  /** Names the target in test titles. */
  name: string;
  kind: 'pglite' | 'server';
  /** False only for the server when nothing answers on 127.0.0.1:5432 (the global setup said so). */
  up: boolean;
  /**
   * A pool on this target. On PGlite, a pg.Pool-shaped view of one embedded database per test file
   * (PGlite is one session: queries run one at a time, which is why the tests that need concurrent
   * sessions, such as row locks held by another connection, run on the server only).
   */
  pool(options?: pg.PoolConfig): pg.Pool;
}

type QueryResult = { rows: Record<string, unknown>[]; rowCount: number };

/** What the store and the tests call on a pool: query(text, values?) and end(). */
function pglitePool(database: () => Promise<PGlite>): pg.Pool {
  const shape = (result: { rows: unknown[]; affectedRows?: number } | undefined): QueryResult => {
    const rows = (result?.rows ?? []) as Record<string, unknown>[];
    return { rows, rowCount: result?.affectedRows || rows.length };
  };
  const pool = {
    async query(text: string, values?: unknown[]): Promise<QueryResult> {
      const db = await database();
      // With parameters: one statement over the extended protocol, as pg sends it. Without: the
      // simple protocol, which runs several statements in one transaction (migrate() relies on it).
      if (values && values.length > 0) return shape(await db.query(text, values));
      return shape((await db.exec(text)).at(-1));
    },
    async end() {},
    on() {
      return pool;
    },
  };
  return pool as unknown as pg.Pool;
}

let embedded: Promise<PGlite> | undefined;
/** This test file's embedded database, started from the global setup's template on first use. */
function embeddedDatabase(): Promise<PGlite> {
  embedded ??= PGlite.create({ loadDataDir: new Blob([readFileSync(services().pgliteDataDir)]) });
  return embedded;
}

/** Close this file's embedded database, if one was started (call from afterAll). */
export async function closeEmbedded(): Promise<void> {
  const db = embedded;
  embedded = undefined;
  if (db) await (await db).close();
}

export function postgresTargets(): PostgresTarget[] {
  return [
    { name: 'PGlite (embedded PostgreSQL)', kind: 'pglite', up: true, pool: () => pglitePool(embeddedDatabase) },
    { name: 'PostgreSQL server at 127.0.0.1:5432', kind: 'server', up: services().postgres, pool: (options) => pgPool(options) },
  ];
}
