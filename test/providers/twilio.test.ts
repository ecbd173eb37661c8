/** Twilio Lookup v2 `reassigned_number` against a real local HTTP server. */
import { afterEach, describe, expect, it } from 'vitest';
import { twilioReassignedNumber, yyyymmdd } from 'recycled-number-guard/twilio';
import { GuardConfigError } from 'recycled-number-guard';
import { json, localServer, type LocalServer } from './helpers.js';

const PHONE = '+14155552671';
const SINCE = new Date('2023-12-22T18:30:00Z');

const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function twilio(reply: Parameters<typeof localServer>[0], options: { maxRetries?: number } = {}) {
  const server = await localServer(reply);
  servers.push(server);
  const provider = twilioReassignedNumber({ username: 'AC123', password: 'auth-token', baseUrl: server.url, maxRetries: options.maxRetries ?? 0 });
  const ask = (phone = PHONE) => provider.check({ phone, since: SINCE, signal: AbortSignal.timeout(5_000) });
  return { server, provider, ask };
}

const lookup = (isNumberReassigned: string | null, errorCode: string | null = null) => ({
  phone_number: PHONE,
  reassigned_number: { last_verified_date: '2023-12-22', is_number_reassigned: isNumberReassigned, error_code: errorCode },
});

describe('twilioReassignedNumber', () => {
  it('asks GET /v2/PhoneNumbers/{E.164} with Fields and LastVerifiedDate (YYYYMMDD), Basic auth', async () => {
    const { server, ask } = await twilio((_request, response) => json(response, 200, lookup('no')));
    expect(await ask()).toEqual({ source: 'twilio-reassigned-number', changedSince: false });
    const request = server.requests[0]!;
    expect(request.method).toBe('GET');
    expect(request.url).toBe('/v2/PhoneNumbers/%2B14155552671?Fields=reassigned_number&LastVerifiedDate=20231222');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('AC123:auth-token').toString('base64')}`);
    expect(yyyymmdd(new Date('2024-01-05T23:59:59Z'))).toBe('20240105');
  });

  it('yes is a conclusive "changed hands"; no_data_available and error codes are unknown', async () => {
    let body: unknown = lookup('yes');
    const { ask } = await twilio((_request, response) => json(response, 200, body));
    expect(await ask()).toEqual({ source: 'twilio-reassigned-number', changedSince: true });
    body = lookup('no_data_available');
    expect((await ask()).unavailable).toMatch(/^NO_DATA: no_data_available/);
    body = lookup(null, '60607');
    expect((await ask()).unavailable).toBe("SERVICE_NOT_APPLICABLE: reassigned_number error_code 60607 (the number's country is not covered by the package)");
    body = lookup(null, '60699');
    expect((await ask()).unavailable).toBe('error: reassigned_number error_code 60699');
    body = { phone_number: PHONE, reassigned_number: null };
    expect((await ask()).unavailable).toMatch(/^NO_DATA: no reassigned_number/);
  });

  it('numbers outside the US are answered at once, without a request', async () => {
    const { server, ask } = await twilio((_request, response) => json(response, 200, lookup('no')));
    expect((await ask('+8613800138000')).unavailable).toMatch(/^SERVICE_NOT_APPLICABLE: reassigned_number covers US numbers only/);
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    [404, { code: 20404, message: 'The requested resource was not found', status: 404 }, /^NOT_FOUND: 20404: The requested resource/],
    [401, { code: 20003, message: 'Authenticate', status: 401 }, /^UNAUTHENTICATED: 20003: Authenticate/],
    [429, { code: 20429, message: 'Too Many Requests', status: 429 }, /^rate_limited: 20429: .*no Retry-After/],
    [500, { code: 20500, message: 'Internal Server Error', status: 500 }, /^HTTP_500: 20500: /],
  ])('HTTP %i maps to an unavailable answer', async (status, body, expected) => {
    const { ask } = await twilio((_request, response) => json(response, status, body));
    expect((await ask()).unavailable).toMatch(expected);
  });

  it('garbage and a wrong schema are malformed', async () => {
    let mode = 'garbage';
    const { ask } = await twilio((_request, response) => {
      if (mode === 'garbage') response.writeHead(200, { 'content-type': 'application/json' }).end('<html>');
      else json(response, 200, { reassigned_number: { is_number_reassigned: 'maybe' } });
    });
    expect((await ask()).unavailable).toBe('malformed: the response body is not JSON');
    mode = 'schema';
    expect((await ask()).unavailable).toMatch(/^malformed: unexpected response schema \(reassigned_number\.is_number_reassigned: /);
  });

  it('a 429 with Retry-After: 0 is retried once and answers', async () => {
    let calls = 0;
    const { ask, server } = await twilio(
      (_request, response) => {
        calls += 1;
        if (calls === 1) return json(response, 429, { code: 20429, message: 'Too Many Requests', status: 429 }, { 'retry-after': '0' });
        json(response, 200, lookup('yes'));
      },
      { maxRetries: 1 },
    );
    expect(await ask()).toEqual({ source: 'twilio-reassigned-number', changedSince: true });
    expect(server.requests).toHaveLength(2);
  });

  it('configuration errors name the field', () => {
    expect(() => twilioReassignedNumber({ username: '', password: 'x' })).toThrow(GuardConfigError);
    expect(() => twilioReassignedNumber({ username: 'AC1', password: 'x', baseUrl: 'http://lookups.example.net' })).toThrow(/twilio\.baseUrl/);
  });
});
