import { describe, expect, it } from 'vitest';
import { InvalidInputError, OutcomeRejectedError, type Decision } from 'recycled-number-guard';
import {
  acceptClientHints,
  attemptFromRequest,
  clientHintsFrom,
  decisionResponse,
  guardErrorResponse,
  outcomeResponse,
  readCookie,
  webRequestLike,
} from 'recycled-number-guard/http';
import { ACCOUNTS, ANDROID, testGuard } from './helpers.js';

const req = (headers: Record<string, string | string[]>, remoteAddress: string | null = '127.0.0.1', cookies?: Record<string, string>) => ({
  headers,
  socket: remoteAddress === null ? null : { remoteAddress },
  ...(cookies ? { cookies } : {}),
});

describe('attemptFromRequest', () => {
  const fields = { accountId: 'u-1', phone: '+8613800138000', phoneBoundAt: '2022-11-02T08:00:00Z' };

  it('takes the socket peer, the user agent, lower-cased Client Hints and the device cookie', () => {
    const attempt = attemptFromRequest(
      req({
        'user-agent': ANDROID,
        'sec-ch-ua-model': '"Pixel 8"',
        'sec-ch-ua-platform': '"Android"',
        'sec-ch-ua-platform-version': '"14.0.0"',
        'sec-ch-ua-mobile': '?1',
        'x-forwarded-for': '8.8.8.8',
        cookie: 'theme=dark; rng_device=dev%2D42; other=1',
      }),
      { ...fields, deviceCookie: 'rng_device', action: 'login', verified: ['sms_otp'] },
    );
    expect(attempt).toEqual({
      ...fields,
      ip: '127.0.0.1',
      userAgent: ANDROID,
      clientHints: { 'sec-ch-ua-model': '"Pixel 8"', 'sec-ch-ua-platform': '"Android"', 'sec-ch-ua-platform-version': '"14.0.0"', 'sec-ch-ua-mobile': '?1' },
      deviceId: 'dev-42',
      action: 'login',
      verified: ['sms_otp'],
    });
  });

  it('believes X-Forwarded-For only from a configured proxy', () => {
    const headers = { 'x-forwarded-for': '203.0.113.5, 198.51.100.7' };
    expect(attemptFromRequest(req(headers, '10.0.0.3'), fields).ip).toBe('10.0.0.3');
    expect(attemptFromRequest(req(headers, '10.0.0.3'), { ...fields, trustedProxies: ['10.0.0.0/8'] }).ip).toBe('198.51.100.7');
  });

  it('prefers parsed cookies, and an explicit deviceId over both', () => {
    const request = req({ cookie: 'rng_device=from-header' }, '127.0.0.1', { rng_device: 'from-middleware' });
    expect(attemptFromRequest(request, { ...fields, deviceCookie: 'rng_device' }).deviceId).toBe('from-middleware');
    expect(attemptFromRequest(request, { ...fields, deviceCookie: 'rng_device', deviceId: 'app-install-1' }).deviceId).toBe('app-install-1');
    expect(attemptFromRequest(req({}), { ...fields, deviceCookie: 'rng_device' })).not.toHaveProperty('deviceId');
  });

  it('throws InvalidInputError naming ip when the request has no peer address', () => {
    try {
      attemptFromRequest(req({ 'x-forwarded-for': '8.8.8.8' }, null), fields);
      expect.unreachable('must throw');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).fields).toEqual(['ip']);
    }
  });

  it('keeps only the Client Hints the device signal reads, and drops oversized values', () => {
    const hints = clientHintsFrom(
      req({ 'sec-ch-ua-model': 'x'.repeat(300), 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-made-up': '1', 'sec-ch-prefers-color-scheme': 'dark' }),
    );
    expect(hints).toEqual({ 'sec-ch-ua-mobile': '?0' });
    expect(clientHintsFrom(req({}))).toBeUndefined();
  });

  it('readCookie: quoted values, missing cookies, no prefix confusion', () => {
    expect(readCookie(req({ cookie: 'xrng_device=evil; rng_device="abc"' }), 'rng_device')).toBe('abc');
    expect(readCookie(req({ cookie: 'a=1' }), 'rng_device')).toBeUndefined();
    expect(readCookie(req({ cookie: 'rng_device=' }), 'rng_device')).toBeUndefined();
    expect(readCookie(req({ cookie: 'rng_device=%E0%A4%A' }), 'rng_device')).toBe('%E0%A4%A');
  });

  it('webRequestLike: a fetch-API request with the address the platform vouches for', () => {
    const request = new Request('https://example.test/login', {
      headers: { 'User-Agent': ANDROID, 'Sec-CH-UA-Model': '"Pixel 8"', Cookie: 'rng_device=d9', 'X-Forwarded-For': '8.8.8.8' },
    });
    const attempt = attemptFromRequest(webRequestLike(request, { remoteAddress: '203.0.113.7' }), { ...fields, deviceCookie: 'rng_device' });
    expect(attempt).toMatchObject({ ip: '203.0.113.7', userAgent: ANDROID, clientHints: { 'sec-ch-ua-model': '"Pixel 8"' }, deviceId: 'd9' });
    expect(() => attemptFromRequest(webRequestLike(request, { remoteAddress: undefined }), fields)).toThrow(InvalidInputError);
  });

  it('feeds the guard: the attempt it builds is valid input', async () => {
    const guard = testGuard();
    const decision = await guard.assess(
      attemptFromRequest(req({ 'user-agent': ANDROID, cookie: 'rng_device=d1' }), { ...ACCOUNTS.fresh, deviceCookie: 'rng_device' }),
    );
    expect(decision.action).toBe('allow');
    expect(decision.evidence.device).toBe('ok');
    expect(decision.evidence.geo).toBe('ok');
  });
});

