/**
 * The CAMARA rules a mock generated from the OpenAPI file cannot show: the x-correlator echo, the
 * 2-/3-legged phoneNumber rule enforced by a server, every error code's mapping, and the token
 * suppliers. Real HTTP servers on 127.0.0.1.
 */
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { GuardConfigError } from 'recycled-number-guard';
import {
  camaraDeviceSwap,
  camaraKycMatch,
  camaraKycTenure,
  camaraNumberRecycling,
  camaraSimSwap,
  checkTenure,
  clientCredentials,
  createCamaraClient,
  hostToken,
  jwtBearer,
  X_CORRELATOR_PATTERN,
  type AccessTokenSupplier,
} from 'recycled-number-guard/camara';
import { echo, json, localServer, sleep, type LocalServer, type Recorded } from './helpers.js';

const PHONE = '+34629255833';
const SINCE = new Date('2023-12-22T10:00:00Z');
const DAY = 86_400_000;

const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: Parameters<typeof localServer>[0]): Promise<LocalServer> {
  const server = await localServer(handler);
  servers.push(server);
  return server;
}

const staticToken = (legs: 2 | 3 = 2): AccessTokenSupplier => hostToken({ legs, token: () => 'token-1' });
const ask = (provider: { check: (r: { phone: string; since: Date; signal: AbortSignal; accountId?: string }) => Promise<unknown> }, since = SINCE) =>
  provider.check({ phone: PHONE, since, signal: AbortSignal.timeout(5_000), accountId: 'acct-1' }) as Promise<Record<string, unknown>>;

function recycling(server: LocalServer, auth: AccessTokenSupplier = staticToken(), extra: Partial<Parameters<typeof createCamaraClient>[0]> = {}) {
  return camaraNumberRecycling(createCamaraClient({ apiRoot: server.url, auth, maxRetries: 0, ...extra }));
}

