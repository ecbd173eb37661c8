/**
 * Telesign Phone ID with the Number Deactivation attribute, against a local server replaying the
 * response shapes and status codes of Telesign's Phone ID API reference.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createGuard, GuardConfigError, memoryStore, type AttemptInput, type NumberIntelProvider, type PresetName } from 'recycled-number-guard';
import { camaraNumberRecycling, createCamaraClient, hostToken } from 'recycled-number-guard/camara';
import { telesignNumberDeactivation } from 'recycled-number-guard/telesign';
import { echo, json, localServer, type LocalServer, type Recorded } from './helpers.js';
import type { ServerResponse } from 'node:http';

const PHONE = '+14155552671';
const SINCE = new Date('2018-04-05T00:00:00Z');
const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function telesign(reply: (request: Recorded, response: ServerResponse) => void, options: { maxRetries?: number } = {}) {
  const server = await localServer(reply);
  servers.push(server);
  const provider = telesignNumberDeactivation({
    customerId: '12345678-9ABC-DEF0-1234-56789ABCDEF0',
    apiKey: 'api-key',
    baseUrl: server.url,
    maxRetries: options.maxRetries ?? 0,
  });
  const ask = (phone = PHONE, since = SINCE) => provider.check({ phone, since, signal: AbortSignal.timeout(5_000) });
  return { server, provider, ask };
}

/** A Phone ID 200 carrying the attribute (the documented success example by default). */
function phoneId(attribute: Record<string, unknown> | null, status = { code: 300, description: 'Transaction successfully completed' }) {
  return {
    reference_id: 'F0123456789ABCDEF0123456789ABCDE',
    status: { ...status, updated_on: '2018-04-06T14:51:28.709526Z' },
    phone_type: { code: '2', description: 'MOBILE' },
    ...(attribute === null ? {} : { number_deactivation: attribute }),
  };
}

const documentedSuccess = {
  carrier_name: 'Verizon',
  last_deactivated: '2018-04-06T00:00:00Z',
  status: { code: 2800, description: 'Request successfully completed' },
  tracking_since: '2014-10-06T00:00:00Z',
  recycled_since_last_verification: 'recycled',
};
const ok = { code: 2800, description: 'Request successfully completed' };

