/**
 * Each CAMARA adapter against a mock generated from the official OpenAPI file (prism, request
 * validation on), plus the error mappings of its Gherkin file. The files are in
 * test/fixtures/camara, with their licence and the release each was taken from.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  camaraDeviceSwap,
  camaraIdMatchCheck,
  camaraKycMatch,
  camaraKycTenure,
  camaraNumberRecycling,
  camaraSimSwap,
  createCamaraClient,
  hostToken,
  type CamaraApi,
} from 'recycled-number-guard/camara';
import type { NumberIntelProvider } from 'recycled-number-guard';
import { SPECS_DIR, startPrism, type PrismMock } from './helpers.js';

const SPEC_FILES: Record<CamaraApi, string> = {
  'number-recycling': 'NumberRecycling/number-recycling.yaml',
  'kyc-tenure': 'KYCTenure/kyc-tenure.yaml',
  'sim-swap': 'SimSwap/sim-swap.yaml',
  'device-swap': 'DeviceSwap/device-swap.yaml',
  'kyc-match': 'KYCMatch/kyc-match.yaml',
};

const PHONE = '+34629255833';
const SINCE = new Date('2024-10-31T00:00:00Z');

interface Exchange {
  request: { url: string; headers: Headers; body: string };
  response: { status: number; headers: Headers; body: string };
}

/** fetch that records each exchange and can add or drop request headers (Prefer, Authorization). */
function recordingFetch(add: Record<string, string> = {}, drop: string[] = []) {
  const exchanges: Exchange[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(add)) headers.set(name, value);
    for (const name of drop) headers.delete(name);
    const response = await fetch(input, { ...init, headers });
    const body = await response.clone().text();
    exchanges.push({
      request: { url: String(input), headers, body: typeof init?.body === 'string' ? init.body : '' },
      response: { status: response.status, headers: response.headers, body },
    });
    return response;
  };
  return { fetch: wrapped, exchanges };
}

/** The spec's XCorrelator example: prism returns it whatever the request sent. */
function correlatorExample(api: CamaraApi): string {
  const text = readFileSync(resolve(SPECS_DIR, SPEC_FILES[api]), 'utf8');
  const match = /XCorrelator:[\s\S]*?example:\s*"([^"]+)"/.exec(text);
  if (!match) throw new Error(`no XCorrelator example in ${SPEC_FILES[api]}`);
  return match[1]!;
}