describe('x-correlator (Commonalities: a sent value must be echoed)', () => {
  it('sends a value matching the spec pattern and accepts the echo', async () => {
    const server = await serve((request, response) => json(response, 200, { phoneNumberRecycled: false }, echo(request)));
    const answer = await ask(recycling(server));
    expect(answer).toEqual({ source: 'camara-number-recycling', changedSince: false });
    const sent = server.requests[0]!.headers['x-correlator'];
    expect(typeof sent).toBe('string');
    expect(sent).toMatch(X_CORRELATOR_PATTERN);
    expect(server.requests[0]!.url).toBe('/number-recycling/v0.2/check');
  });

  it('a different echoed value is refused: the answer may belong to another request (another number)', async () => {
    const server = await serve((_request, response) => json(response, 200, { phoneNumberRecycled: false }, { 'x-correlator': 'someone-else' }));
    const answer = await ask(recycling(server));
    expect(answer.changedSince).toBeUndefined();
    expect(answer.unavailable).toMatch(/^CORRELATOR_MISMATCH: .*another x-correlator/);
  });

  it('a missing echo is refused by default and tolerated when requireCorrelatorEcho is false', async () => {
    const server = await serve((_request, response) => json(response, 200, { phoneNumberRecycled: true }));
    expect((await ask(recycling(server))).unavailable).toMatch(/^CORRELATOR_MISMATCH: .*did not echo/);
    expect(await ask(recycling(server, staticToken(), { requireCorrelatorEcho: false }))).toEqual({ source: 'camara-number-recycling', changedSince: true });
  });

  it('a host correlator outside the pattern is not sent; the check is unavailable, naming the option', async () => {
    const server = await serve((request, response) => json(response, 200, { phoneNumberRecycled: false }, echo(request)));
    const answer = await ask(recycling(server, staticToken(), { correlator: () => 'has spaces and ?' }));
    expect(answer.unavailable).toMatch(/^config: the correlator option/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('subject identification: 2-legged sends phoneNumber, 3-legged must not', () => {
  /** Enforces the rule as the spec states it: 422 MISSING_IDENTIFIER / UNNECESSARY_IDENTIFIER. */
  async function ruleServer() {
    return serve((request, response) => {
      const token = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
      const body = JSON.parse(request.body) as Record<string, unknown>;
      const bound = token.startsWith('3l:');
      if (bound && 'phoneNumber' in body) {
        return json(
          response,
          422,
          { status: 422, code: 'UNNECESSARY_IDENTIFIER', message: 'The phone number is already identified by the access token' },
          echo(request),
        );
      }
      if (!bound && !('phoneNumber' in body)) {
        return json(response, 422, { status: 422, code: 'MISSING_IDENTIFIER', message: 'The phone number cannot be identified' }, echo(request));
      }
      json(response, 200, { phoneNumberRecycled: false }, echo(request));
    });
  }

  it('a 2-legged supplier: phoneNumber in the body, accepted', async () => {
    const server = await ruleServer();
    const answer = await ask(recycling(server, hostToken({ legs: 2, token: () => '2l:app' })));
    expect(answer.changedSince).toBe(false);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ specifiedDate: '2023-12-22', phoneNumber: PHONE });
  });

  it('a 3-legged supplier gets a token for the subscriber and sends no phoneNumber, accepted', async () => {
    const server = await ruleServer();
    const asked: string[] = [];
    const auth = hostToken({
      legs: 3,
      token: ({ phone }) => {
        asked.push(phone);
        return `3l:${phone}`;
      },
    });
    const answer = await ask(recycling(server, auth));
    expect(answer.changedSince).toBe(false);
    expect(asked).toEqual([PHONE]);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ specifiedDate: '2023-12-22' });
  });

  it('a supplier declaring the wrong legs is caught by the server; the reason says what to fix', async () => {
    const server = await ruleServer();
    const unnecessary = await ask(recycling(server, hostToken({ legs: 2, token: () => `3l:${PHONE}` })));
    expect(unnecessary.unavailable).toMatch(/^UNNECESSARY_IDENTIFIER: .*check the token supplier legs/);
    const missing = await ask(recycling(server, hostToken({ legs: 3, token: () => '2l:app' })));
    expect(missing.unavailable).toMatch(/^MISSING_IDENTIFIER: /);
  });
});

describe('every error maps to an unavailable answer naming its code', () => {
  it.each([
    [400, 'INVALID_ARGUMENT'],
    [400, 'OUT_OF_RANGE'],
    [401, 'UNAUTHENTICATED'],
    [403, 'PERMISSION_DENIED'],
    [403, 'INVALID_TOKEN_CONTEXT'],
    [404, 'IDENTIFIER_NOT_FOUND'],
    [404, 'NOT_FOUND'],
    [422, 'SERVICE_NOT_APPLICABLE'],
    [422, 'UNSUPPORTED_IDENTIFIER'],
    [501, 'NOT_IMPLEMENTED'],
  ])('%i %s', async (status, code) => {
    const server = await serve((request, response) => json(response, status, { status, code, message: `operator says ${code}` }, echo(request)));
    const answer = await ask(recycling(server));
    expect(answer.changedSince).toBeUndefined();
    if (status >= 500) expect(answer.unavailable).toMatch(new RegExp(`^HTTP_${status}: ${code}: operator says`));
    else expect(answer.unavailable).toMatch(new RegExp(`^${code}: operator says ${code}`));
  });

  it('IDENTIFIER_NOT_FOUND explains itself (ported away, or not a customer)', async () => {
    const server = await serve((request, response) =>
      json(response, 404, { status: 404, code: 'IDENTIFIER_NOT_FOUND', message: 'Phone number not found.' }, echo(request)),
    );
    expect((await ask(recycling(server))).unavailable).toMatch(/IDENTIFIER_NOT_FOUND: Phone number not found\. \(the number is not served by this operator/);
  });

  it.each([
    [429, 'QUOTA_EXCEEDED', /^rate_limited: QUOTA_EXCEEDED: .*no Retry-After/],
    [429, 'TOO_MANY_REQUESTS', /^rate_limited: TOO_MANY_REQUESTS: /],
    [500, 'INTERNAL', /^HTTP_500: INTERNAL: /],
    [503, 'UNAVAILABLE', /^HTTP_503: UNAVAILABLE: /],
    [504, 'TIMEOUT', /^HTTP_504: TIMEOUT: /],
  ])('undocumented Commonalities %i %s', async (status, code, expected) => {
    const server = await serve((request, response) => json(response, status, { status, code, message: 'try later' }, echo(request)));
    expect((await ask(recycling(server))).unavailable).toMatch(expected);
  });

  it('an error without the CAMARA body, a redirect, and an oversized body', async () => {
    const plain = await serve((_request, response) => void response.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'));
    expect((await ask(recycling(plain))).unavailable).toMatch(/^HTTP_502: HTTP 502/);
    const redirect = await serve((_request, response) => void response.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end());
    expect((await ask(recycling(redirect))).unavailable).toMatch(/^HTTP_302: unexpected redirect/);
    const huge = await serve((request, response) => json(response, 200, { phoneNumberRecycled: false, padding: 'x'.repeat(200_000) }, echo(request)));
    expect((await ask(recycling(huge))).unavailable).toMatch(/^too_large: /);
  });

  it('garbage and wrong schemas are malformed, naming the field', async () => {
    const garbage = await serve(
      (request, response) => void response.writeHead(200, { 'content-type': 'application/json', ...echo(request) }).end('{"phoneNumberRecycled": tr'),
    );
    expect((await ask(recycling(garbage))).unavailable).toBe('malformed: the response body is not JSON');
    const wrong = await serve((request, response) => json(response, 200, { phoneNumberRecycled: 'yes' }, echo(request)));
    expect((await ask(recycling(wrong))).unavailable).toMatch(/^malformed: unexpected response schema \(phoneNumberRecycled: /);
  });
});

describe('KYC Tenure, SIM Swap and Device Swap mappings', () => {
  it('tenure false is tenureCoversSince false; contractType is available from checkTenure', async () => {
    const server = await serve((request, response) => json(response, 200, { tenureDateCheck: false, contractType: 'PAYG' }, echo(request)));
    const client = createCamaraClient({ apiRoot: server.url, auth: staticToken() });
    expect(await ask(camaraKycTenure(client))).toEqual({ source: 'camara-kyc-tenure', tenureCoversSince: false });
    expect(server.requests[0]!.url).toBe('/kyc-tenure/v0.2/check-tenure');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ tenureDate: '2023-12-22', phoneNumber: PHONE });
    const raw = await checkTenure(client, { phone: PHONE, tenureDate: '2023-12-22', signal: AbortSignal.timeout(5_000) });
    expect(raw).toMatchObject({ ok: true, data: { tenureDateCheck: false, contractType: 'PAYG' } });
  });

  it('a null SIM date proves "no change" only when the monitored window reaches back to since', async () => {
    const now = Date.parse('2026-01-10T00:00:00Z');
    const server = await serve((request, response) => json(response, 200, { latestSimChange: null, monitoredPeriod: 120 }, echo(request)));
    const provider = camaraSimSwap(createCamaraClient({ apiRoot: server.url, auth: staticToken() }), { clock: () => now });
    expect(await ask(provider, new Date(now - 30 * DAY))).toEqual({ source: 'camara-sim-swap', lastSimChange: null });
    expect((await ask(provider, new Date(now - 300 * DAY))).unavailable).toMatch(/^NO_DATA: no SIM change in the operator's 120-day window/);
    expect(server.requests[0]!.url).toBe('/sim-swap/v2/retrieve-date');
  });

  it('a SIM date with an offset passes through; a date without a zone is malformed', async () => {
    let body: unknown = { latestSimChange: '2025-07-03T14:27:08.312+02:00' };
    const server = await serve((request, response) => json(response, 200, body, echo(request)));
    const provider = camaraSimSwap(createCamaraClient({ apiRoot: server.url, auth: staticToken() }));
    expect(await ask(provider)).toEqual({ source: 'camara-sim-swap', lastSimChange: '2025-07-03T14:27:08.312+02:00' });
    body = { latestSimChange: '2025-07-03T14:27:08' };
    expect((await ask(provider)).unavailable).toMatch(/^malformed: .*latestSimChange/);
  });

  it('device swap: the date, and null within the window', async () => {
    const now = Date.parse('2026-01-10T00:00:00Z');
    let body: unknown = { latestDeviceChange: '2025-12-30T08:00:00Z' };
    const server = await serve((request, response) => json(response, 200, body, echo(request)));
    const provider = camaraDeviceSwap(createCamaraClient({ apiRoot: server.url, auth: staticToken() }), { clock: () => now });
    expect(await ask(provider)).toEqual({ source: 'camara-device-swap', lastDeviceChange: '2025-12-30T08:00:00Z' });
    body = { latestDeviceChange: null, monitoredPeriod: 1000 };
    expect(await ask(provider)).toEqual({ source: 'camara-device-swap', lastDeviceChange: null });
    expect(server.requests[0]!.url).toBe('/device-swap/v1/retrieve-date');
  });
});

describe('KYC Match decisions', () => {
  const identity = { givenName: 'Federica', familyName: 'Sanchez Arjona', birthdate: '1978-08-22' };

  it('a near-miss name (score >= 90) is not a mismatch; a far one is', async () => {
    let body: unknown = { givenNameMatch: 'false', givenNameMatchScore: 94, familyNameMatch: 'true', birthdateMatch: 'true' };
    const server = await serve((request, response) => json(response, 200, body, echo(request)));
    const provider = camaraKycMatch(createCamaraClient({ apiRoot: server.url, auth: staticToken() }), { identityFor: () => identity });
    expect(await ask(provider)).toEqual({ source: 'camara-kyc-match', identityMatch: true });
    body = { givenNameMatch: 'false', givenNameMatchScore: 41, familyNameMatch: 'false', familyNameMatchScore: 30, birthdateMatch: 'not_available' };
    expect(await ask(provider)).toEqual({ source: 'camara-kyc-match', identityMatch: false });
    body = { givenNameMatch: 'not_available', familyNameMatch: 'not_available', birthdateMatch: 'not_available' };
    expect((await ask(provider)).unavailable).toMatch(/^NOT_AVAILABLE: /);
  });

  it('a malformed host identity and a throwing lookup are unavailable, without a request', async () => {
    const server = await serve((request, response) => json(response, 200, {}, echo(request)));
    const client = createCamaraClient({ apiRoot: server.url, auth: staticToken() });
    const bad = await ask(camaraKycMatch(client, { identityFor: () => ({ birthdate: '22/08/1978' }) }));
    expect(bad.unavailable).toMatch(/^NO_IDENTITY: the identity is invalid \(birthdate: /);
    const throwing = await ask(
      camaraKycMatch(client, {
        identityFor: () => {
          throw new Error('crm down');
        },
      }),
    );
    expect(throwing.unavailable).toBe('error: identity lookup failed: crm down');
    expect(server.requests).toHaveLength(0);
  });
});

/** Verifies a compact JWS with a public key; returns header and claims. */
function verifyJwt(token: string, publicKey: KeyObject, alg: 'ES256' | 'RS256') {
  const [header, claims, signature] = token.split('.') as [string, string, string];
  const ok = verify(
    'sha256',
    Buffer.from(`${header}.${claims}`),
    alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey,
    Buffer.from(signature, 'base64url'),
  );
  expect(ok).toBe(true);
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>,
  };
}

describe('access-token suppliers', () => {
  function tokenServer(reply: (request: Recorded, count: number) => { status: number; body: unknown }) {
    let count = 0;
    return serve((request, response) => {
      count += 1;
      const { status, body } = reply(request, count);
      json(response, status, body);
    });
  }

  function apiServer() {
    return serve((request, response) => {
      if (request.headers.authorization === 'Bearer revoked')
        return json(response, 401, { status: 401, code: 'UNAUTHENTICATED', message: 'expired' }, echo(request));
      json(response, 200, { phoneNumberRecycled: false }, echo(request));
    });
  }

  it('client credentials with client_secret_basic: purpose scope, cached until shortly before expiry', async () => {
    const tokens = await tokenServer((_request, count) => ({ status: 200, body: { access_token: `cc-${count}`, token_type: 'Bearer', expires_in: 1 } }));
    const api = await apiServer();
    const auth = clientCredentials({ tokenUrl: `${tokens.url}/token`, clientId: 'my app', clientSecret: 's3cr:t' });
    const provider = recycling(api, auth);
    await ask(provider);
    await ask(provider);
    expect(tokens.requests).toHaveLength(1);
    const form = new URLSearchParams(tokens.requests[0]!.body);
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'client_credentials', scope: 'dpv:FraudPreventionAndDetection number-recycling:check' });
    expect(tokens.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('my%20app:s3cr%3At').toString('base64')}`);
    expect(api.requests.map((request) => request.headers.authorization)).toEqual(['Bearer cc-1', 'Bearer cc-1']);
    await sleep(1_000);
    await ask(provider);
    expect(tokens.requests).toHaveLength(2);
    expect(api.requests[2]!.headers.authorization).toBe('Bearer cc-2');
  });

  it('client credentials with private_key_jwt: a signed, short-lived client assertion', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const tokens = await tokenServer(() => ({ status: 200, body: { access_token: 'pk-1', token_type: 'bearer', expires_in: 3600 } }));
    const auth = clientCredentials({ tokenUrl: `${tokens.url}/token`, clientId: 'app-42', privateKey: { key: privateKey, alg: 'ES256', kid: 'k1' } });
    await ask(recycling(await apiServer(), auth));
    const form = new URLSearchParams(tokens.requests[0]!.body);
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(tokens.requests[0]!.headers.authorization).toBeUndefined();
    const { header, claims } = verifyJwt(form.get('client_assertion')!, publicKey, 'ES256');
    expect(header).toMatchObject({ alg: 'ES256', kid: 'k1' });
    expect(claims).toMatchObject({ iss: 'app-42', sub: 'app-42', aud: `${tokens.url}/token` });
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(300);
  });

  it('JWT bearer (3-legged): sub tel:+E164, scope as a claim and never a parameter, one token per number', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const tokens = await tokenServer((_request, count) => ({ status: 200, body: { access_token: `jb-${count}`, token_type: 'Bearer', expires_in: 300 } }));
    const api = await apiServer();
    const auth = jwtBearer({
      tokenUrl: `${tokens.url}/token`,
      clientId: 'app-7',
      privateKey: { key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), alg: 'RS256' },
    });
    expect(auth.legs).toBe(3);
    const provider = recycling(api, auth);
    await ask(provider);
    await ask(provider);
    await provider.check({ phone: '+34629255834', since: SINCE, signal: AbortSignal.timeout(5_000) });
    expect(tokens.requests).toHaveLength(2);
    const form = new URLSearchParams(tokens.requests[0]!.body);
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(form.has('scope')).toBe(false);
    const { claims } = verifyJwt(form.get('assertion')!, publicKey, 'RS256');
    expect(claims).toMatchObject({ iss: 'app-7', sub: `tel:${PHONE}`, scope: 'dpv:FraudPreventionAndDetection number-recycling:check' });
    verifyJwt(form.get('client_assertion')!, publicKey, 'RS256');
    expect(api.requests.every((request) => !('phoneNumber' in (JSON.parse(request.body) as object)))).toBe(true);
  });

  it('a 401 drops the cached token and retries once with a fresh one', async () => {
    const tokens = await tokenServer((_request, count) => ({
      status: 200,
      body: { access_token: count === 1 ? 'revoked' : 'fresh', token_type: 'Bearer', expires_in: 3600 },
    }));
    const api = await apiServer();
    const answer = await ask(recycling(api, clientCredentials({ tokenUrl: `${tokens.url}/token`, clientId: 'a', clientSecret: 'b' })));
    expect(answer.changedSince).toBe(false);
    expect(api.requests.map((request) => request.headers.authorization)).toEqual(['Bearer revoked', 'Bearer fresh']);
  });

  it('token endpoint errors become unavailable "token" answers, never exceptions', async () => {
    const tokens = await tokenServer(() => ({ status: 401, body: { error: 'invalid_client', error_description: 'unknown client' } }));
    const api = await apiServer();
    const answer = await ask(recycling(api, clientCredentials({ tokenUrl: `${tokens.url}/token`, clientId: 'a', clientSecret: 'b' })));
    expect(answer.unavailable).toBe('token: token endpoint answered 401 invalid_client (unknown client)');
    expect(api.requests).toHaveLength(0);
    const dpop = await tokenServer(() => ({ status: 200, body: { access_token: 'x', token_type: 'DPoP' } }));
    expect((await ask(recycling(api, clientCredentials({ tokenUrl: dpop.url, clientId: 'a', clientSecret: 'b' })))).unavailable).toMatch(
      /^token: .*unsupported token_type DPoP/,
    );
  });

  it('configuration errors are typed and name the field', () => {
    const attempt = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        expect(error).toBeInstanceOf(GuardConfigError);
        return (error as GuardConfigError).field;
      }
      throw new Error('expected a GuardConfigError');
    };
    expect(attempt(() => clientCredentials({ tokenUrl: 'http://auth.operator.example/token', clientId: 'a', clientSecret: 'b' }))).toBe(
      'clientCredentials.tokenUrl',
    );
    expect(attempt(() => clientCredentials({ tokenUrl: 'https://auth.operator.example/token', clientId: 'a' }))).toBe('clientCredentials.privateKey');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(attempt(() => jwtBearer({ tokenUrl: 'https://auth.operator.example/token', clientId: 'a', privateKey: { key: privateKey, alg: 'ES256' } }))).toBe(
      'jwtBearer.privateKey.alg',
    );
    expect(attempt(() => createCamaraClient({ auth: staticToken() }))).toBe('camara.apiRoot');
    expect(attempt(() => createCamaraClient({ apiRoot: 'https://api.operator.example', auth: staticToken(), versions: { 'sim-swap': 'latest' } }))).toBe(
      'camara.versions.sim-swap',
    );
  });
});
