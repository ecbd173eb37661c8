import { afterAll, describe, it } from 'vitest';
import { memoryStore, type Store } from 'recycled-number-guard';
import { postgresStore } from 'recycled-number-guard/postgres';
import { redisStore } from 'recycled-number-guard/redis';
import { describeStoreConformance } from 'recycled-number-guard/testing';
import { deleteRedisKeys, pgPool, redisClient, runId } from './helpers.js';
import { servicesAvailable } from './services.js';

const run = runId('c');
const services = await servicesAvailable();
const runner = { describe, it, skip: it.skip };

describeStoreConformance('memory store conformance', { makeStore: () => memoryStore() }, runner);

describe.skipIf(!services.redis)('Redis (127.0.0.1:6379)', () => {
  // Two clients: the second stands for another app server (or the same one after a restart).
  const client = redisClient({ lazyConnect: true });
  const other = redisClient({ lazyConnect: true });
  const prefixes = new WeakMap<Store, string>();
  let n = 0;
  afterAll(async () => {
    await deleteRedisKeys(client, `rng-${run}-`);
    await Promise.all([client.quit(), other.quit()]);
  });
  describeStoreConformance(
    'redis store conformance',
    {
      makeStore: () => {
        // A fresh prefix per case: each case starts from an empty store.
        const prefix = `rng-${run}-${n++}`;
        const store = redisStore({ client, prefix });
        prefixes.set(store, prefix);
        return store;
      },
      reopen: (store) => redisStore({ client: other, prefix: prefixes.get(store)! }),
    },
    runner,
  );
});

describe.skipIf(!services.postgres)('PostgreSQL (127.0.0.1:5432, database test)', () => {
  const pool = pgPool({ max: 20 });
  const other = pgPool({ max: 2 });
  const schemas = new WeakMap<Store, string>();
  const created: string[] = [];
  let n = 0;
  afterAll(async () => {
    for (const schema of created) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await Promise.all([pool.end(), other.end()]);
  });
  describeStoreConformance(
    'postgres store conformance',
    {
      makeStore: async () => {
        const schema = `rng_${run}_${n++}`;
        created.push(schema);
        const store = postgresStore({ pool, schema });
        await store.migrate();
        schemas.set(store, schema);
        return store;
      },
      reopen: (store) => postgresStore({ pool: other, schema: schemas.get(store)! }),
    },
    runner,
  );
});
