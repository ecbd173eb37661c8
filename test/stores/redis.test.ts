import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard, GuardConfigError, type AttemptInput } from 'recycled-number-guard';
import type { PendingDecision } from 'recycled-number-guard/store';
import { redisKeyLayout, redisStore } from 'recycled-number-guard/redis';
import { createHasher } from '../../src/persist/keys.js';
import { services } from '../services.js';
import { countingRedis, deleteRedisKeys, redisClient, runId, startPrivateRedis, watchProcess, type PrivateRedis } from './helpers.js';

const run = runId('r');
const DAY = 86_400_000;
const HASH_KEY = 'redis-test-key-0123456789';
const AT = '2026-01-10T09:00:00Z';
const attempt = (overrides: Partial<AttemptInput> = {}): AttemptInput => ({
  accountId: 'acct-r',
  phone: '+8613800138000',
  phoneBoundAt: '2025-01-01T00:00:00Z',
  lastSeenAt: '2026-01-09T00:00:00Z',
  ip: '198.51.100.7',
  deviceId: 'owner-device',
  verified: ['sms_otp', 'password'],
  at: AT,
  ...overrides,
});
const limits = { maxDevices: 16, maxLocations: 16, maxFailedStepUps: 8, retentionMs: 180 * DAY };
const pending = (decisionId: string): PendingDecision => ({
  decisionId,
  accountId: 'acct-r',
  accountKey: 'acct-r',
  anyOf: [['face']],
  expiresAt: Date.parse(AT) + 600_000,
  ttlMs: 900_000,
  onPass: { at: Date.parse(AT), phoneHash: 'p' },
  reissuePossible: false,
});

const watch = watchProcess();
beforeAll(() => watch.start());
afterAll(() => {
  watch.stop();
  expect(watch.seen).toEqual([]);
});

describe('redisStore options', () => {
  it('rejects what is not an ioredis client, and prefixes that could break keys or hash tags', () => {
    expect(() => redisStore({ client: {} as Redis })).toThrow(GuardConfigError);
    const client = new Redis({ lazyConnect: true });
    try {
      expect(() => redisStore({ client, prefix: 'a{b}' })).toThrow(/prefix/);
      expect(() => redisStore({ client, prefix: '' })).toThrow(/prefix/);
      expect(() => redisStore({ client, maxEventsPerNumber: 0 })).toThrow(/maxEventsPerNumber/);
      expect(redisStore({ client, prefix: 'tenant-1:rng' }).name).toBe('redis');
    } finally {
      client.disconnect();
    }
  });

  it('keys carry hash tags and never an unescaped brace from an id', () => {
    const layout = redisKeyLayout('p');
    expect(layout.profile('user}{x')).toBe('p:{a:user%7D%7Bx}:profile');
    expect(layout.intel('hash')).toBe('p:{n:hash}:intel');
    expect(layout.events('hash')).toBe('p:{n:hash}:events');
    expect(layout.pending('dec_1')).toBe('p:{d:dec_1}:pending');
  });
});

describe.skipIf(!services().redis)('Redis at 127.0.0.1:6379', () => {
  let client: Redis;
  beforeAll(() => {
    client = redisClient();
  });
  afterAll(async () => {
    await deleteRedisKeys(client, `rng-${run}-`);
    await client.quit();
  });

  it('every key has a TTL: profile = retention window, pending and carrier answers = their ttlMs, events = eventTtlMs', async () => {
    const prefix = `rng-${run}-ttl`;
    const store = redisStore({ client, prefix, eventTtlMs: 30 * DAY });
    const layout = redisKeyLayout(prefix);
    await store.write(
      {
        keys: { account: 'acct-r', phone: 'hash-1' },
        patch: { at: Date.parse(AT), phoneHash: 'hash-1', device: { key: 't:x', fromToken: true, classKey: 'c', deviceType: 'mobile', vouched: false } },
        pending: pending('dec_ttl_1'),
        intel: { answers: [{ source: 'c', changedSince: false }], since: 0, fetchedAt: 0, expiresAt: 1, ttlMs: DAY },
      },
      limits,
    );
    await store.addNumberEvents('hash-1', [{ type: 'reissued', at: Date.parse(AT), source: 'file' }]);
    const ttl = async (key: string) => client.pttl(key);
    const near = (value: number, expected: number) => expect(Math.abs(value - expected)).toBeLessThan(10_000);
    near(await ttl(layout.profile('acct-r')), limits.retentionMs);
    near(await ttl(layout.pending('dec_ttl_1')), 900_000);
    near(await ttl(layout.intel('hash-1')), DAY);
    near(await ttl(layout.events('hash-1')), 30 * DAY);
    const keys: string[] = [];
    for await (const batch of client.scanStream({ match: `${prefix}*` }) as AsyncIterable<string[]>) keys.push(...batch);
    expect(keys.sort()).toEqual([layout.events('hash-1'), layout.intel('hash-1'), layout.pending('dec_ttl_1'), layout.profile('acct-r')].sort());
    for (const key of keys) expect(await ttl(key)).toBeGreaterThan(0);
  });

  it('one round trip to read and one to write per assess, allowed or stepped up, from the first assess on', async () => {
    const counted = countingRedis(client);
    const guard = createGuard({
      store: redisStore({ client: counted.client, prefix: `rng-${run}-rt` }),
      geo: false,
      hashKey: HASH_KEY,
      clock: () => Date.parse(AT),
    });
    const allowed = await guard.assess(attempt());
    expect([allowed.action, allowed.persisted]).toEqual(['allow', true]);
    expect(counted.requests()).toBe(2);
    counted.reset();
    const stepped = await guard.assess(attempt({ accountId: 'acct-dormant', deviceId: 'new', lastSeenAt: undefined, verified: undefined }));
    expect(stepped.action).toBe('step_up');
    expect(counted.requests()).toBe(2);
    counted.reset();
    const outcome = await guard.recordOutcome(stepped.id, { checks: stepped.stepUp!.anyOf[0] as ['face'], passed: true });
    expect(outcome.satisfied).toBe(true);
    // recordOutcome: take the pending decision, then merge what the step-up proved.
    expect(counted.requests()).toBe(2);
  });

  it('the stored profile is what the guard learned, keyed by hashes only', async () => {
    const prefix = `rng-${run}-content`;
    const guard = createGuard({ store: redisStore({ client, prefix }), geo: false, hashKey: HASH_KEY, clock: () => Date.parse(AT) });
    await guard.assess(attempt());
    const raw = await client.get(redisKeyLayout(prefix).profile('acct-r'));
    const hasher = createHasher([HASH_KEY]);
    const profile = JSON.parse(raw!) as { phoneHash: string; devices: { key: string }[] };
    expect(profile.phoneHash).toBe(hasher.phone('+8613800138000'));
    expect(profile.devices.map((d) => d.key)).toEqual([`t:${hasher.token('owner-device')}`]);
    expect(raw).not.toContain('8613800138000');
    expect(raw).not.toContain('owner-device');
  });
});

