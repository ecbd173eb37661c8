// The social example over HTTP: dry-run first, then enforcement, with history in Redis.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services } from '../../test/services.js';
import { createSocial } from './app.js';

type Social = Awaited<ReturnType<typeof createSocial>>;

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** OTP, then login, from a device and (through the trusted local proxy) an address. */
async function login(base: string, phone: string, device: string, clientAddress: string) {
  const otp = await call(base, 'POST', '/api/otp', { phone });
  expect(otp.status).toBe(200);
  return call(base, 'POST', '/api/login', { phone, code: otp.body.devCode }, { 'x-device-id': device, 'x-forwarded-for': clientAddress });
}

describe('social example', async () => {
  // Without Redis the example runs on its memory store; the global setup has said Redis is down.
  const useRedis = services().redis;
  const lines: string[] = [];
  let social: Social;
  let base: string;
  const admin = () => ({ 'x-admin-token': social.adminToken });

  beforeAll(async () => {
    // The test is the "proxy" on 127.0.0.1 that says where each client is: forwarded headers are
    // believed from it because it is configured, not because they are there.
    social = await createSocial({ simulation: true, trustedProxies: ['127.0.0.1'], log: (line) => lines.push(line), ...(useRedis ? {} : { redis: false }) });
    base = await social.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await social?.close();
    if (!useRedis) return;
    // The run's unique prefix is removed on close.
    const client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    await client.connect();
    const [, keys] = await client.scan('0', 'MATCH', `${social.redisPrefix}:*`, 'COUNT', 1000);
    await client.quit();
    expect(keys).toEqual([]);
  });

  it('uses Redis when it answers (and says which store it chose)', () => {
    expect(social.storeKind).toBe(useRedis ? 'redis' : 'memory');
    expect(lines.some((line) => line.startsWith(`[social] store: ${social.storeKind}`))).toBe(true);
  });

  it('dry-run: the new holder of a dormant number is let in, and the log says what enforcement would have done', async () => {
    expect((await call(base, 'GET', '/api/admin/mode', undefined, admin())).body).toMatchObject({ mode: 'dry_run' });
    const stranger = await login(base, '+86 137 0000 0002', 'app-install-stranger', '198.51.100.20');
    expect(stranger.status).toBe(200);
    expect(stranger.body).toMatchObject({ action: 'allow', mode: 'dry_run', user: { id: 'user-tao' } });
    expect(lines.some((line) => line.startsWith('[dry-run] user-tao: would step_up'))).toBe(true);
    const { body } = await call(base, 'GET', '/api/admin/decisions', undefined, admin());
    expect(body.decisions[0]).toMatchObject({ userId: 'user-tao', mode: 'dry_run', action: 'allow', wouldBe: 'step_up' });
    expect(body.decisions[0].reasons).toContain('dormant_beyond_aging');

    const owner = await login(base, '+8613700000001', 'app-install-mei', '198.51.100.11');
    expect(owner.status).toBe(200);
    expect((await call(base, 'GET', '/api/admin/decisions', undefined, admin())).body.decisions[0]).toMatchObject({ userId: 'user-mei', wouldBe: 'allow' });
  });

  it('the mode switch needs the admin token', async () => {
    expect((await call(base, 'POST', '/api/admin/mode', { mode: 'enforce' }, { 'x-admin-token': 'nope' })).status).toBe(403);
    expect((await call(base, 'POST', '/api/admin/mode', { mode: 'enforce' }, admin())).body).toEqual({ mode: 'enforce' });
  });

  it('enforced: the same login gets a 401 step-up; a wrong password is a 403 that offers a fresh account and protects the owner', async () => {
    const stranger = await login(base, '+8613700000002', 'app-install-stranger', '198.51.100.20');
    expect(stranger.status).toBe(401);
    expect(stranger.body).toMatchObject({ action: 'step_up', stepUp: { anyOf: [['password']] }, decisionId: expect.stringMatching(/^dec_/) });
    expect(stranger.body).not.toHaveProperty('session');
    const failed = await call(base, 'POST', '/api/step-up', { decisionId: stranger.body.decisionId, check: 'password', password: 'guess' });
    expect(failed).toEqual({
      status: 403,
      body: {
        decisionId: stranger.body.decisionId,
        action: 'deny',
        // The codes to act on, and the sentences to show, in the request's language (English here).
        locale: 'en',
        message: 'We cannot sign you in with this phone number. If the account is yours, contact support.',
        advice: {
          newHolder: 'offer_new_account',
          previousHolder: 'protect_account',
          newHolderMessage: 'This phone number may have belonged to someone else before you. You can create a new account with it.',
          previousHolderMessage: 'This account is protected: signing in needs a check that does not use the phone number.',
        },
      },
    });
    // SMS login is now off for Tao's account.
    const again = await login(base, '+8613700000002', 'app-install-stranger', '198.51.100.20');
    expect(again).toMatchObject({ status: 403, body: { error: 'sms_login_off', advice: { newHolder: 'offer_new_account' } } });
  });

  it("enforced: the owner's routine login still goes straight through, and a session works", async () => {
    const owner = await login(base, '+8613700000001', 'app-install-mei', '198.51.100.11');
    expect(owner.status).toBe(200);
    expect(owner.body.action).toBe('allow');
    expect((await call(base, 'GET', '/api/me', undefined, { authorization: `Bearer ${owner.body.session}` })).body).toMatchObject({ name: 'Mei' });
  });

  it('a client cannot pick its address: without the trusted proxy, X-Forwarded-For is ignored', async () => {
    const direct = await createSocial({ simulation: true, redis: false, log: () => {} });
    const url = await direct.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const owner = await login(url, '+8613700000001', 'app-install-mei', '198.51.100.140');
      expect(owner.status).toBe(200);
      const { body } = await call(url, 'GET', '/api/admin/decisions', undefined, { 'x-admin-token': direct.adminToken });
      // Loopback is Beijing, her home: the forged Shanghai address was not believed.
      expect(body.decisions[0].reasons).toContain('known_region');
      expect(body.decisions[0].reasons).not.toContain('new_region');
    } finally {
      await direct.close();
    }
  });

  it.runIf(useRedis)('history lives in Redis: a second app server on the same prefix knows Mei’s device', async () => {
    const client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    await client.connect();
    try {
      const [, keys] = await client.scan('0', 'MATCH', `${social.redisPrefix}:*`, 'COUNT', 1000);
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      await client.quit();
    }
    // No seeding on this one: whatever it knows about Mei, it read from Redis.
    const second = await createSocial({
      simulation: true,
      mode: 'enforce',
      seedHistory: false,
      trustedProxies: ['127.0.0.1'],
      redis: { prefix: social.redisPrefix! },
      log: () => {},
    });
    const url = await second.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const owner = await login(url, '+8613700000001', 'app-install-mei', '198.51.100.11');
      expect(owner.status).toBe(200);
      const { body } = await call(url, 'GET', '/api/admin/decisions', undefined, { 'x-admin-token': second.adminToken });
      expect(body.decisions[0].reasons).toEqual(expect.arrayContaining(['vouched_device', 'recent_owner_proof']));
    } finally {
      // A given prefix is not removed on close: it belongs to the first server, which cleans it up.
      await second.close();
    }
  });
});