describe('acceptClientHints', () => {
  const target = () => {
    const headers = new Map<string, string>();
    return {
      headers,
      setHeader: (name: string, value: string) => headers.set(name.toLowerCase(), value),
      getHeader: (name: string) => headers.get(name.toLowerCase()),
    };
  };

  it('asks for model, platform, platform version and mobile; no Critical-CH unless asked', () => {
    const res = target();
    acceptClientHints(res);
    expect(res.headers.get('accept-ch')).toBe('Sec-CH-UA-Model, Sec-CH-UA-Platform, Sec-CH-UA-Platform-Version, Sec-CH-UA-Mobile');
    expect(res.headers.has('critical-ch')).toBe(false);
    acceptClientHints(res, { critical: true });
    expect(res.headers.get('critical-ch')).toBe('Sec-CH-UA-Model, Sec-CH-UA-Platform-Version');
  });

  it('merges with hints the host already asks for, without duplicates', () => {
    const res = target();
    res.setHeader('Accept-CH', 'Sec-CH-Prefers-Color-Scheme, sec-ch-ua-model');
    acceptClientHints(res);
    expect(res.headers.get('accept-ch')).toBe('Sec-CH-Prefers-Color-Scheme, sec-ch-ua-model, Sec-CH-UA-Platform, Sec-CH-UA-Platform-Version, Sec-CH-UA-Mobile');
  });

  it('works with a Fastify-style reply and rejects anything else by name', () => {
    const set: [string, unknown][] = [];
    acceptClientHints({ header: (name: string, value: unknown) => set.push([name, value]) });
    expect(set[0]?.[0]).toBe('Accept-CH');
    expect(() => acceptClientHints({} as never)).toThrow(/res/);
  });
});

