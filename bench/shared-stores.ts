/**
 * assess() against the local Redis and PostgreSQL at 64 concurrent requests, with the round trips
 * each assess makes, counted at the client (one pipeline or one script call = one round trip).
 * Baseline in the same run: the memory store at the same concurrency.
 */
import { createRequire } from 'node:module';
import { benchStream, type BenchAttempt } from './stream.js';
import { loadDist } from './hot-path.js';

const require = createRequire(import.meta.url);
type Library = typeof import('../src/index.js');
type Store = import('../src/index.js').Store;

interface Result {
  perSecond: number;
  reads: number;
  writes: number;
  roundTripsPerAssess: number;
}

async function drive(lib: Library, store: Store, stream: BenchAttempt[], concurrency: number, roundTrips: () => number): Promise<Result> {
  let now = stream[0]!.at;
  const guard = lib.createGuard({ store, hashKey: 'benchmark-key-0123456789', clock: () => now, budgetMs: 5_000, geo: false });
  let reads = 0;
  let writes = 0;
  const counted: Store = {
    ...store,
    name: store.name,
    capabilities: store.capabilities,
    read: (keys, signal) => {
      reads++;
      return store.read(keys, signal);
    },
    write: (write, limits, signal) => {
      writes++;
      return store.write(write, limits, signal);
    },
  };
  const countedGuard = lib.createGuard({ store: counted, hashKey: 'benchmark-key-0123456789', clock: () => now, budgetMs: 5_000, geo: false });
  // Warm the connection pools and the script cache outside the timing.
  for (const attempt of stream.slice(0, concurrency)) {
    now = Math.max(now, attempt.at);
    await guard.assess(attempt);
  }
  const before = roundTrips();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < stream.length) {
        const attempt = stream[next++]!;
        now = Math.max(now, attempt.at);
        await countedGuard.assess(attempt);
      }
    }),
  );
  const elapsed = performance.now() - started;
  return { perSecond: stream.length / (elapsed / 1000), reads, writes, roundTripsPerAssess: (roundTrips() - before) / stream.length };
}

/** Counts network round trips of an ioredis client: each command call, and each pipeline/multi exec. */
function countRedis(client: Record<string, unknown>): { client: unknown; count: () => number } {
  let count = 0;
  const pipelines = new Set(['pipeline', 'multi']);
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      if (pipelines.has(property)) {
        return (...args: unknown[]) => {
          const pipeline = (value as (...a: unknown[]) => { exec: () => Promise<unknown> }).apply(target, args);
          const exec = pipeline.exec.bind(pipeline);
          pipeline.exec = () => {
            count++;
            return exec();
          };
          return pipeline;
        };
      }
      if (['on', 'once', 'off', 'removeListener', 'emit', 'duplicate', 'quit', 'disconnect', 'defineCommand', 'connect'].includes(property))
        return value.bind(target);
      return (...args: unknown[]) => {
        count++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: proxy, count: () => count };
}

/** Counts PostgreSQL round trips: every pool.query is one statement sent and answered. */
function countPg(pool: { query: (...args: unknown[]) => unknown }) {
  let count = 0;
  const query = pool.query.bind(pool);
  pool.query = (...args: unknown[]) => {
    count++;
    return query(...args);
  };
  return { pool, count: () => count };
}

export async function sharedStores(root: string, quick: boolean): Promise<void> {
  console.log('\n## Shared stores: assess at 64 concurrent requests\n');
  const lib = await loadDist();
  const stream = benchStream(quick ? 5_000 : 20_000, 2_000, 7);
  const concurrency = 64;
  const rows: string[] = [];

  const memory = await drive(lib, lib.memoryStore(), stream, concurrency, () => 0);
  rows.push(
    `| memory (baseline) | ${Math.round(memory.perSecond).toLocaleString('en-US')}/s | 1.00 | ${(memory.reads / stream.length).toFixed(2)} / ${(memory.writes / stream.length).toFixed(2)} | - |`,
  );

  const prefix = `rng-bench-${process.pid}-${Date.now()}`;
  try {
    const { redisStore } = (await import(new URL('../dist/redis.js', import.meta.url).href)) as {
      redisStore?: (options: { client: unknown; prefix?: string }) => Store;
    };
    if (!redisStore) throw new Error('dist/redis.js has no redisStore');
    const Redis = require('ioredis') as new (
      options: object,
    ) => Record<string, unknown> & { quit(): Promise<unknown>; keys(p: string): Promise<string[]>; del(...k: string[]): Promise<number> };
    const raw = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: false, maxRetriesPerRequest: 1 });
    const counted = countRedis(raw);
    const store = redisStore({ client: counted.client, prefix });
    const redis = await drive(lib, store, stream, concurrency, counted.count);
    rows.push(
      `| Redis 127.0.0.1:6379 | ${Math.round(redis.perSecond).toLocaleString('en-US')}/s | ${(redis.perSecond / memory.perSecond).toFixed(2)} | ${(redis.reads / stream.length).toFixed(2)} / ${(redis.writes / stream.length).toFixed(2)} | ${redis.roundTripsPerAssess.toFixed(2)} |`,
    );
    const leftovers = await raw.keys(`*${prefix}*`);
    for (let i = 0; i < leftovers.length; i += 500) await raw.del(...leftovers.slice(i, i + 500));
    await raw.quit();
  } catch (error) {
    rows.push(`| Redis | not measured: ${(error as Error).message} | | | |`);
  }

  try {
    const mod = (await import(new URL('../dist/postgres.js', import.meta.url).href)) as {
      postgresStore?: (options: { pool: unknown; schema?: string }) => Store & { migrate(): Promise<void> };
    };
    if (!mod.postgresStore) throw new Error('dist/postgres.js has no postgresStore');
    const { Pool } = require('pg') as { Pool: new (options: object) => Parameters<typeof countPg>[0] & { end(): Promise<void> } };
    const pool = new Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: 16 });
    const counted = countPg(pool);
    const schema = prefix.replace(/-/g, '_');
    const store = mod.postgresStore({ pool: counted.pool, schema });
    await store.migrate();
    const pg = await drive(lib, store, stream, concurrency, counted.count);
    rows.push(
      `| PostgreSQL 127.0.0.1:5432 | ${Math.round(pg.perSecond).toLocaleString('en-US')}/s | ${(pg.perSecond / memory.perSecond).toFixed(2)} | ${(pg.reads / stream.length).toFixed(2)} / ${(pg.writes / stream.length).toFixed(2)} | ${pg.roundTripsPerAssess.toFixed(2)} |`,
    );
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  } catch (error) {
    rows.push(`| PostgreSQL | not measured: ${(error as Error).message} | | | |`);
  }

  console.log('| store | assess throughput | vs memory | store reads / writes per assess | network round trips per assess |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  void root;
}
