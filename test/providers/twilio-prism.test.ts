/**
 * The Twilio Lookup v2 adapters against a Prism mock of Twilio's own OpenAPI description
 * (test/fixtures/twilio, twilio-oai 2.6.7), request validation on: every example Twilio publishes
 * for reassigned_number, sim_swap and line_type_intelligence, the errors the description
 * documents, and the fields the adapters read held to the description's schema.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { twilioLookup, twilioLookupClient, twilioLookupResponseSchema, twilioReassignedNumber, twilioSimSwap } from 'recycled-number-guard/twilio';
import type { NumberIntelProvider } from 'recycled-number-guard';
import { REPO_ROOT, startPrism, type PrismMock } from './helpers.js';
import { fieldsOf, localRefs, typeConflicts, unknownFields } from './schema-fields.js';

const SPEC_FILE = resolve(REPO_ROOT, 'test/fixtures/twilio/twilio_lookups_v2.yaml');
const spec = parse(readFileSync(SPEC_FILE, 'utf8')) as Record<string, any>;
const fetchPhoneNumber = spec.paths['/v2/PhoneNumbers/{PhoneNumber}'].get;

const US = '+14159929960';
const GB = '+447772000001';
const NOW = Date.parse('2026-03-01T12:00:00Z');
const HOUR = 3_600_000;

interface Exchange {
  url: string;
  requestHeaders: Headers;
  status: number;
  violations: { location: string[]; message: string }[];
  body: string;
}

/** fetch that records each exchange and can add or drop request headers (Prefer, Authorization). */
function recordingFetch(add: Record<string, string> = {}, drop: string[] = []) {
  const exchanges: Exchange[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(add)) headers.set(name, value);
    for (const name of drop) headers.delete(name);
    const response = await fetch(input, { ...init, headers });
    const raw = response.headers.get('sl-violations');
    exchanges.push({
      url: String(input),
      requestHeaders: headers,
      status: response.status,
      violations: raw ? JSON.parse(raw) : [],
      body: await response.clone().text(),
    });
    return response;
  };
  return { fetch: wrapped, exchanges };
}