describe('decisionResponse', () => {
  async function decisions() {
    const guard = testGuard();
    const weak = testGuard({ checks: ['known_address'] });
    const base = { ip: '127.0.0.1', userAgent: ANDROID, deviceId: 'dev-1' };
    return {
      allow: await guard.assess({ ...ACCOUNTS.fresh, ...base }),
      stepUp: await guard.assess({ ...ACCOUNTS.dormant, ...base }),
      deny: await weak.assess({ ...ACCOUNTS.dormant, ...base }),
      register: await guard.assess({ ...ACCOUNTS.dormant, ...base, action: 'register' }),
      dryRun: await testGuard({ mode: 'dry_run' }).assess({ ...ACCOUNTS.dormant, ...base }),
    };
  }

  it('allow 200, step_up 401 with the checks and a challenge header, deny 403; always no-store', async () => {
    const d = await decisions();
    const allow = decisionResponse(d.allow);
    expect(allow).toEqual({
      status: 200,
      headers: { 'cache-control': 'no-store', 'content-language': 'en' },
      body: { decisionId: d.allow.id, action: 'allow', locale: 'en', message: 'You are signed in.', advice: { newHolder: 'none', previousHolder: 'none' } },
    });

    expect(d.stepUp.action).toBe('step_up');
    const stepUp = decisionResponse(d.stepUp);
    expect(stepUp.status).toBe(401);
    expect(stepUp.body.stepUp).toEqual({
      anyOf: d.stepUp.stepUp!.anyOf,
      expiresAt: d.stepUp.stepUp!.expiresAt,
      // A possible new holder on a host with face and ID checks is not offered the password alone.
      prompts: {
        face: 'Verify your face.',
        id_match: 'Confirm your identity with the ID document registered on this account.',
      },
    });
    expect(stepUp.body.decisionId).toBe(d.stepUp.id);
    expect(stepUp.headers['www-authenticate']).toBe(`StepUp decision="${d.stepUp.id}", checks="face id_match"`);

    expect(d.deny.action).toBe('deny');
    const deny = decisionResponse(d.deny);
    expect(deny.status).toBe(403);
    expect(deny.body).not.toHaveProperty('stepUp');
    expect(deny.body.advice).toMatchObject({ newHolder: d.deny.advice.newHolder, previousHolder: d.deny.advice.previousHolder });
  });

  it('carries the advice a front end acts on: a "register" on a bound number offers a fresh account', async () => {
    const { register } = await decisions();
    expect(decisionResponse(register).body.advice.newHolder).toBe('offer_new_account');
  });

  it('does not leak risk, reasons or host-side steps unless asked', async () => {
    const d = await decisions();
    for (const decision of Object.values(d)) {
      const text = JSON.stringify(decisionResponse(decision).body);
      for (const reason of decision.reasons) expect(text).not.toContain(reason.code);
      expect(text).not.toContain('risk');
      expect(text).not.toContain('wouldBe');
      for (const step of decision.advice.steps) expect(text).not.toContain(step);
    }
    const debug = decisionResponse(d.register, { includeReasons: true }).body.debug!;
    expect(debug.reasons.map((reason) => reason.code)).toContain('register_on_bound_number');
    expect(debug.risk).toBe(d.register.risk);
    expect(debug.steps).toEqual(d.register.advice.steps);
  });

  it('dry_run answers 200 allow with neutral advice; what enforcement would do is only in debug', async () => {
    const guard = testGuard({ mode: 'dry_run' });
    const dryRegister = await guard.assess({ ...ACCOUNTS.dormant, ip: '127.0.0.1', userAgent: ANDROID, action: 'register' });
    expect(dryRegister.advice.newHolder).toBe('offer_new_account');
    const answer = decisionResponse(dryRegister, { includeReasons: true });
    expect(answer.status).toBe(200);
    expect(answer.body.action).toBe('allow');
    expect(answer.body).not.toHaveProperty('stepUp');
    expect(answer.body.advice).toEqual({ newHolder: 'none', previousHolder: 'none' });
    expect(answer.body.debug).toMatchObject({
      wouldBe: 'step_up',
      mode: 'dry_run',
      advice: { newHolder: 'offer_new_account', previousHolder: 'protect_account' },
    });
  });

  it('a step_up without checks to offer is answered as deny, never as a 401 nobody can complete', async () => {
    const { stepUp } = await decisions();
    const broken = { ...stepUp, stepUp: { anyOf: [], expiresAt: new Date(0).toISOString() } } as Decision;
    expect(decisionResponse(broken)).toMatchObject({ status: 403, body: { action: 'deny' } });
    const { stepUp: _omit, ...missing } = stepUp;
    expect(decisionResponse(missing as Decision)).toMatchObject({ status: 403, body: { action: 'deny' } });
  });
});

describe('outcomeResponse and guardErrorResponse', () => {
  it('a passed step-up is 200; a failed one on a number that may have changed hands is 403 with advice', async () => {
    const guard = testGuard();
    const first = await guard.assess({ ...ACCOUNTS.dormant, ip: '127.0.0.1', userAgent: ANDROID });
    const failed = await guard.recordOutcome(first.id, { check: 'password', passed: false });
    expect(outcomeResponse(failed)).toEqual({
      status: 403,
      headers: { 'cache-control': 'no-store', 'content-language': 'en' },
      body: {
        decisionId: first.id,
        action: 'deny',
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
    const second = await guard.assess({ ...ACCOUNTS.dormant, ip: '127.0.0.1', userAgent: ANDROID });
    const passed = await guard.recordOutcome(second.id, { check: 'face', passed: true });
    expect(outcomeResponse(passed)).toMatchObject({ status: 200, body: { action: 'allow' } });
  });

  it('maps the library errors to 400/409 naming fields or the rejection, and leaves other errors alone', async () => {
    const guard = testGuard();
    const invalid = await guard.assess({ ...ACCOUNTS.fresh, ip: 'nope', phoneBoundAt: 'yesterday' }).catch((error: unknown) => error);
    expect(guardErrorResponse(invalid)).toEqual({
      status: 400,
      headers: { 'cache-control': 'no-store', 'content-language': 'en' },
      body: {
        error: 'invalid_input',
        locale: 'en',
        message: 'Some details are missing or not valid. Please check them and try again.',
        fields: expect.arrayContaining(['ip', 'phoneBoundAt']),
      },
    });
    const replay = await guard.recordOutcome('dec_AAAAAAAAAAAAAAAAAAAAAA', { check: 'password', passed: true }).catch((error: unknown) => error);
    expect(replay).toBeInstanceOf(OutcomeRejectedError);
    expect(guardErrorResponse(replay)).toMatchObject({ status: 409, body: { error: 'step_up_rejected', reason: 'UNKNOWN_DECISION' } });
    expect(guardErrorResponse(new Error('database down'))).toBeUndefined();
  });
});
