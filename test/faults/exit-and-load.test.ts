import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard, InvalidInputError } from 'recycled-number-guard';
import { redisStore } from 'recycled-number-guard/redis';
import { services } from '../services.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('no timer or socket is left open', () => {
  it('a process that assessed against hanging, resetting and failing providers exits on its own', () => {
    // The child sets no exit: if anything (a timer, a socket, a pending fetch) stayed open it would hang
    // and execFileSync's timeout would fail the test.
    const script = `
      import { createServer } from 'node:http';
      import { createGuard } from 'recycled-number-guard';
      const server = createServer((req, res) => {
        if (req.url.includes('hang')) return; // never answers
        if (req.url.includes('reset')) return req.socket.destroy();
        res.writeHead(500).end('{}');
      });
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const base = 'http://127.0.0.1:' + server.address().port;
      const provider = (path) => ({ name: path, check: async ({ signal }) => { const r = await fetch(base + '/' + path, { signal }); throw new Error('HTTP ' + r.status); } });
      const guard = createGuard({ geo: false, budgetMs: 150, preset: 'fintech', numberIntel: [provider('hang'), provider('reset'), provider('fail')] });
      const started = Date.now();
      const decisions = await Promise.all(Array.from({ length: 20 }, (_, i) => guard.assess({ accountId: 'a' + i, phone: '+8613800138000', phoneBoundAt: '2022-01-01', ip: '203.0.113.7' })));
      server.close();
      server.closeAllConnections();
      console.log(JSON.stringify({ ms: Date.now() - started, actions: [...new Set(decisions.map((d) => d.action))], intel: [...new Set(decisions.map((d) => d.evidence.numberIntel))] }));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    const result = JSON.parse(out.trim().split('\n').pop()!) as { ms: number; actions: string[]; intel: string[] };
    expect(result.actions).not.toContain('allow');
    expect(result.intel).toEqual(['unavailable']);
    expect(result.ms).toBeLessThan(5_000);
  });
});

describe('inputs are capped before parsing', () => {
  const guard = createGuard({ geo: false, clock: () => Date.parse('2026-01-10T00:00:00Z') });
  const base = { accountId: 'a', phone: '+8613800138000', phoneBoundAt: '2022-01-01', ip: '203.0.113.7', at: '2026-01-10T00:00:00Z' };

  it('a 1 MB user agent is cut to 512 characters and decided', async () => {
    const decision = await guard.assess({ ...base, userAgent: `Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) ${'A'.repeat(1_000_000)}` });
    expect(decision.evidence.device).toBe('ok');
  });

  it.each([
    ['accountId', { accountId: 'x'.repeat(10_000) }],
    ['deviceId', { deviceId: 'x'.repeat(10_000) }],
    ['phone', { phone: '1'.repeat(10_000) }],
    ['ip', { ip: '1'.repeat(10_000) }],
  ])('a 10k-character %s is rejected, naming the field', async (field, patch) => {
    await expect(guard.assess({ ...base, ...patch })).rejects.toSatisfy((error: unknown) => error instanceof InvalidInputError && error.fields.includes(field));
  });
});

describe.skipIf(!services().redis)('load on the Redis store', () => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis({ host: '127.0.0.1', port: 6379 });
  });
  const prefix = `rng-load-${process.pid}-${Date.now().toString(36)}`;
  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
    await client.quit();
  });

  it('4,000 concurrent assessments over 1,000 accounts: no lost profile update, bounded memory', async () => {
    const store = redisStore({ client, prefix });
    const guard = createGuard({ store, geo: false, hashKey: 'load-test-key-0123456789', clock: () => Date.parse('2026-01-10T09:00:00Z'), budgetMs: 20_000 });
    const heapBefore = process.memoryUsage().heapUsed;
    const decisions = await Promise.all(
      Array.from({ length: 4_000 }, (_, i) =>
        guard.assess({
          accountId: `acct-${i % 1_000}`,
          phone: '+8613800138000',
          phoneBoundAt: '2025-12-01',
          lastSeenAt: '2026-01-09',
          ip: '198.51.100.7',
          deviceId: `dev-${Math.floor(i / 1_000)}`,
          verified: ['sms_otp', 'password'],
          at: '2026-01-10T09:00:00Z',
        }),
      ),
    );
    expect(decisions.every((d) => d.action === 'allow' && d.persisted)).toBe(true);
    // Every account saw its four devices exactly once each: 4 devices, 4 sightings.
    for (const account of [0, 337, 999]) {
      const profile = (await store.read({ account: `acct-${account}`, phone: 'x' })).profile!;
      expect(profile.devices).toHaveLength(4);
      expect(profile.devices.reduce((sum, d) => sum + d.count, 0)).toBe(4);
    }
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 2 ** 20);
  });
});
