/**
 * Vonage Identity Insights `sim_swap`, against a local server replaying the response shapes and
 * status codes of Vonage's Identity Insights reference; the application JWT is verified with the
 * public half of a key made for the test.
 */
import { generateKeyPairSync, verify } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createGuard, GuardConfigError, memoryStore } from 'recycled-number-guard';
import { vonageSimSwap, type VonageSimSwapOptions } from 'recycled-number-guard/vonage';
import { json, localServer, type LocalServer, type Recorded } from './helpers.js';
import type { ServerResponse } from 'node:http';

const PHONE = '+447911123456';
const NOW = Date.parse('2026-01-10T09:30:00Z');
const HOUR = 3_600_000;
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const APP = 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab';

const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function vonage(reply: (request: Recorded, response: ServerResponse) => void, options: Partial<VonageSimSwapOptions> = {}) {
  const server = await localServer(reply);
  servers.push(server);
  let now = NOW;
  const provider = vonageSimSwap({ auth: { applicationId: APP, privateKey: PEM }, baseUrl: server.url, maxRetries: 0, clock: () => now, ...options });
  const ask = (since: Date, phone = PHONE) => provider.check({ phone, since, signal: AbortSignal.timeout(5_000) });
  return { server, provider, ask, advance: (ms: number) => (now += ms) };
}

const insight = (simSwap: Record<string, unknown> | null) => ({
  request_id: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
  insights: simSwap === null ? {} : { sim_swap: simSwap },
});
const OK = { code: 'OK', message: 'Success' };