describe('Twilio Lookup v2 adapters against a Prism mock of twilio_lookups_v2.yaml', () => {
  let prism: PrismMock;
  beforeAll(async () => {
    prism = await startPrism(SPEC_FILE);
  }, 120_000);
  afterAll(async () => {
    await prism?.stop();
  });

  function setUp(example: string | undefined, options: { drop?: string[]; prefer?: string } = {}) {
    const prefer = options.prefer ?? (example ? `example=${example}` : undefined);
    const recorder = recordingFetch(prefer ? { Prefer: prefer } : {}, options.drop);
    const common = {
      username: 'ACtest',
      password: 'auth-token',
      baseUrl: prism.url,
      fetch: recorder.fetch,
      maxRetries: 0,
      timeoutMs: 10_000,
      clock: () => NOW,
    };
    return { common, exchanges: recorder.exchanges };
  }

  const ask = (provider: NumberIntelProvider, phone: string, since: Date) => provider.check({ phone, since, signal: AbortSignal.timeout(15_000) });

  /** Prism found nothing wrong with the request (response-side notes about Twilio's own examples aside). */
  function expectValidRequest(exchange: Exchange | undefined) {
    expect(exchange).toBeDefined();
    expect(exchange!.violations.filter((violation) => violation.location[0] === 'request')).toEqual([]);
    expect(exchange!.status).toBe(200);
  }

  describe('reassigned_number', () => {
    it.each([
      ['fetchReassignedNumberWithNumberReassigned', { changedSince: true }],
      ['fetchReassignedNumberWithNumberNoReassigned', { changedSince: false }],
    ])('%s', async (example, expected) => {
      const { common, exchanges } = setUp(example);
      const answer = await ask(twilioReassignedNumber(common), US, new Date('2020-12-27T10:00:00Z'));
      expectValidRequest(exchanges[0]);
      expect(exchanges[0]!.url).toBe(`${prism.url}/v2/PhoneNumbers/%2B14159929960?Fields=reassigned_number&LastVerifiedDate=20201227`);
      expect(exchanges[0]!.requestHeaders.get('authorization')).toBe(`Basic ${Buffer.from('ACtest:auth-token').toString('base64')}`);
      expect(answer).toEqual({ source: 'twilio-reassigned-number', ...expected });
    });

    it('fetchReassignedNumberWithNoDataAvailable: unknown, not "same subscriber"', async () => {
      const { common, exchanges } = setUp('fetchReassignedNumberWithNoDataAvailable');
      const answer = await ask(twilioReassignedNumber(common), US, new Date('2021-12-24T00:00:00Z'));
      expectValidRequest(exchanges[0]);
      expect(answer.changedSince).toBeUndefined();
      expect(answer.unavailable).toMatch(/^NO_DATA: no_data_available/);
    });

    it('fetch (no package data): reassigned_number null is unknown', async () => {
      const { common } = setUp('fetch');
      expect((await ask(twilioReassignedNumber(common), US, new Date('2024-01-01'))).unavailable).toMatch(/^NO_DATA: no reassigned_number in the response/);
    });

    it('fetchInvalid: a number Twilio does not consider valid is unknown, with its validation errors', async () => {
      const { common } = setUp('fetchInvalid');
      expect((await ask(twilioReassignedNumber(common), US, new Date('2024-01-01'))).unavailable).toBe(
        'NOT_FOUND: Twilio does not consider the number valid (TOO_LONG)',
      );
    });
  });

  describe('sim_swap', () => {
    it('fetchSimSwap: last_sim_swap_date becomes lastSimChange', async () => {
      const { common, exchanges } = setUp('fetchSimSwap');
      const answer = await ask(twilioSimSwap(common), GB, new Date('2019-06-01'));
      expectValidRequest(exchanges[0]);
      expect(exchanges[0]!.url).toBe(`${prism.url}/v2/PhoneNumbers/%2B447772000001?Fields=sim_swap`);
      expect(answer).toEqual({ source: 'twilio-sim-swap', lastSimChange: '2020-04-27T10:18:50Z' });
    });

    it('fetchSimSwapAndCallForwarding: the sim_swap part is read, the other package ignored', async () => {
      const { common } = setUp('fetchSimSwapAndCallForwarding');
      expect(await ask(twilioSimSwap(common), GB, new Date('2019-06-01'))).toEqual({ source: 'twilio-sim-swap', lastSimChange: '2020-11-05T20:52:09Z' });
    });

    it('fetchSimSwapWithoutLastSimSwapDate (swapped within PT24H): a change after `since` only when the whole window is', async () => {
      const { common } = setUp('fetchSimSwapWithoutLastSimSwapDate');
      const provider = twilioSimSwap(common);
      expect(await ask(provider, GB, new Date(NOW - 30 * 24 * HOUR))).toEqual({
        source: 'twilio-sim-swap',
        lastSimChange: new Date(NOW - 24 * HOUR).toISOString(),
      });
      // Bound 6 hours ago: the change in the last 24 hours may be before the binding.
      const recent = await ask(provider, GB, new Date(NOW - 6 * HOUR));
      expect(recent.lastSimChange).toBeUndefined();
      expect(recent.unavailable).toMatch(/^NO_DATA: a SIM change within the last PT24H, which may be before/);
    });

    it('fetchSimSwapWithFalseSwapped (no change within PT24H): "no change" only when the window reaches back to `since`', async () => {
      const { common } = setUp('fetchSimSwapWithFalseSwapped');
      const provider = twilioSimSwap(common);
      const old = await ask(provider, GB, new Date(NOW - 30 * 24 * HOUR));
      expect(old.lastSimChange).toBeUndefined();
      expect(old.unavailable).toMatch(/^NO_DATA: no SIM change in the last PT24H, which does not reach back to/);
      expect(await ask(provider, GB, new Date(NOW - 6 * HOUR))).toEqual({ source: 'twilio-sim-swap', lastSimChange: null });
    });
  });

  describe('line_type_intelligence', () => {
    it('fetchLineTypeIntelligence: a nonFixedVoip line has no SIM, so SIM swap is not applicable (not "no change")', async () => {
      const { common, exchanges } = setUp('fetchLineTypeIntelligence');
      const answer = await ask(twilioSimSwap({ ...common, lineType: true }), US, new Date('2024-01-01'));
      expectValidRequest(exchanges[0]);
      expect(exchanges[0]!.url).toBe(`${prism.url}/v2/PhoneNumbers/%2B14159929960?Fields=sim_swap,line_type_intelligence`);
      expect(answer).toEqual({
        source: 'twilio-sim-swap',
        unavailable: 'SERVICE_NOT_APPLICABLE: sim_swap covers mobile lines; line_type_intelligence says nonFixedVoip',
      });
    });

    it('the raw client returns the line type for hosts that record it at binding time', async () => {
      const { common, exchanges } = setUp('fetchLineTypeIntelligence');
      const result = await twilioLookupClient(common).lookup({ phone: US, fields: ['line_type_intelligence'], signal: AbortSignal.timeout(10_000) });
      expectValidRequest(exchanges[0]);
      expect(result).toMatchObject({
        ok: true,
        data: { line_type_intelligence: { type: 'nonFixedVoip', carrier_name: 'Twilio - SMS/MMS-SVR', error_code: null } },
      });
    });

    it('one request for reassigned_number, sim_swap and line type: the answers combine', async () => {
      const { common, exchanges } = setUp('fetchSimSwap');
      const provider = twilioLookup({ ...common, fields: ['reassigned_number', 'sim_swap', 'line_type_intelligence'] });
      const answer = await ask(provider, US, new Date('2019-06-01T00:00:00Z'));
      expectValidRequest(exchanges[0]);
      expect(exchanges[0]!.url).toBe(
        `${prism.url}/v2/PhoneNumbers/%2B14159929960?Fields=reassigned_number,sim_swap,line_type_intelligence&LastVerifiedDate=20190601`,
      );
      // The example carries no reassigned_number: that part is unknown, the SIM part answers.
      expect(answer).toEqual({ source: 'twilio-lookup', lastSimChange: '2020-04-27T10:18:50Z' });
    });
  });

  describe('documented errors', () => {
    it('the description documents no error response for FetchPhoneNumber, only HTTP Basic security', () => {
      expect(Object.keys(fetchPhoneNumber.responses)).toEqual(['200']);
      expect(fetchPhoneNumber.security).toEqual([{ accountSid_authToken: [] }]);
      expect(spec.components.securitySchemes.accountSid_authToken).toEqual({ scheme: 'basic', type: 'http' });
    });

    it('no Authorization header: the mock answers 401 and every adapter reports UNAUTHENTICATED, never a verdict', async () => {
      for (const make of [
        twilioReassignedNumber,
        twilioSimSwap,
        (options: Parameters<typeof twilioLookup>[0]) => twilioLookup({ ...options, fields: ['reassigned_number', 'sim_swap'] }),
      ]) {
        const { common, exchanges } = setUp('fetchReassignedNumberWithNumberReassigned', { drop: ['authorization'] });
        const answer = await ask(make(common), US, new Date('2020-12-27'));
        expect(exchanges[0]!.status).toBe(401);
        expect(answer.changedSince).toBeUndefined();
        expect(answer.lastSimChange).toBeUndefined();
        expect(answer.unavailable).toMatch(/^UNAUTHENTICATED: HTTP 401 \[401\]/);
      }
    });

    it('a status the description does not define is never a verdict either', async () => {
      const { common, exchanges } = setUp(undefined, { prefer: 'code=404' });
      const answer = await ask(twilioReassignedNumber(common), US, new Date('2020-12-27'));
      expect(exchanges[0]!.status).toBe(404);
      expect(answer).toEqual({ source: 'twilio-reassigned-number', unavailable: 'NOT_FOUND: HTTP 404 [404]' });
    });
  });

  describe('every field the adapters read is in the description', () => {
    const specFields = fieldsOf(spec.components.schemas.LookupResponse, localRefs(spec));
    const adapterFields = fieldsOf(z.toJSONSchema(twilioLookupResponseSchema, { io: 'input', unrepresentable: 'any' }));

    it('the field lists are real (the comparison is not vacuous)', () => {
      expect(adapterFields.size).toBeGreaterThanOrEqual(15);
      expect([...adapterFields.keys()]).toEqual(
        expect.arrayContaining([
          'reassigned_number.is_number_reassigned',
          'sim_swap.last_sim_swap.last_sim_swap_date',
          'sim_swap.last_sim_swap.swapped_period',
          'line_type_intelligence.type',
        ]),
      );
      expect(specFields.get('sim_swap.error_code')).toEqual(new Set(['integer']));
      expect(specFields.get('reassigned_number.error_code')).toEqual(new Set(['string']));
    });

    it('unknown fields: none', () => {
      expect(unknownFields(adapterFields, specFields)).toEqual([]);
    });

    it('every type the description declares for those fields is accepted', () => {
      expect(typeConflicts(adapterFields, specFields)).toEqual([]);
    });

    it('control: a field the description lacks, or a narrower type, is reported', () => {
      const drifted = twilioLookupResponseSchema.extend({
        reassigned_number: z.object({ is_recycled: z.boolean(), error_code: z.number().int() }).nullable(),
      });
      const fields = fieldsOf(z.toJSONSchema(drifted, { io: 'input', unrepresentable: 'any' }));
      expect(unknownFields(fields, specFields)).toEqual(['reassigned_number.is_recycled']);
      expect(typeConflicts(fields, specFields)).toEqual(['reassigned_number.error_code: the spec says string, the adapter accepts integer']);
    });
  });
});