describe.skipIf(!services().redisServer)('a private redis-server (script cache flushes, no GETDEL, the server dying)', () => {
  let server: PrivateRedis;
  let client: Redis;
  beforeAll(async () => {
    // GETDEL renamed away: the store must fall back to its script, as on Redis before 6.2.
    server = await startPrivateRedis(1, false, ['--rename-command', 'GETDEL', '']);
    client = new Redis({ host: '127.0.0.1', port: server.ports[0]!, maxRetriesPerRequest: 1 });
    client.on('error', () => {});
  });
  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  it('SCRIPT FLUSH (or a Redis restart): the next write reloads the script with one extra round trip, nothing is lost', async () => {
    const counted = countingRedis(client);
    const store = redisStore({ client: counted.client, prefix: 'flush' });
    const keys = { account: 'a', phone: 'p' };
    const write = (at: number) =>
      store.write({ keys, patch: { at, phoneHash: 'p', device: { key: 't:x', fromToken: true, classKey: 'c', deviceType: 'm', vouched: false } } }, limits);
    await write(1);
    await client.script('FLUSH');
    counted.reset();
    await write(2);
    expect(counted.requests()).toBe(2); // the pipeline (NOSCRIPT) + EVAL
    counted.reset();
    await write(3);
    expect(counted.requests()).toBe(1);
    expect((await store.read(keys)).profile?.devices[0]?.count).toBe(3);
    await client.script('FLUSH');
    await store.addNumberEvents('p', [{ type: 'ported', at: 1, source: 's' }]);
    expect((await store.read(keys)).numberEvents).toHaveLength(1);
  });

  it('without GETDEL, takePending is a script: still single use under concurrent takes', async () => {
    await expect(client.getdel('x')).rejects.toThrow(/unknown command/i);
    const store = redisStore({ client, prefix: 'nogetdel' });
    await store.write({ keys: { account: 'acct-r', phone: 'p' }, pending: pending('dec_no_getdel') }, limits);
    const takes = await Promise.all(Array.from({ length: 10 }, () => store.takePending('dec_no_getdel')));
    expect(takes.filter(Boolean)).toHaveLength(1);
    expect(await store.takePending('dec_no_getdel')).toBeNull();
  });

  it('the server dies mid-life: the next assess still answers within the budget with history unavailable', async () => {
    const own = new Redis({ host: '127.0.0.1', port: server.ports[0]! });
    own.on('error', () => {});
    try {
      // A host with a face check: blind to history, fintech wants it even after the password.
      const guard = createGuard({
        store: redisStore({ client: own, prefix: 'dies' }),
        preset: 'fintech',
        checks: ['password', 'face'],
        geo: false,
        hashKey: HASH_KEY,
        clock: () => Date.parse(AT),
        budgetMs: 200,
      });
      expect((await guard.assess(attempt())).evidence.history).toBe('none');
      await server.stop();
      const started = performance.now();
      const decision = await guard.assess(attempt());
      // ioredis queues commands for a dead server while it reconnects: only the 200 ms budget ends the
      // wait. The slack is a loaded machine's event-loop lag.
      expect(performance.now() - started).toBeLessThan(200 + 600);
      expect(decision.evidence.history).toBe('unavailable');
      expect(decision.action).toBe('step_up');
      expect(decision.stepUp?.anyOf).toEqual([['face']]);
    } finally {
      own.disconnect();
    }
  });
});
