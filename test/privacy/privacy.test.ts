import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createGuard, memoryStore, type Store } from 'recycled-number-guard';
import { cidrGeoLookup } from 'recycled-number-guard/evidence';
import { fileAuditSink } from 'recycled-number-guard/audit';
import { postgresStore } from 'recycled-number-guard/postgres';
import { redisStore } from 'recycled-number-guard/redis';
import { services } from '../services.js';
import { closeEmbedded, postgresTargets } from '../stores/postgres-targets.js';

const run = `p${process.pid}_${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'rng-privacy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const AT = Date.parse('2026-01-10T09:00:00Z');
const DAY = 86_400_000;
const PHONES = ['+8613800138000', '+8613912345678', '+14155552671'];
const IPS = ['198.51.100.23', '203.0.113.45', '2001:db8:86::7'];
const DEVICE_TOKENS = ['device-cookie-secret-1', 'device-cookie-secret-2'];
const UA = 'Mozilla/5.0 (Linux; Android 14; SM-S9180) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const geo = cidrGeoLookup([
  { cidr: '198.51.100.0/24', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9042, lon: 116.4074 } },
  { cidr: '203.0.113.0/24', geo: { country: 'US', region: 'CA', city: 'San Francisco', lat: 37.7749, lon: -122.4194 } },
  { cidr: '2001:db8::/32', geo: { country: 'CN', region: 'SH', city: 'Shanghai', lat: 31.2304, lon: 121.4737 } },
]);

/** Every way a stored value could spell a phone number, an IP or a device token. */
function forbidden(): string[] {
  const forms = new Set<string>();
  for (const phone of PHONES) {
    forms.add(phone);
    forms.add(phone.slice(1));
    forms.add(phone.startsWith('+86') ? phone.slice(3) : phone.slice(2));
  }
  for (const ip of IPS) forms.add(ip);
  forms.add('2001:db8:86:0:0:0:0:7');
  for (const token of DEVICE_TOKENS) forms.add(token);
  forms.add(UA);
  return [...forms];
}

/** A realistic batch: allowed logins, step-ups passed and failed, a denied stranger. */
async function exercise(store: Store, auditPath: string) {
  let now = AT;
  const guard = createGuard({ store, geo, hashKey: 'privacy-test-key-0123456789', clock: () => now, audit: fileAuditSink(auditPath) });
  for (let day = 0; day < 6; day++) {
    for (const [i, phone] of PHONES.entries()) {
      now = AT + day * DAY + i * 60_000;
      const decision = await guard.assess({
        accountId: `acct-${i}`,
        phone,
        phoneBoundAt: '2023-01-01T00:00:00Z',
        ip: IPS[(i + day) % IPS.length]!,
        userAgent: UA,
        clientHints: { 'sec-ch-ua-model': '"SM-S9180"', 'sec-ch-ua-platform': '"Android"' },
        deviceId: DEVICE_TOKENS[i % 2],
        at: now,
      });
      if (decision.action === 'step_up') await guard.recordOutcome(decision.id, { check: 'password', passed: day % 3 !== 2 });
    }
  }
}

function scan(dump: string, where: string) {
  for (const form of forbidden()) expect(dump.includes(form), `${where} contains ${JSON.stringify(form)}`).toBe(false);
}

describe('nothing at rest holds a raw phone number, IP address, device token or user agent', () => {
  it('memory store and audit log', async () => {
    const store = memoryStore();
    const auditPath = join(dir, 'memory-audit.jsonl');
    // Capture every write the guard makes, exactly as the store receives it.
    const writes: unknown[] = [];
    const recording: Store = {
      ...store,
      capabilities: store.capabilities,
      name: store.name,
      write: (write, limits, signal) => {
        writes.push(write);
        return store.write(write, limits, signal);
      },
      addNumberEvents: (phone, events) => {
        writes.push({ phone, events });
        return store.addNumberEvents(phone, events);
      },
    };
    await exercise(recording, auditPath);
    expect(writes.length).toBeGreaterThan(10);
    scan(JSON.stringify(writes), 'memory store writes');
    scan(readFileSync(auditPath, 'utf8'), 'audit log');
  });

  it.skipIf(!services().redis)('Redis: every key and value', async () => {
    const client = new Redis({ host: '127.0.0.1', port: 6379 });
    const prefix = `rng-${run}`;
    try {
      await exercise(redisStore({ client, prefix }), join(dir, 'redis-audit.jsonl'));
      const keys = await client.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThanOrEqual(PHONES.length);
      const values = await Promise.all(keys.map((key) => client.get(key)));
      scan(JSON.stringify({ keys, values }), 'Redis');
    } finally {
      const keys = await client.keys(`${prefix}*`);
      if (keys.length > 0) await client.del(...keys);
      await client.quit();
    }
  });

  afterAll(closeEmbedded);
  for (const target of postgresTargets()) {
    it.skipIf(!target.up)(`PostgreSQL on ${target.name}: every row of every table`, async () => {
      const pool = target.pool();
      const schema = `rng_${run}`;
      try {
        const store = postgresStore({ pool, schema });
        await store.migrate();
        await exercise(store, join(dir, `pg-${target.kind}-audit.jsonl`));
        const dump: unknown[] = [];
        for (const table of ['profiles', 'pending', 'intel', 'number_events']) dump.push((await pool.query(`SELECT * FROM "${schema}".${table}`)).rows);
        expect(JSON.stringify(dump).length).toBeGreaterThan(500);
        scan(JSON.stringify(dump), `PostgreSQL on ${target.name}`);
      } finally {
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await pool.end();
      }
    });
  }
});

describe('hash key rotation keeps history', () => {
  it('history written under the old key is found under [new, old], migrated, and kept after the old key is dropped', async () => {
    const store = memoryStore();
    let now = AT;
    const attempt = () => ({
      accountId: 'acct-rot',
      phone: PHONES[0]!,
      phoneBoundAt: '2023-01-01T00:00:00Z',
      ip: IPS[0]!,
      userAgent: UA,
      deviceId: DEVICE_TOKENS[0],
      at: now,
    });
    const old = createGuard({ store, geo, hashKey: 'old-key-0123456789abcdef', clock: () => now });
    const first = await old.assess(attempt());
    await old.recordOutcome(first.id, { check: 'password', passed: true });
    expect((await old.assess(attempt())).reasons.map((r) => r.code)).toContain('vouched_device');

    now += 3 * DAY;
    const rotating = createGuard({ store, geo, hashKey: ['new-key-0123456789abcdef', 'old-key-0123456789abcdef'], clock: () => now });
    const during = await rotating.assess(attempt());
    expect(during.action).toBe('allow');
    expect(during.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['vouched_device', 'recent_owner_proof']));

    now += 3 * DAY;
    const rotated = createGuard({ store, geo, hashKey: 'new-key-0123456789abcdef', clock: () => now });
    const after = await rotated.assess(attempt());
    expect(after.action).toBe('allow');
    expect(after.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['vouched_device', 'recent_owner_proof']));
  });

  it("without the old key, old history is not trusted as this number's", async () => {
    const store = memoryStore();
    let now = AT;
    const attempt = () => ({
      accountId: 'acct-rot2',
      phone: PHONES[0]!,
      phoneBoundAt: '2023-01-01T00:00:00Z',
      ip: IPS[0]!,
      deviceId: DEVICE_TOKENS[0],
      at: now,
    });
    const old = createGuard({ store, geo, hashKey: 'old-key-0123456789abcdef', clock: () => now });
    const first = await old.assess(attempt());
    await old.recordOutcome(first.id, { check: 'password', passed: true });
    now += DAY;
    const forgetful = await createGuard({ store, geo, hashKey: 'new-key-0123456789abcdef', clock: () => now }).assess(attempt());
    expect(forgetful.reasons.map((r) => r.code)).not.toContain('recent_owner_proof');
  });
});