describe('telesignNumberDeactivation', () => {
  it('POST /v1/phoneid/{digits} with Basic auth and last_verified = since; the documented example is "changed hands"', async () => {
    const { server, ask } = await telesign((_request, response) => json(response, 200, phoneId(documentedSuccess)));
    expect(await ask()).toEqual({ source: 'telesign-number-deactivation', changedSince: true });
    const request = server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/phoneid/14155552671');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('12345678-9ABC-DEF0-1234-56789ABCDEF0:api-key').toString('base64')}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ addons: { number_deactivation: { last_verified: '2018-04-05T00:00:00Z' } } });
  });

  it.each<[string, Record<string, unknown>, { changedSince?: boolean; unavailable?: RegExp }]>([
    ['recycled since last verification', { recycled_since_last_verification: 'recycled', tracking_since: '2014-10-06T00:00:00Z' }, { changedSince: true }],
    [
      'deactivated after the binding, no recycled field',
      { last_deactivated: '2019-01-22T00:00:00Z', tracking_since: '2014-10-06T00:00:00Z' },
      { changedSince: true },
    ],
    [
      'deactivated after the binding though not_recycled',
      { last_deactivated: '2019-01-22T00:00:00Z', recycled_since_last_verification: 'not_recycled', tracking_since: '2014-10-06T00:00:00Z' },
      { changedSince: true },
    ],
    [
      'not_recycled, no deactivation on record, tracked since before',
      { recycled_since_last_verification: 'not_recycled', tracking_since: '2014-10-06T00:00:00Z' },
      { changedSince: false },
    ],
    [
      'a deactivation before the binding (not_recycled)',
      { last_deactivated: '2017-03-01T00:00:00Z', recycled_since_last_verification: 'not_recycled', tracking_since: '2014-10-06T00:00:00Z' },
      { unavailable: /^NO_DATA: last deactivated 2017-03-01, before 2018-04-05/ },
    ],
    [
      'a deactivation before the binding (no recycled field)',
      { last_deactivated: '2017-03-01T00:00:00Z', tracking_since: '2014-10-06T00:00:00Z' },
      { unavailable: /^NO_DATA: last deactivated 2017-03-01/ },
    ],
    [
      'tracking began after the binding',
      { recycled_since_last_verification: 'not_recycled', tracking_since: '2019-06-01T00:00:00Z' },
      { unavailable: /^NO_DATA: deactivations are tracked since 2019-06-01, after 2018-04-05/ },
    ],
    [
      'cannot_be_determined',
      { recycled_since_last_verification: 'cannot_be_determined', tracking_since: '2014-10-06T00:00:00Z' },
      { unavailable: /^NO_DATA: recycled_since_last_verification: cannot_be_determined/ },
    ],
    [
      'not_recycled without tracking_since',
      { recycled_since_last_verification: 'not_recycled' },
      { unavailable: /^NO_DATA: not_recycled without tracking_since/ },
    ],
    ['nothing at all', {}, { unavailable: /^NO_DATA: no recycled_since_last_verification and no deactivation on record/ }],
    [
      'a timestamp that is not one',
      { last_deactivated: 'yesterday', recycled_since_last_verification: 'not_recycled' },
      { unavailable: /^malformed: last_deactivated is not a timestamp/ },
    ],
  ])('%s', async (_what, attribute, expected) => {
    const { ask } = await telesign((_request, response) => json(response, 200, phoneId({ carrier_name: 'Verizon', status: ok, ...attribute })));
    const answer = await ask();
    if (expected.changedSince !== undefined) expect(answer).toEqual({ source: 'telesign-number-deactivation', changedSince: expected.changedSince });
    else {
      expect(answer.changedSince).toBeUndefined();
      expect(answer.unavailable).toMatch(expected.unavailable!);
    }
  });

  describe('every documented status code is a typed outcome, never a verdict', () => {
    it.each([
      [2801, 'INVALID_ARGUMENT', 'Invalid Request addons parameter last_verified'],
      [2802, 'UNAVAILABLE', 'number_deactivation add-on temporarily unavailable'],
      [2803, 'SERVICE_NOT_APPLICABLE', 'Phone number out of number_deactivation add-on coverage.'],
      [2804, 'SERVICE_NOT_APPLICABLE', 'Phone number not applicable in number_deactivation add-on.'],
      [2805, 'NO_DATA', 'No number_deactivation add-on information for phone_number.'],
      [2806, 'PERMISSION_DENIED', 'number_deactivation add-on is not enabled.'],
      [2807, 'INVALID_ARGUMENT', 'Some parameters submitted in the request are not valid.'],
      [2899, 'error', 'an undocumented code'],
    ])('attribute status %i → %s', async (code, typed, description) => {
      // Partial success at the top level: the attribute's own status tells what went wrong.
      const body = phoneId({ status: { code, description } }, { code: 301, description: 'Transaction partially completed' });
      const { ask } = await telesign((_request, response) => json(response, 200, body));
      const answer = await ask();
      expect(answer.changedSince).toBeUndefined();
      expect(answer.unavailable).toMatch(new RegExp(`^${typed}: `));
    });

    it.each([
      [400, 10032, 'Request blocked due to this number appearing on a Telesign blocklist.', 'SERVICE_NOT_APPLICABLE'],
      [400, 10033, 'Unverified phone_number requested for trial account.', 'PERMISSION_DENIED'],
      [400, 10041, 'Blocked due to legal compliance', 'SERVICE_NOT_APPLICABLE'],
      [400, 11000, 'Invalid value for parameter phone_number', 'UNSUPPORTED_IDENTIFIER'],
      [400, 11001, 'Invalid country code for parameter phone_number', 'UNSUPPORTED_IDENTIFIER'],
      [400, 12000, 'Missing required parameter phone_number', 'INVALID_ARGUMENT'],
      [401, 10008, 'Invalid signature', 'UNAUTHENTICATED'],
      [401, 10012, 'This feature is not enabled for this CustomerID', 'PERMISSION_DENIED'],
      [401, 10013, 'Invalid Request. CustomerID Account Not Found', 'UNAUTHENTICATED'],
      [401, 10014, 'Invalid source IP address', 'UNAUTHENTICATED'],
      [401, 10015, 'Invalid customer ID', 'UNAUTHENTICATED'],
      [402, 10030, 'Insufficient funds in prepaid wallet', 'PAYMENT_REQUIRED'],
      [404, 10017, 'Customer ID / Reference ID not found', 'UNAUTHENTICATED'],
      [429, 10019, 'Rate Limit Exceeded', 'rate_limited'],
      [429, 10020, 'PhoneId Standard exceeded transaction hard cap. Request denied.', 'rate_limited'],
      [500, -90001, 'Transaction not attempted', 'HTTP_500'],
      [503, -10000, 'System unavailable. Please try again later.', 'HTTP_503'],
    ])('HTTP %i with status code %i → %s', async (status, code, description, typed) => {
      const body = {
        reference_id: '0123456789ABCDEF0123456789ABCDEF',
        external_id: 'CustomExternalID7349',
        status: { updated_on: '2024-02-01T00:33:34.860418Z', code, description },
      };
      const { ask } = await telesign((_request, response) => json(response, status, body));
      const answer = await ask();
      expect(answer.changedSince).toBeUndefined();
      expect(answer.unavailable).toMatch(new RegExp(`^${typed}: ${code}: `));
    });

    it('a 200 without the attribute, garbage and a wrong schema are unknown', async () => {
      let body: unknown = phoneId(null);
      const { ask } = await telesign((_request, response) => (typeof body === 'string' ? void response.writeHead(200).end(body) : json(response, 200, body)));
      expect((await ask()).unavailable).toMatch(/^NO_DATA: no number_deactivation in the response/);
      body = '<html>';
      expect((await ask()).unavailable).toBe('malformed: the response body is not JSON');
      body = phoneId({ status: { code: '2800' }, recycled_since_last_verification: 'maybe' });
      expect((await ask()).unavailable).toMatch(/^malformed: unexpected response schema \(number_deactivation\./);
    });
  });

  it('numbers outside the configured countries are answered at once, without a billed request', async () => {
    const { server, ask } = await telesign((_request, response) => json(response, 200, phoneId(documentedSuccess)));
    expect((await ask('+447700900123')).unavailable).toMatch(/^SERVICE_NOT_APPLICABLE: number_deactivation is asked for US numbers only/);
    expect(server.requests).toHaveLength(0);
  });

  it('configuration errors name the field', () => {
    expect(() => telesignNumberDeactivation({ customerId: '', apiKey: 'k' })).toThrow(GuardConfigError);
    expect(() => telesignNumberDeactivation({ customerId: 'c', apiKey: 'k', baseUrl: 'http://rest-ww.telesign.example' })).toThrow(/telesign\.baseUrl/);
    expect(() => telesignNumberDeactivation({ customerId: 'c', apiKey: 'k', maxRetries: 9 })).toThrow(/telesign\.maxRetries/);
  });
});

describe('through createGuard: Telesign decides like CAMARA Number Recycling', () => {
  const PRESETS: PresetName[] = ['cloud-drive', 'social', 'fintech'];
  // Bound in 2023, logging in with the SMS code on a known device three weeks after the last login.
  const attempt: AttemptInput = { accountId: 'acct-ts', phone: PHONE, phoneBoundAt: '2023-05-01T00:00:00Z', ip: '198.51.100.20', at: '2026-01-10T09:30:00Z' };

  async function decide(provider: NumberIntelProvider, preset: PresetName) {
    const now = Date.parse('2026-01-10T09:30:00Z');
    const guard = createGuard({
      numberIntel: provider,
      preset,
      geo: false,
      hashKey: 'telesign-guard-test-key-012345',
      store: memoryStore({ now: () => now }),
      clock: () => now,
    });
    return guard.assess(attempt);
  }

  it.each(PRESETS)('%s: recycled since the binding → numberChangedHands yes and a step-up or deny, as Number Recycling "true"', async (preset) => {
    const ts = await telesign((_request, response) => json(response, 200, phoneId({ ...documentedSuccess, last_deactivated: '2024-02-01T00:00:00Z' })));
    const camaraServer = await localServer((request, response) => json(response, 200, { phoneNumberRecycled: true }, echo(request)));
    servers.push(camaraServer);
    const camara = camaraNumberRecycling(createCamaraClient({ apiRoot: camaraServer.url, auth: hostToken({ legs: 2, token: () => 't' }) }));

    const byTelesign = await decide(ts.provider, preset);
    const byCamara = await decide(camara, preset);
    expect(JSON.parse(ts.server.requests[0]!.body).addons.number_deactivation.last_verified).toBe('2023-05-01T00:00:00Z');
    for (const decision of [byTelesign, byCamara]) {
      expect(decision.numberChangedHands).toBe('yes');
      expect(['step_up', 'deny']).toContain(decision.action);
      expect(decision.reasons.map((reason) => reason.code)).toContain('number_reissued_after_binding');
    }
    expect(byTelesign.action).toBe(byCamara.action);
    expect(byTelesign.reasons.find((reason) => reason.code === 'number_reissued_after_binding')?.details).toMatchObject({
      source: 'telesign-number-deactivation',
    });
  });

  it.each(PRESETS)('%s: a deactivation before the binding is not "changed hands"', async (preset) => {
    const ts = await telesign((_request, response) =>
      json(
        response,
        200,
        phoneId({
          carrier_name: 'Verizon',
          last_deactivated: '2022-11-01T00:00:00Z',
          tracking_since: '2014-10-06T00:00:00Z',
          recycled_since_last_verification: 'not_recycled',
          status: ok,
        }),
      ),
    );
    const decision = await decide(ts.provider, preset);
    expect(decision.numberChangedHands).not.toBe('yes');
    expect(decision.reasons.map((reason) => reason.code)).not.toContain('number_reissued_after_binding');
    // Unknown, not clean: the guard says so and judges by dormancy.
    expect(decision.reasons.find((reason) => reason.code === 'number_intel_unavailable')?.message).toMatch(
      /telesign-number-deactivation could not answer \(NO_DATA: last deactivated 2022-11-01/,
    );
  });

  it('the breaker, single-flight and cache rules of the other providers apply', async () => {
    let healthy = false;
    const ts = await telesign((_request, response) =>
      healthy
        ? json(response, 200, phoneId(documentedSuccess))
        : json(response, 503, { status: { code: -10000, description: 'System unavailable. Please try again later.' } }),
    );
    let now = Date.parse('2026-01-10T09:30:00Z');
    const guard = createGuard({
      numberIntel: ts.provider,
      geo: false,
      hashKey: 'telesign-guard-test-key-012345',
      store: memoryStore({ now: () => now }),
      clock: () => now,
      intelBreaker: { failureThreshold: 2, cooldownMs: 60_000 },
    });
    const login = (accountId: string) => guard.assess({ ...attempt, accountId, at: now });
    for (const id of ['a', 'b']) expect((await login(id)).reasons.find((r) => r.code === 'number_intel_unavailable')?.message).toMatch(/HTTP_503: -10000/);
    expect((await login('c')).reasons.find((r) => r.code === 'number_intel_unavailable')?.message).toMatch(/circuit_open/);
    expect(ts.server.requests).toHaveLength(2);

    const fresh = createGuard({
      numberIntel: ts.provider,
      geo: false,
      hashKey: 'telesign-guard-test-key-012345',
      store: memoryStore({ now: () => now }),
      clock: () => now,
    });
    healthy = true;
    const [one, two] = await Promise.all([fresh.assess({ ...attempt, accountId: 'd', at: now }), fresh.assess({ ...attempt, accountId: 'e', at: now })]);
    expect([one.numberChangedHands, two.numberChangedHands]).toEqual(['yes', 'yes']);
    expect(ts.server.requests).toHaveLength(3);
    now += 60_000;
    const cached = await fresh.assess({ ...attempt, accountId: 'f', at: now });
    expect(cached.evidence.numberIntel).toBe('cached');
    expect(ts.server.requests).toHaveLength(3);
  });
});
