import type { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { memoryStore, type Store } from 'recycled-number-guard';
import { postgresStore } from 'recycled-number-guard/postgres';
import { redisStore } from 'recycled-number-guard/redis';
import { describeStoreConformance } from 'recycled-number-guard/testing';
import { services } from '../services.js';
import { deleteRedisKeys, postgresCapabilities, redisCapabilities, redisClient, runId } from './helpers.js';
import { closeEmbedded, postgresTargets } from './postgres-targets.js';

const run = runId('c');
const runner = { describe, it, skip: it.skip };

describeStoreConformance('memory store conformance', { makeStore: () => memoryStore() }, runner);

describe.skipIf(!services().redis)('Redis (127.0.0.1:6379)', () => {
  // Two clients: the second stands for another app server (or the same one after a restart).
  let client: Redis;
  let other: Redis;
  beforeAll(() => {
    client = redisClient();
    other = redisClient();
  });
  const prefixes = new WeakMap<Store, string>();
  let n = 0;
  afterAll(async () => {
    await deleteRedisKeys(client, `rng-${run}-`);
    await Promise.all([client.quit(), other.quit()]);
  });
  describeStoreConformance(
    'redis store conformance',
    {
      capabilities: redisCapabilities,
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

afterAll(closeEmbedded);

for (const target of postgresTargets()) {
  describe.skipIf(!target.up)(target.name, () => {
    let pool: pg.Pool;
    let other: pg.Pool;
    beforeAll(() => {
      pool = target.pool({ max: 20 });
      other = target.pool({ max: 2 });
    });
    const schemas = new WeakMap<Store, string>();
    const created: string[] = [];
    let n = 0;
    afterAll(async () => {
      for (const schema of created) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await Promise.all([pool.end(), other.end()]);
    });
    describeStoreConformance(
      `postgres store conformance on ${target.name}`,
      {
        capabilities: postgresCapabilities,
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
}