function claimsOf(authorization: string | undefined) {
  const token = authorization!.replace(/^Bearer /, '');
  const [header, payload, signature] = token.split('.');
  const valid = verify('sha256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature!, 'base64url'));
  return { token, valid, header: JSON.parse(Buffer.from(header!, 'base64url').toString()), claims: JSON.parse(Buffer.from(payload!, 'base64url').toString()) };
}

describe('vonageSimSwap', () => {
  it('POST /identity-insights/v1/requests with a signed application JWT; the documented example gives the SIM change date', async () => {
    const { server, ask } = await vonage((_request, response) =>
      json(response, 200, insight({ latest_sim_swap_at: '2024-07-08T09:30:27.504Z', is_swapped: true, status: OK })),
    );
    const since = new Date(NOW - 30 * 24 * HOUR);
    expect(await ask(since)).toEqual({ source: 'vonage-sim-swap', lastSimChange: '2024-07-08T09:30:27.504Z' });
    const request = server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/identity-insights/v1/requests');
    // The period covers the binding: 30 days = 720 hours.
    expect(JSON.parse(request.body)).toEqual({ phone_number: PHONE, purpose: 'FraudPreventionAndDetection', insights: { sim_swap: { period: 720 } } });
    const jwt = claimsOf(request.headers.authorization);
    expect(jwt.valid).toBe(true);
    expect(jwt.header).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(jwt.claims).toMatchObject({ application_id: APP, iat: NOW / 1000, exp: NOW / 1000 + 900 });
    expect(jwt.claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the JWT is reused until shortly before it expires, then signed again', async () => {
    const { server, ask, advance } = await vonage((_request, response) => json(response, 200, insight({ is_swapped: false, status: OK })));
    const since = new Date(NOW - 24 * HOUR);
    await ask(since);
    advance(5 * 60_000);
    await ask(since);
    advance(10 * 60_000);
    await ask(since);
    const tokens = server.requests.map((request) => claimsOf(request.headers.authorization).token);
    expect(tokens[1]).toBe(tokens[0]);
    expect(tokens[2]).not.toBe(tokens[0]);
  });

  it("the host's own token function is used as it is; the older path can be selected", async () => {
    const { server, ask } = await vonage((_request, response) => json(response, 200, insight({ is_swapped: false, status: OK })), {
      auth: { token: async () => 'host-jwt' },
      path: '/v0.1/identity-insights',
    });
    await ask(new Date(NOW - HOUR));
    expect(server.requests[0]!.headers.authorization).toBe('Bearer host-jwt');
    expect(server.requests[0]!.url).toBe('/v0.1/identity-insights');
  });

  it('a longest period (2,400 h) that does not reach the binding: "no swap" is unknown, a swap with no date is too', async () => {
    let swapped = false;
    const { server, ask } = await vonage((_request, response) => json(response, 200, insight({ is_swapped: swapped, latest_sim_swap_at: null, status: OK })));
    const old = new Date(NOW - 400 * 24 * HOUR);
    const none = await ask(old);
    expect(JSON.parse(server.requests[0]!.body).insights.sim_swap.period).toBe(2400);
    expect(none.lastSimChange).toBeUndefined();
    expect(none.unavailable).toMatch(/^NO_DATA: no SIM swap in the last 2400 h, which does not reach back to/);
    swapped = true;
    expect(await ask(old)).toEqual({ source: 'vonage-sim-swap', lastSimChange: new Date(NOW - 2400 * HOUR).toISOString() });
  });

  it('a period that covers the binding: "no swap" is "unchanged since the binding"; a swap in a fixed period that does not cover it is unknown', async () => {
    const { ask } = await vonage((_request, response) => json(response, 200, insight({ is_swapped: false, status: OK })));
    expect(await ask(new Date(NOW - 48 * HOUR))).toEqual({ source: 'vonage-sim-swap', lastSimChange: null });
    const fixed = await vonage((_request, response) => json(response, 200, insight({ is_swapped: true, status: OK })), { periodHours: 240 });
    const answer = await fixed.ask(new Date(NOW - 48 * HOUR));
    expect(JSON.parse(fixed.server.requests[0]!.body).insights.sim_swap.period).toBe(240);
    expect(answer.unavailable).toMatch(/^NO_DATA: a SIM swap within the last 240 h, which may be before/);
  });

  describe('per-insight status: every documented code is a typed outcome, never a verdict', () => {
    it.each([
      ['INVALID_NUMBER_FORMAT', 'UNSUPPORTED_IDENTIFIER'],
      ['UNSUPPORTED_NETWORK_TYPE', 'SERVICE_NOT_APPLICABLE'],
      ['NO_COVERAGE', 'SERVICE_NOT_APPLICABLE'],
      ['NOT_FOUND', 'NOT_FOUND'],
      ['OUT_OF_RANGE', 'OUT_OF_RANGE'],
      ['UNAUTHORIZED', 'PERMISSION_DENIED'],
      ['INVALID_PURPOSE', 'PERMISSION_DENIED'],
      ['SUPPLIER_ERROR', 'PROVIDER_ERROR'],
      ['INTERNAL_ERROR', 'PROVIDER_ERROR'],
      ['SOMETHING_NEW', 'error'],
    ])('%s → %s, even with data beside it', async (code, typed) => {
      // Vonage's own multi-insight example carries SIM data next to a NO_COVERAGE status.
      const { ask } = await vonage((_request, response) =>
        json(response, 200, insight({ latest_sim_swap_at: '2024-07-08T09:30:27.504Z', is_swapped: true, status: { code, message: 'x' } })),
      );
      const answer = await ask(new Date(NOW - 24 * HOUR));
      expect(answer.lastSimChange).toBeUndefined();
      expect(answer.unavailable).toMatch(new RegExp(`^${typed}: `));
    });

    it('PARTIAL_SUCCESS with a date is used; the insight missing from the response is unknown', async () => {
      let body: unknown = insight({
        latest_sim_swap_at: '2025-12-30T08:00:00Z',
        status: { code: 'PARTIAL_SUCCESS', message: 'Unable to retrieve data for some fields.' },
      });
      const { ask } = await vonage((_request, response) => json(response, 200, body));
      expect(await ask(new Date(NOW - 24 * HOUR))).toEqual({ source: 'vonage-sim-swap', lastSimChange: '2025-12-30T08:00:00Z' });
      body = insight(null);
      expect((await ask(new Date(NOW - 24 * HOUR))).unavailable).toMatch(/^NO_DATA: no sim_swap insight in the response/);
    });
  });

  describe('request-level errors (RFC 7807 problem details)', () => {
    it.each([
      [400, 'https://developer.vonage.com/api-errors#invalid-json', 'Malformed JSON', 'INVALID_ARGUMENT'],
      [400, 'https://developer.vonage.com/api-errors#invalid-params', 'Invalid parameters', 'INVALID_ARGUMENT'],
      [401, 'https://developer.vonage.com/api-errors#unauthorized', 'Invalid credentials supplied', 'UNAUTHENTICATED'],
      [401, 'https://developer.vonage.com/api-errors#jwt-expired', 'The JWT provided has expired', 'UNAUTHENTICATED'],
      [402, 'https://developer.vonage.com/api-errors#low-balance', 'Low balance', 'PAYMENT_REQUIRED'],
      [403, 'https://developer.vonage.com/api-errors#forbidden', 'Forbidden', 'PERMISSION_DENIED'],
      [404, 'https://developer.vonage.com/api-errors#not-found', 'Not found', 'ENDPOINT_NOT_FOUND'],
      [429, 'https://developer.vonage.com/api-errors#throttled', 'Rate limit hit', 'rate_limited'],
      [500, 'https://developer.vonage.com/api-errors#internal-error', 'Internal Error', 'HTTP_500'],
    ])('HTTP %i %s → %s', async (status, type, title, typed) => {
      const { ask } = await vonage((_request, response) =>
        json(
          response,
          status,
          { type, title, detail: 'details', instance: '868cf2e9-bd6d-4bac-96ba-2b08120d8cf9' },
          { 'content-type': 'application/problem+json' },
        ),
      );
      const answer = await ask(new Date(NOW - 24 * HOUR));
      expect(answer.lastSimChange).toBeUndefined();
      expect(answer.unavailable).toMatch(new RegExp(`^${typed}: ${type.split('#')[1]}: ${title}`));
    });

    it('a 401 drops the cached JWT, so the next check signs a new one', async () => {
      let calls = 0;
      const { server, ask } = await vonage((_request, response) => {
        calls += 1;
        if (calls === 1) return json(response, 401, { type: 'https://developer.vonage.com/api-errors#jwt-revoked', title: 'Revoked' });
        json(response, 200, insight({ is_swapped: false, status: OK }));
      });
      await ask(new Date(NOW - HOUR));
      await ask(new Date(NOW - HOUR));
      expect(claimsOf(server.requests[1]!.headers.authorization).token).not.toBe(claimsOf(server.requests[0]!.headers.authorization).token);
    });
  });

  it('configuration errors name the field; a key that is not RSA is refused at start-up', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => vonageSimSwap({ auth: { applicationId: APP, privateKey: ec } })).toThrow(/vonage\.auth\.privateKey\.alg/);
    expect(() => vonageSimSwap({ auth: { applicationId: '', privateKey: PEM } })).toThrow(GuardConfigError);
    expect(() => vonageSimSwap({ auth: { applicationId: APP, privateKey: PEM }, periodHours: 3000 })).toThrow(/vonage\.periodHours/);
    expect(() => vonageSimSwap({ auth: { applicationId: APP, privateKey: 'not a key' } })).toThrow(/vonage\.auth\.privateKey\.key/);
    expect(() => vonageSimSwap({ auth: { applicationId: APP, privateKey: PEM }, path: 'identity-insights?x=1' })).toThrow(/vonage\.path/);
  });

  it('through createGuard: a SIM change after the binding is a reason; an error is unknown evidence, not "unchanged"', async () => {
    const changed = await vonage((_request, response) =>
      json(response, 200, insight({ latest_sim_swap_at: '2026-01-09T20:00:00Z', is_swapped: true, status: OK })),
    );
    const guard = createGuard({
      numberIntel: changed.provider,
      geo: false,
      preset: 'fintech',
      hashKey: 'vonage-guard-test-key-0123456',
      store: memoryStore({ now: () => NOW }),
      clock: () => NOW,
    });
    const attempt = { accountId: 'acct-v', phone: PHONE, phoneBoundAt: '2025-10-01T00:00:00Z', ip: '198.51.100.30', at: NOW };
    const decision = await guard.assess(attempt);
    expect(decision.reasons.map((reason) => reason.code)).toEqual(expect.arrayContaining(['sim_changed_after_binding', 'recent_sim_change']));
    expect(decision.action).not.toBe('allow');

    const failing = await vonage((_request, response) =>
      json(response, 200, insight({ is_swapped: false, status: { code: 'SUPPLIER_ERROR', message: 'boom' } })),
    );
    const other = createGuard({
      numberIntel: failing.provider,
      geo: false,
      preset: 'fintech',
      hashKey: 'vonage-guard-test-key-0123456',
      store: memoryStore({ now: () => NOW }),
      clock: () => NOW,
    });
    const unknown = await other.assess(attempt);
    expect(unknown.reasons.map((reason) => reason.code)).not.toContain('sim_unchanged_since_binding');
    expect(unknown.reasons.find((reason) => reason.code === 'number_intel_unavailable')?.message).toMatch(
      /vonage-sim-swap could not answer \(PROVIDER_ERROR: SUPPLIER_ERROR/,
    );
  });
});
