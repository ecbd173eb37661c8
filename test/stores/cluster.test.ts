import { Cluster, type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard, type Store } from 'recycled-number-guard';
import { redisKeyLayout, redisStore } from 'recycled-number-guard/redis';
import { describeStoreConformance } from 'recycled-number-guard/testing';
import { services } from '../services.js';
import { countingRedis, redisCapabilities, startPrivateRedis, type PrivateRedis } from './helpers.js';

/**
 * The Redis adapter on a real three-node Redis Cluster (private redis-server processes on free
 * loopback ports): hash tags keep each account's and each number's keys in one slot, no command
 * spans slots (the cluster would answer CROSSSLOT), and scripts reload per node after a flush.
 */
describe.skipIf(!services().redisServer)('Redis Cluster (3 private nodes)', () => {
  let nodes: PrivateRedis;
  let cluster: Cluster;
  let other: Cluster;
  const connect = () =>
    new Cluster(
      nodes.ports.map((port) => ({ host: '127.0.0.1', port })),
      { redisOptions: { maxRetriesPerRequest: 2 } },
    );
  beforeAll(async () => {
    nodes = await startPrivateRedis(3, true);
    cluster = connect();
    other = connect();
  });
  const prefixes = new WeakMap<Store, string>();
  let n = 0;
  afterAll(async () => {
    await Promise.all([cluster.quit(), other.quit()]);
    await nodes.stop();
  });

  it('an account’s keys share one slot, a number’s keys share one slot, and the nodes own different slots', async () => {
    const layout = redisKeyLayout('c');
    const slot = async (key: string) => Number(await cluster.call('CLUSTER', 'KEYSLOT', key));
    expect(await slot(layout.intel('hash-1'))).toBe(await slot(layout.events('hash-1')));
    const slots = new Set(await Promise.all(Array.from({ length: 30 }, (_, i) => slot(layout.profile(`acct-${i}`)))));
    expect(slots.size).toBeGreaterThan(20);
    const owners = (await cluster.call('CLUSTER', 'SHARDS')) as unknown[];
    expect(owners).toHaveLength(3);
  });

  it('a guard on the cluster: allowed, stepped up, outcome recorded, history seen through a second client', async () => {
    const at = Date.parse('2026-01-10T09:00:00Z');
    const base = { phone: '+8613800138000', phoneBoundAt: '2025-01-01T00:00:00Z', ip: '198.51.100.7', at: '2026-01-10T09:00:00Z' };
    const guard = createGuard({
      store: redisStore({ client: cluster, prefix: 'guard' }),
      preset: 'fintech',
      geo: false,
      hashKey: 'cluster-key-0123456789',
      clock: () => at,
    });
    const allowed = await guard.assess({ ...base, accountId: 'a1', deviceId: 'd1', lastSeenAt: '2026-01-09T00:00:00Z', verified: ['sms_otp', 'password'] });
    expect([allowed.action, allowed.persisted]).toEqual(['allow', true]);
    const stepped = await guard.assess({ ...base, accountId: 'a2', deviceId: 'd2' });
    expect([stepped.action, stepped.persisted]).toEqual(['step_up', true]);
    const restarted = createGuard({
      store: redisStore({ client: other, prefix: 'guard' }),
      preset: 'fintech',
      geo: false,
      hashKey: 'cluster-key-0123456789',
      clock: () => at,
    });
    expect((await restarted.recordOutcome(stepped.id, { checks: stepped.stepUp!.anyOf[0] as ['face'], passed: true })).satisfied).toBe(true);
    const again = await restarted.assess({ ...base, accountId: 'a1', deviceId: 'd1', lastSeenAt: '2026-01-09T00:00:00Z' });
    expect(again.reasons.map((reason) => reason.code)).toContain('vouched_device');
  });

  it('requests per assess on a cluster: read = GET (account slot) + MGET (number slot) in parallel; write = one command per slot touched', async () => {
    const counted = countingRedis(cluster as unknown as Redis);
    const at = Date.parse('2026-01-10T09:00:00Z');
    const guard = createGuard({
      store: redisStore({ client: counted.client, prefix: 'rt' }),
      preset: 'fintech',
      geo: false,
      hashKey: 'cluster-key-0123456789',
      clock: () => at,
    });
    const base = { phone: '+8613800138000', phoneBoundAt: '2025-01-01T00:00:00Z', ip: '198.51.100.7', at: '2026-01-10T09:00:00Z' };
    const allowed = await guard.assess({ ...base, accountId: 'a1', deviceId: 'd1', lastSeenAt: '2026-01-09T00:00:00Z', verified: ['sms_otp', 'password'] });
    expect(allowed.action).toBe('allow');
    expect(counted.requests()).toBe(3); // GET + MGET, then EVALSHA (profile slot)
    counted.reset();
    const stepped = await guard.assess({ ...base, accountId: 'a2', deviceId: 'd2' });
    expect(stepped.action).toBe('step_up');
    expect(counted.requests()).toBe(3); // GET + MGET, then SET (decision slot)
  });

  it('after SCRIPT FLUSH on every node, writes and ingests still land', async () => {
    const store = redisStore({ client: cluster, prefix: 'flush' });
    const write = (account: string) =>
      store.write(
        {
          keys: { account, phone: 'p' },
          patch: { at: 1, phoneHash: 'p', device: { key: 't:x', fromToken: true, classKey: 'c', deviceType: 'm', vouched: false } },
        },
        { maxDevices: 4, maxLocations: 4, maxFailedStepUps: 4, retentionMs: 86_400_000 },
      );
    const accounts = Array.from({ length: 12 }, (_, i) => `acct-${i}`);
    await Promise.all(accounts.map(write));
    await nodes.onEachNode('SCRIPT', 'FLUSH');
    await Promise.all(accounts.map(write));
    await store.addNumberEvents('p', [{ type: 'reissued', at: 1, source: 's' }]);
    for (const account of accounts) expect((await store.read({ account, phone: 'p' })).profile?.devices[0]?.count).toBe(2);
    expect((await store.read({ account: 'x', phone: 'p' })).numberEvents).toHaveLength(1);
  });

  describeStoreConformance(
    'redis store conformance on the cluster',
    {
      capabilities: redisCapabilities,
      makeStore: () => {
        const prefix = `conf-${n++}`;
        const store = redisStore({ client: cluster, prefix });
        prefixes.set(store, prefix);
        return store;
      },
      reopen: (store) => redisStore({ client: other, prefix: prefixes.get(store)! }),
      // Fewer random sequences: the full set already runs against standalone Redis.
      sequences: 8,
    },
    { describe, it, skip: it.skip },
  );
});
