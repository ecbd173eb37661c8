// The fintech example over HTTP: strong step-ups for payments and phone changes, KYC Match evidence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFintech } from './app.js';

type Fintech = Awaited<ReturnType<typeof startFintech>>;
const SHANGHAI = '198.51.100.140';
const BEIJING = '198.51.100.20';
const TOKYO = '203.0.113.140';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const LAPTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const ANDROID = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

function api(fintech: Fintech) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${fintech.url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  return {
    call,
    /** OTP then login, from a device id and (through the trusted local proxy) an address. */
    async login(phone: string, device: string, address: string, userAgent = IPHONE) {
      const otp = await call('POST', '/api/otp', { phone });
      return call('POST', '/api/login', { phone, code: otp.body.devCode }, { 'x-device-id': device, 'x-forwarded-for': address, 'user-agent': userAgent });
    },
    async lastDecision() {
      return (await call('GET', '/api/admin/decisions', undefined, { 'x-admin-token': fintech.adminToken })).body.decisions[0] as {
        customerId: string;
        action: string;
        reasons: string[];
        stepUp?: string[][];
        numberChangedHands: string;
        advice: { newHolder: string };
      };
    },
  };
}

describe('fintech example (KYC Match configured)', () => {
  let fintech: Fintech;
  let client: ReturnType<typeof api>;
  let session: string;
  const as = (device: string, address: string, userAgent = IPHONE, token = session) => ({
    authorization: `Bearer ${token}`,
    'x-device-id': device,
    'x-forwarded-for': address,
    'user-agent': userAgent,
  });

  beforeAll(async () => {
    fintech = await startFintech({ port: 0, simulation: true, trustedProxies: ['127.0.0.1'], log: () => {} });
    client = api(fintech);
  });
  afterAll(() => fintech?.close());

  it('the owner logs in from her phone; KYC Match confirms she is the subscriber', async () => {
    const login = await client.login('+8615000000001', 'install-wangfang', SHANGHAI);
    expect(login.status).toBe(200);
    session = login.body.session;
    expect((await client.lastDecision()).reasons).toEqual(expect.arrayContaining(['identity_match', 'vouched_device', 'recent_owner_proof']));
  });

  it('a payment from her known phone goes through at once', async () => {
    const payment = await client.call('POST', '/api/payments', { amountCents: 12_000, to: 'Landlord 001' }, as('install-wangfang', SHANGHAI));
    expect(payment.status).toBe(201);
    expect(payment.body.balanceCents).toBe(1_250_000 - 12_000);
    expect((await client.lastDecision()).reasons).toEqual(expect.arrayContaining(['sensitive_action', 'identity_match']));
  });

  it('a payment from her new laptop in Beijing goes through too: KYC Match vouches that the number is still hers', async () => {
    const payment = await client.call('POST', '/api/payments', { amountCents: 30_000, to: 'Bookshop 7' }, as('install-laptop-wang', BEIJING, LAPTOP));
    expect(payment.status).toBe(201);
    expect((await client.lastDecision()).reasons).toEqual(expect.arrayContaining(['new_device', 'new_region', 'identity_match']));
  });

  it('without KYC evidence, a payment from a laptop in Tokyo minutes after her phone signed in from Shanghai waits for a strong check, then runs exactly once', async () => {
    // Sun Li's operator does not offer KYC Match.
    const login = await client.login('+8615000000003', 'install-sunli', SHANGHAI);
    expect(login.status).toBe(200);
    expect((await client.lastDecision()).reasons).toContain('number_intel_unavailable');
    const sun = login.body.session as string;
    const held = await client.call('POST', '/api/payments', { amountCents: 500_000, to: 'Unknown 42' }, as('install-laptop-x', TOKYO, LAPTOP, sun));
    expect(held.status).toBe(401);
    const decision = await client.lastDecision();
    expect(decision).toMatchObject({ customerId: 'cust-sunli', action: 'step_up' });
    expect(decision.reasons).toEqual(expect.arrayContaining(['sensitive_action', 'new_device', 'new_country']));
    expect(held.body.stepUp.anyOf).toEqual(decision.stepUp);
    expect(held.body.stepUp.anyOf.flat().every((check: string) => ['password', 'id_match', 'face'].includes(check))).toBe(true);
    expect((await client.call('GET', '/api/account', undefined, as('install-sunli', SHANGHAI, IPHONE, sun))).body.balanceCents).toBe(960_000);

    const done = await client.call('POST', '/api/step-up', { decisionId: held.body.decisionId, check: 'face', verdict: 'match' });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ action: 'allow', payment: { amountCents: 500_000 }, balanceCents: 460_000 });
    // The decision is single use: replaying the step-up does not pay twice.
    const replay = await client.call('POST', '/api/step-up', { decisionId: held.body.decisionId, check: 'face', verdict: 'match' });
    expect(replay.status).toBe(409);
    expect((await client.call('GET', '/api/account', undefined, as('install-sunli', SHANGHAI, IPHONE, sun))).body.balanceCents).toBe(460_000);
  });

  it('changing the phone number always needs a non-SMS check in fintech, even on the known phone', async () => {
    // A new session: no strong factor passed in it yet.
    const login = await client.login('+8615000000001', 'install-wangfang', SHANGHAI);
    session = login.body.session;
    const change = await client.call('POST', '/api/phone', { phone: '+86 150 0000 0009' }, as('install-wangfang', SHANGHAI));
    expect(change.status).toBe(401);
    const decision = await client.lastDecision();
    expect(decision).toMatchObject({ customerId: 'cust-wangfang', action: 'step_up' });
    expect(change.body.stepUp.anyOf).toEqual(decision.stepUp);
    const wrong = await client.call('POST', '/api/step-up', {
      decisionId: change.body.decisionId,
      check: 'id_match',
      name: 'Wang Fang',
      idDocument: '000',
      birthdate: '1988-02-14',
    });
    expect(wrong.status).toBe(403);
    expect((await client.call('GET', '/api/account', undefined, as('install-wangfang', SHANGHAI))).body.phone).toBe('+8615000000001');

    const again = await client.call('POST', '/api/phone', { phone: '+86 150 0000 0009' }, as('install-wangfang', SHANGHAI));
    expect(again.status).toBe(401);
    const ok = await client.call('POST', '/api/step-up', {
      decisionId: again.body.decisionId,
      check: 'id_match',
      name: 'wang fang',
      idDocument: '310101198802140021',
      birthdate: '1988-02-14',
    });
    expect(ok).toMatchObject({ status: 200, body: { action: 'allow', phone: '+8615000000009' } });
  });

  it('the new holder of a lapsed number: KYC mismatch, only face or ID is offered, failing it protects the owner', async () => {
    const stranger = await client.login('+8615000000002', 'install-zhaolei', BEIJING, ANDROID);
    expect(stranger.status).toBe(401);
    const decision = await client.lastDecision();
    expect(decision.reasons).toEqual(expect.arrayContaining(['identity_mismatch', 'dormant_beyond_aging', 'new_device']));
    expect(decision.numberChangedHands).toBe('likely');
    // The strongest checks only: a leaked password is not enough when the number likely changed hands.
    expect(stranger.body.stepUp.anyOf).toEqual([['face'], ['id_match']]);
    // The codes to act on, and the sentences to show, in the request's language (English here).
    expect(stranger.body.advice).toEqual({
      newHolder: 'offer_new_account',
      previousHolder: 'protect_account',
      newHolderMessage: 'This phone number may have belonged to someone else before you. You can create a new account with it.',
      previousHolderMessage: 'This account is protected: signing in needs a check that does not use the phone number.',
    });
    expect(await client.call('POST', '/api/step-up', { decisionId: stranger.body.decisionId, check: 'password', password: 'liu-yang-pass' })).toMatchObject({
      status: 400,
    });
    const failed = await client.call('POST', '/api/step-up', { decisionId: stranger.body.decisionId, check: 'face', verdict: 'no_match' });
    expect(failed).toMatchObject({ status: 403, body: { action: 'deny', advice: { newHolder: 'offer_new_account' } } });
    const again = await client.login('+8615000000002', 'install-zhaolei', BEIJING, ANDROID);
    expect(again).toMatchObject({ status: 403, body: { error: 'sms_login_off' } });
  });
});

describe('fintech example without KYC Match', () => {
  it('the same new holder is still stepped up to the strongest checks; the reasons say carrier evidence is missing', async () => {
    const fintech = await startFintech({ port: 0, kyc: false, simulation: true, trustedProxies: ['127.0.0.1'], log: () => {} });
    try {
      const client = api(fintech);
      const stranger = await client.login('+8615000000002', 'install-zhaolei', BEIJING, ANDROID);
      expect(stranger.status).toBe(401);
      const decision = await client.lastDecision();
      expect(decision.reasons).toContain('number_intel_unavailable');
      expect(decision.reasons).not.toContain('identity_mismatch');
    } finally {
      await fintech.close();
    }
  });
});