describe('CAMARA adapters against prism mocks of the official OpenAPI files', () => {
  const mocks = {} as Record<CamaraApi, PrismMock>;

  beforeAll(async () => {
    const started = await Promise.allSettled(
      (Object.keys(SPEC_FILES) as CamaraApi[]).map(async (api) => {
        mocks[api] = await startPrism(resolve(SPECS_DIR, SPEC_FILES[api]));
      }),
    );
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(Object.values(mocks).map((mock) => mock.stop()));
  });

  function client(api: CamaraApi, options: { legs?: 2 | 3; add?: Record<string, string>; drop?: string[] } = {}) {
    const recorder = recordingFetch(options.add, options.drop);
    const camara = createCamaraClient({
      baseUrls: { [api]: mocks[api].url },
      auth: hostToken({ legs: options.legs ?? 2, token: () => 'test-access-token' }),
      correlator: () => correlatorExample(api),
      fetch: recorder.fetch,
      timeoutMs: 10_000,
      maxRetries: 0,
    });
    return { camara, exchanges: recorder.exchanges };
  }

  const ask = (provider: NumberIntelProvider, phone = PHONE) =>
    provider.check({ phone, since: SINCE, signal: AbortSignal.timeout(15_000), accountId: 'acct-1' });

  /** Prism found nothing wrong with the request (it reports violations in this header). */
  function expectValidRequest(exchange: Exchange | undefined) {
    expect(exchange).toBeDefined();
    expect(exchange!.response.headers.get('sl-violations')).toBeNull();
  }

  describe('Number Recycling (number-recycling 0.2.0)', () => {
    it('checkNumberRecycling_01/_02: a valid 2-legged request maps phoneNumberRecycled to changedSince', async () => {
      const { camara, exchanges } = client('number-recycling');
      const answer = await ask(camaraNumberRecycling(camara));
      expectValidRequest(exchanges[0]);
      expect(exchanges[0]!.request.url).toBe(`${mocks['number-recycling'].url}/check`);
      expect(JSON.parse(exchanges[0]!.request.body)).toEqual({ specifiedDate: '2024-10-31', phoneNumber: PHONE });
      const body = JSON.parse(exchanges[0]!.response.body) as { phoneNumberRecycled: boolean };
      expect(answer).toEqual({ source: 'camara-number-recycling', changedSince: body.phoneNumberRecycled });
    });

    it('3-legged: the body carries no phoneNumber and the mock accepts it', async () => {
      const { camara, exchanges } = client('number-recycling', { legs: 3 });
      const answer = await ask(camaraNumberRecycling(camara));
      expectValidRequest(exchanges[0]);
      expect(JSON.parse(exchanges[0]!.request.body)).toEqual({ specifiedDate: '2024-10-31' });
      expect(typeof answer.changedSince).toBe('boolean');
    });

    it.each([
      ['400', 'INVALID_ARGUMENT'],
      ['401', 'UNAUTHENTICATED'],
      ['403', 'PERMISSION_DENIED'],
      ['404', 'IDENTIFIER_NOT_FOUND'],
      ['422', 'SERVICE_NOT_APPLICABLE'],
    ])('documented %s answers become unavailable %s, never a verdict', async (status, code) => {
      const { camara, exchanges } = client('number-recycling', { add: { Prefer: `code=${status}` } });
      const answer = await ask(camaraNumberRecycling(camara));
      expect(exchanges.at(-1)!.response.status).toBe(Number(status));
      expect(answer.changedSince).toBeUndefined();
      expect(answer.unavailable).toMatch(new RegExp(`^${code}: `));
    });

    it('checkNumberRecycling_401.3: without an Authorization header the mock answers UNAUTHENTICATED', async () => {
      const { camara } = client('number-recycling', { drop: ['authorization'] });
      const answer = await ask(camaraNumberRecycling(camara));
      expect(answer.unavailable).toMatch(/^UNAUTHENTICATED: /);
    });

    it('C02.03 / C02.04 examples map to UNNECESSARY_IDENTIFIER and MISSING_IDENTIFIER', async () => {
      for (const [example, code] of [
        ['Unnecessary Identifier', 'UNNECESSARY_IDENTIFIER'],
        ['Missing Identifier', 'MISSING_IDENTIFIER'],
      ] as const) {
        const { camara } = client('number-recycling', { add: { Prefer: `code=422, example=${example}` } });
        const answer = await ask(camaraNumberRecycling(camara));
        expect(answer.unavailable).toMatch(new RegExp(`^${code}: `));
      }
    });

    it('C02.01: a number outside the E.164 pattern fails request validation and yields no verdict', async () => {
      const { camara, exchanges } = client('number-recycling');
      const answer = await ask(camaraNumberRecycling(camara), '0034629255833');
      expect(exchanges[0]!.response.headers.get('sl-violations')).toContain('phoneNumber');
      expect(answer.changedSince).toBeUndefined();
      expect(answer.unavailable).toBeTruthy();
    });
  });

  describe('KYC Tenure (kyc-tenure 0.2.0)', () => {
    it('checkTenure_1/_2: tenureDateCheck becomes tenureCoversSince (never changedSince)', async () => {
      const { camara, exchanges } = client('kyc-tenure');
      const answer = await ask(camaraKycTenure(camara));
      expectValidRequest(exchanges[0]);
      expect(exchanges[0]!.request.url).toBe(`${mocks['kyc-tenure'].url}/check-tenure`);
      expect(JSON.parse(exchanges[0]!.request.body)).toEqual({ tenureDate: '2024-10-31', phoneNumber: PHONE });
      const body = JSON.parse(exchanges[0]!.response.body) as { tenureDateCheck: boolean };
      expect(answer).toEqual({ source: 'camara-kyc-tenure', tenureCoversSince: body.tenureDateCheck });
    });

    it.each([
      ['400', 'INVALID_ARGUMENT'],
      ['401', 'UNAUTHENTICATED'],
      ['403', 'PERMISSION_DENIED'],
      ['404', 'IDENTIFIER_NOT_FOUND'],
      ['422', 'SERVICE_NOT_APPLICABLE'],
    ])('checkTenure %s maps to %s', async (status, code) => {
      const { camara } = client('kyc-tenure', { add: { Prefer: `code=${status}` } });
      const answer = await ask(camaraKycTenure(camara));
      expect(answer.tenureCoversSince).toBeUndefined();
      expect(answer.unavailable).toMatch(new RegExp(`^${code}: `));
    });
  });

  describe('SIM Swap (sim-swap 2.1.0, retrieve-date)', () => {
    it('retrieve_sim_swap_date_1/_2: latestSimChange becomes lastSimChange', async () => {
      const { camara, exchanges } = client('sim-swap', { add: { Prefer: 'example=RETRIEVE_DATE' } });
      const answer = await ask(camaraSimSwap(camara));
      expectValidRequest(exchanges[0]);
      expect(exchanges[0]!.request.url).toBe(`${mocks['sim-swap'].url}/retrieve-date`);
      expect(JSON.parse(exchanges[0]!.request.body)).toEqual({ phoneNumber: PHONE });
      const body = JSON.parse(exchanges[0]!.response.body) as { latestSimChange: string };
      expect(answer).toEqual({ source: 'camara-sim-swap', lastSimChange: body.latestSimChange });
    });

    it('3-legged sends an empty body', async () => {
      const { camara, exchanges } = client('sim-swap', { legs: 3 });
      await ask(camaraSimSwap(camara));
      expectValidRequest(exchanges[0]);
      expect(exchanges[0]!.request.body).toBe('{}');
    });

    it('retrieve_sim_swap_date_5: null with a monitoredPeriod shorter than the binding age is unknown, not "unchanged"', async () => {
      const { camara } = client('sim-swap', { add: { Prefer: 'example=RETRIEVE_MONITORED_PERIOD' } });
      const answer = await ask(camaraSimSwap(camara));
      expect(answer.lastSimChange).toBeUndefined();
      expect(answer.unavailable).toMatch(/^NO_DATA: .*120-day window/);
    });

    it('retrieve_sim_swap_date_4: null without a monitoredPeriod is unknown', async () => {
      const { camara } = client('sim-swap', { add: { Prefer: 'example=RETRIEVE_MONITORED_NULL' } });
      const answer = await ask(camaraSimSwap(camara));
      expect(answer.unavailable).toMatch(/^NO_DATA: /);
    });

    it.each([
      ['400', 'INVALID_ARGUMENT'],
      ['401', 'UNAUTHENTICATED'],
      ['403', 'PERMISSION_DENIED'],
      ['404', 'NOT_FOUND'],
      ['422', 'SERVICE_NOT_APPLICABLE'],
      ['429', 'rate_limited'],
    ])('retrieveSimSwapDate %s maps to %s', async (status, code) => {
      const { camara } = client('sim-swap', { add: { Prefer: `code=${status}` } });
      const answer = await ask(camaraSimSwap(camara));
      expect(answer.lastSimChange).toBeUndefined();
      expect(answer.unavailable).toMatch(new RegExp(`^${code}: `));
    });
  });

  describe('Device Swap (device-swap 1.0.0, retrieve-date)', () => {
    it('retrieve_device_swap_date_1/_2: latestDeviceChange becomes lastDeviceChange', async () => {
      const { camara, exchanges } = client('device-swap', { add: { Prefer: 'example=RETRIEVE_DATE' } });
      const answer = await ask(camaraDeviceSwap(camara));
      expectValidRequest(exchanges[0]);
      expect(exchanges[0]!.request.url).toBe(`${mocks['device-swap'].url}/retrieve-date`);
      const body = JSON.parse(exchanges[0]!.response.body) as { latestDeviceChange: string };
      expect(answer).toEqual({ source: 'camara-device-swap', lastDeviceChange: body.latestDeviceChange });
    });

    it.each([
      ['400', 'INVALID_ARGUMENT'],
      ['401', 'UNAUTHENTICATED'],
      ['403', 'PERMISSION_DENIED'],
      ['404', 'NOT_FOUND'],
      ['422', 'SERVICE_NOT_APPLICABLE'],
    ])('retrieveDeviceSwapDate %s maps to %s', async (status, code) => {
      const { camara } = client('device-swap', { add: { Prefer: `code=${status}` } });
      const answer = await ask(camaraDeviceSwap(camara));
      expect(answer.unavailable).toMatch(new RegExp(`^${code}: `));
    });
  });

  describe('KYC Match (kyc-match 0.4.0)', () => {
    const identity = { name: 'Federica Sanchez Arjona', birthdate: '1978-08-22', idDocument: '66666666q', idDocumentType: 'passport' as const };

    it('KYC_Match_1: sends only the decisive attributes; the example answer (birthdateMatch "false") is a mismatch', async () => {
      const { camara, exchanges } = client('kyc-match');
      const answer = await ask(camaraKycMatch(camara, { identityFor: () => identity }));
      expectValidRequest(exchanges[0]);
      expect(exchanges[0]!.request.url).toBe(`${mocks['kyc-match'].url}/match`);
      expect(JSON.parse(exchanges[0]!.request.body)).toEqual({ ...identity, phoneNumber: PHONE });
      const body = JSON.parse(exchanges[0]!.response.body) as Record<string, string>;
      expect(body).toMatchObject({ nameMatch: 'true', idDocumentMatch: 'true', birthdateMatch: 'false' });
      expect(answer).toEqual({ source: 'camara-kyc-match', identityMatch: false });
    });

    it('the id_match step-up helper: fails on the birthdate mismatch, passes when only name and document are compared', async () => {
      const { camara } = client('kyc-match');
      const check = camaraIdMatchCheck(camara);
      const mismatch = await check({ phone: PHONE, identity });
      expect(mismatch).toMatchObject({ passed: false, result: 'mismatch', attributes: { birthdate: 'false', name: 'true', idDocument: 'true' } });
      expect(mismatch.why).toContain('birthdate');
      const { birthdate: _omitted, ...withoutBirthdate } = identity;
      const match = await check({ phone: PHONE, identity: withoutBirthdate });
      expect(match).toMatchObject({ passed: true, result: 'match' });
    });

    it('no identity on file: unavailable NO_IDENTITY without any request', async () => {
      const { camara, exchanges } = client('kyc-match');
      const answer = await ask(camaraKycMatch(camara, { identityFor: () => null }));
      expect(answer.unavailable).toMatch(/^NO_IDENTITY: /);
      expect(exchanges).toHaveLength(0);
    });

    it.each([
      ['400', 'INVALID_ARGUMENT'],
      ['401', 'UNAUTHENTICATED'],
      ['403', 'PERMISSION_DENIED'],
      ['404', 'NOT_FOUND'],
      ['422', 'SERVICE_NOT_APPLICABLE'],
    ])('KYC_Match %s maps to %s; the step-up helper does not pass', async (status, code) => {
      const { camara } = client('kyc-match', { add: { Prefer: `code=${status}` } });
      const answer = await ask(camaraKycMatch(camara, { identityFor: () => identity }));
      expect(answer.identityMatch).toBeUndefined();
      expect(answer.unavailable).toMatch(new RegExp(`^${code}: `));
      const step = await camaraIdMatchCheck(camara)({ phone: PHONE, identity });
      expect(step).toMatchObject({ passed: false, result: 'unknown', code });
    });

    it('KYC_Match_11: INVALID_TOKEN_CONTEXT is unavailable; KYC_Match_13: ID_DOCUMENT_MISMATCH is a mismatch', async () => {
      const context = client('kyc-match', { add: { Prefer: 'code=403, example=GENERIC_403_INVALID_TOKEN_CONTEXT' } });
      const answer = await ask(camaraKycMatch(context.camara, { identityFor: () => identity }));
      expect(answer.unavailable).toMatch(/^INVALID_TOKEN_CONTEXT: /);
      const mismatch = client('kyc-match', { add: { Prefer: 'code=403, example=KNOW_YOUR_CUSTOMER.ID_DOCUMENT_MISMATCH' } });
      expect(await ask(camaraKycMatch(mismatch.camara, { identityFor: () => identity }))).toEqual({ source: 'camara-kyc-match', identityMatch: false });
    });
  });
});
