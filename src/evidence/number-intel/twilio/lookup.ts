// Twilio Lookup v2: `GET /v2/PhoneNumbers/{PhoneNumber}?Fields=...` (twilio-oai, twilio_lookups_v2).
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import { GuardConfigError } from '../../../errors/guard-config-error.js';
import type { NumberIntelAnswer, NumberIntelProvider, NumberIntelRequest } from '../../../types/index.js';
import { cleanText, unavailableAnswer } from '../failure.js';
import { checkEndpointUrl, httpPolicyOf, parseJsonBody, providerName, sendWithRetries, type ProviderHttpOptions } from '../http.js';

/** The Lookup v2 data packages these adapters read. Each one is billed per lookup by Twilio. */
export type TwilioLookupField = 'reassigned_number' | 'sim_swap' | 'line_type_intelligence';
export const TWILIO_LOOKUP_FIELDS: readonly TwilioLookupField[] = ['reassigned_number', 'sim_swap', 'line_type_intelligence'];

export interface TwilioLookupOptions extends ProviderHttpOptions {
  /** Account SID (AC...) or API key SID (SK...). */
  username: string;
  /** Auth token, or the API key's secret. */
  password: string;
  /** Lookup API base; tests point it at a local server. Default `https://lookups.twilio.com`. */
  baseUrl?: string;
  /** Countries `reassigned_number` covers; it is not asked for numbers elsewhere. Default `['US']`. */
  countries?: string[];
  name?: string;
  /** Epoch-ms clock for `sim_swap`'s `swapped_period` window (tests pass their own). */
  clock?: () => number;
}

// ---------------------------------------------------------------------------------------------
// What the adapter reads. Every field here must exist in Twilio's own OpenAPI description
// (test/providers/twilio-prism.test.ts derives the field list from this schema and checks it).
// ---------------------------------------------------------------------------------------------

/** `ReassignedNumberInfo`. `error_code` is a string in this package of Twilio's spec, an integer elsewhere. */
const reassignedSchema = z.object({
  last_verified_date: z.string().max(32).nullable().optional(),
  // The spec types it as a plain string; Twilio's documentation lists these three values.
  is_number_reassigned: z.enum(['yes', 'no', 'no_data_available']).nullable().optional(),
  error_code: z
    .union([z.string().max(16), z.number().int()])
    .nullable()
    .optional(),
});

/** `LastSimSwapInfo`. */
const lastSimSwapSchema = z.object({
  last_sim_swap_date: z.iso.datetime({ offset: true }).nullable().optional(),
  /** ISO 8601 duration, e.g. `PT24H`. */
  swapped_period: z.string().max(32).nullable().optional(),
  swapped_in_period: z.boolean().nullable().optional(),
});

/** `SimSwapInfo`. */
const simSwapSchema = z.object({
  last_sim_swap: lastSimSwapSchema.nullable().optional(),
  carrier_name: z.string().max(200).nullable().optional(),
  error_code: z.number().int().nullable().optional(),
});

/** `LineTypeIntelligenceInfo`. */
const lineTypeSchema = z.object({
  type: z.string().max(32).nullable().optional(),
  carrier_name: z.string().max(200).nullable().optional(),
  error_code: z.number().int().nullable().optional(),
});

/** `LookupResponse`, the parts these adapters read. */
export const twilioLookupResponseSchema = z.object({
  phone_number: z.string().max(32).nullable().optional(),
  valid: z.boolean().nullable().optional(),
  validation_errors: z.array(z.string().max(40)).max(10).nullable().optional(),
  reassigned_number: reassignedSchema.nullable().optional(),
  sim_swap: simSwapSchema.nullable().optional(),
  line_type_intelligence: lineTypeSchema.nullable().optional(),
});

export type TwilioLookupInfo = z.infer<typeof twilioLookupResponseSchema>;

/** Twilio's REST error envelope (`code`, `message`, `more_info`, `status`). */
const twilioErrorSchema = z.object({ code: z.number().int().optional(), message: z.string().max(1000), status: z.number().int().optional() });

/** Twilio's LastVerifiedDate format: YYYYMMDD, UTC. */
export const yyyymmdd = (date: Date): string => date.toISOString().slice(0, 10).replaceAll('-', '');

/**
 * Field-level `error_code` values of Lookup v2 (Twilio's error dictionary, 606xx), as the codes
 * every adapter here uses. Coverage gaps are "not answerable" (unknown, not a provider failure);
 * account or region set-up problems are failures, so the circuit breaker spares the login budget.
 */
const FIELD_ERRORS: Record<number, [code: string, meaning: string]> = {
  60601: ['SERVICE_NOT_APPLICABLE', 'this country needs a separate approval for the package'],
  60606: ['PERMISSION_DENIED', 'the Lookup package is not enabled on this account'],
  60607: ['SERVICE_NOT_APPLICABLE', "the number's country is not covered by the package"],
  60608: ['PROVIDER_ERROR', "Twilio's data provider answered with an error"],
  60610: ['SERVICE_NOT_APPLICABLE', "the number is outside the package's coverage"],
  60614: ['REGION_MISMATCH', 'the package must be asked in another Twilio region'],
  60619: ['REGION_MISMATCH', 'the package is not available in this Twilio region'],
  60620: ['NO_DATA', 'the carrier returned incomplete SIM swap data'],
};

/** HTTP statuses of Twilio's REST API, as typed codes (the body's Twilio code goes in the message). */
const STATUS_CODES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'INVALID_ARGUMENT',
};

export type TwilioLookupResult = { ok: true; data: TwilioLookupInfo } | { ok: false; code: string; message: string; status?: number };

export interface TwilioLookupRequest {
  /** E.164. */
  phone: string;
  fields: readonly TwilioLookupField[];
  /** `LastVerifiedDate` for `reassigned_number`. */
  lastVerified?: Date;
  signal: AbortSignal;
}

export interface TwilioLookupClient {
  /** One Lookup v2 request. Never throws: every failure is a result with a code. */
  lookup(request: TwilioLookupRequest): Promise<TwilioLookupResult>;
}

function checkCredentials(options: TwilioLookupOptions): void {
  if (typeof options.username !== 'string' || options.username.length === 0) throw new GuardConfigError('twilio.username', 'the Account SID or API key SID');
  if (typeof options.password !== 'string' || options.password.length === 0) throw new GuardConfigError('twilio.password', 'the auth token or API key secret');
}

/** A Lookup v2 client for hosts that want the raw data (e.g. the line type when a number is bound). */
export function twilioLookupClient(options: TwilioLookupOptions): TwilioLookupClient {
  checkCredentials(options);
  const base = checkEndpointUrl(options.baseUrl ?? 'https://lookups.twilio.com', 'twilio.baseUrl', options.allowInsecureHttp);
  const policy = httpPolicyOf(options, 'twilio');
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;

  async function lookup(request: TwilioLookupRequest): Promise<TwilioLookupResult> {
    const query = new URLSearchParams({ Fields: request.fields.join(',') });
    if (request.fields.includes('reassigned_number') && request.lastVerified) query.set('LastVerifiedDate', yyyymmdd(request.lastVerified));
    const url = `${base}/v2/PhoneNumbers/${encodeURIComponent(request.phone)}?${query.toString().replaceAll('%2C', ',')}`;
    const outcome = await sendWithRetries(() => ({ url, method: 'GET', headers: { authorization, accept: 'application/json' } }), request.signal, policy);
    if (outcome.kind === 'failure') return { ok: false, code: outcome.code, message: outcome.message };
    const { status } = outcome;
    const note = outcome.note ? `; ${outcome.note}` : '';
    const json = parseJsonBody(outcome.text);
    if (json === undefined && status === 200) return { ok: false, code: 'malformed', message: 'the response body is not JSON', status };
    if (status !== 200) {
      const error = twilioErrorSchema.safeParse(json);
      const detail = error.success ? `${error.data.code ?? status}: ${cleanText(error.data.message, 120)}` : `HTTP ${status}`;
      if (status === 429) return { ok: false, code: 'rate_limited', message: `${detail}${note}`, status };
      if (status >= 300 && status < 400) return { ok: false, code: `HTTP_${status}`, message: 'unexpected redirect', status };
      const code = STATUS_CODES[status];
      if (code) return { ok: false, code, message: `${detail} [${status}]`, status };
      return { ok: false, code: `HTTP_${status}`, message: `${detail}${note}`, status };
    }
    const parsed = twilioLookupResponseSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        ok: false,
        code: 'malformed',
        message: `unexpected response schema (${issue?.path.join('.') || 'root'}: ${issue?.message ?? 'invalid'})`,
        status,
      };
    }
    return { ok: true, data: parsed.data };
  }

  return {
    async lookup(request) {
      try {
        return await lookup(request);
      } catch (error) {
        return { ok: false, code: 'error', message: cleanText(error instanceof Error ? error.message : String(error)) };
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// From Lookup fields to evidence
// ---------------------------------------------------------------------------------------------

type Part = { answer: Omit<NumberIntelAnswer, 'source'> } | { code: string; message: string };

function fieldError(field: string, raw: string | number | null | undefined): Part | null {
  if (raw === null || raw === undefined || String(raw) === '') return null;
  const number = Number(raw);
  const known = Number.isInteger(number) ? FIELD_ERRORS[number] : undefined;
  if (known) return { code: known[0], message: `${field} error_code ${number} (${known[1]})` };
  return { code: 'error', message: `${field} error_code ${cleanText(String(raw), 16)}` };
}

function reassignedPart(info: TwilioLookupInfo): Part {
  const field = info.reassigned_number;
  if (!field) return { code: 'NO_DATA', message: 'no reassigned_number in the response (is the package enabled for this account?)' };
  const error = fieldError('reassigned_number', field.error_code);
  if (error) return error;
  switch (field.is_number_reassigned) {
    case 'yes':
      return { answer: { changedSince: true } };
    case 'no':
      return { answer: { changedSince: false } };
    case 'no_data_available':
      return { code: 'NO_DATA', message: 'no_data_available: no disconnection data for this number and date' };
    default:
      return { code: 'NO_DATA', message: 'is_number_reassigned is null' };
  }
}

const HOUR = 3_600_000;

/** `PT24H`, `PT48H`, `P7D` (ISO 8601 durations as Twilio's `swapped_period` uses them), in ms. */
export function isoDurationMs(value: string): number | undefined {
  const match = /^P(?:(\d{1,4})D)?(?:T(?:(\d{1,5})H)?(?:(\d{1,6})M)?(?:(\d{1,7})S)?)?$/.exec(value);
  if (!match || value === 'P' || value.endsWith('T')) return undefined;
  const [, d = '0', h = '0', m = '0', s = '0'] = match;
  return Number(d) * 24 * HOUR + Number(h) * HOUR + Number(m) * 60_000 + Number(s) * 1000;
}

/** Line types that have a SIM, so that SIM swap data can exist for them. */
const SIM_LINE_TYPES = new Set(['mobile']);

function simPart(info: TwilioLookupInfo, since: Date, now: number, lineTypeAsked: boolean): Part {
  const lineType = info.line_type_intelligence;
  if (lineTypeAsked && lineType && lineType.error_code == null && lineType.type && !SIM_LINE_TYPES.has(lineType.type)) {
    return { code: 'SERVICE_NOT_APPLICABLE', message: `sim_swap covers mobile lines; line_type_intelligence says ${cleanText(lineType.type, 32)}` };
  }
  const field = info.sim_swap;
  // Twilio answers nulls (and does not bill) for countries and carriers it cannot ask.
  if (!field) return { code: 'NO_DATA', message: 'no sim_swap in the response (unsupported country or carrier, or the package is not enabled)' };
  const error = fieldError('sim_swap', field.error_code);
  if (error) return error;
  const last = field.last_sim_swap;
  if (!last) return { code: 'NO_DATA', message: 'sim_swap without last_sim_swap' };
  if (last.last_sim_swap_date) return { answer: { lastSimChange: last.last_sim_swap_date } };
  const periodMs = last.swapped_period ? isoDurationMs(last.swapped_period) : undefined;
  if (periodMs === undefined || last.swapped_in_period == null) return { code: 'NO_DATA', message: 'sim_swap gave neither a date nor a usable swapped_period' };
  const windowStart = now - periodMs;
  const period = cleanText(last.swapped_period!, 32);
  if (last.swapped_in_period) {
    // A change inside the window, date withheld: it is after `since` only if the whole window is.
    if (windowStart >= since.getTime()) return { answer: { lastSimChange: new Date(windowStart).toISOString() } };
    return { code: 'NO_DATA', message: `a SIM change within the last ${period}, which may be before ${since.toISOString().slice(0, 10)}` };
  }
  // No change in the window: that proves "no change since `since`" only if the window reaches back to it.
  if (windowStart <= since.getTime()) return { answer: { lastSimChange: null } };
  return { code: 'NO_DATA', message: `no SIM change in the last ${period}, which does not reach back to ${since.toISOString().slice(0, 10)}` };
}

export interface TwilioLookupProviderOptions extends TwilioLookupOptions {
  /**
   * Packages asked in one request. `reassigned_number` answers whether the number changed hands;
   * `sim_swap` gives the last SIM change; `line_type_intelligence` (with `sim_swap`) tells a line
   * without a SIM (landline, VoIP) from a mobile one, so that missing SIM data is not read as
   * "no change". Default `['reassigned_number']`.
   */
  fields?: TwilioLookupField[];
}

/**
 * Twilio Lookup v2 as one provider: the packages in `fields`, asked in one round trip.
 * `reassigned_number` (FCC Reassigned Numbers Database data, US only): `yes` is "changed hands",
 * `no` is "same subscriber", `no_data_available` is unknown. `sim_swap`: the last SIM change, or
 * "none in the carrier's window" where that window reaches back to `since`.
 */
export function twilioLookup(options: TwilioLookupProviderOptions): NumberIntelProvider {
  const fields: TwilioLookupField[] = [...new Set(options.fields ?? (['reassigned_number'] as TwilioLookupField[]))];
  if (fields.length === 0 || fields.some((field) => !TWILIO_LOOKUP_FIELDS.includes(field))) {
    throw new GuardConfigError('twilio.fields', `one or more of ${TWILIO_LOOKUP_FIELDS.join(', ')}`);
  }
  if (!fields.includes('reassigned_number') && !fields.includes('sim_swap')) {
    throw new GuardConfigError('twilio.fields', 'line_type_intelligence alone says nothing about a change of holder: add reassigned_number or sim_swap');
  }
  const name = options.name ?? (fields.length === 1 && fields[0] === 'reassigned_number' ? 'twilio-reassigned-number' : 'twilio-lookup');
  providerName(name, 'twilio.name');
  const countries = new Set(options.countries ?? ['US']);
  const clock = options.clock ?? Date.now;
  const client = twilioLookupClient(options);

  async function check({ phone, since, signal }: NumberIntelRequest): Promise<NumberIntelAnswer> {
    const country = parsePhoneNumberFromString(phone)?.country;
    const asked = fields.filter((field) => field !== 'reassigned_number' || (country !== undefined && countries.has(country)));
    if (!asked.includes('reassigned_number') && !asked.includes('sim_swap')) {
      return unavailableAnswer(name, 'SERVICE_NOT_APPLICABLE', `reassigned_number covers ${[...countries].join(', ')} numbers only`);
    }
    const result = await client.lookup({ phone, fields: asked, lastVerified: since, signal });
    if (!result.ok) return unavailableAnswer(name, result.code, result.message);
    const info = result.data;
    if (info.valid === false) {
      const why = info.validation_errors?.length ? info.validation_errors.join(', ') : 'no reason given';
      return unavailableAnswer(name, 'NOT_FOUND', `Twilio does not consider the number valid (${cleanText(why, 80)})`);
    }
    const parts: Part[] = [];
    if (asked.includes('reassigned_number')) parts.push(reassignedPart(info));
    if (asked.includes('sim_swap')) parts.push(simPart(info, since, clock(), asked.includes('line_type_intelligence')));
    const answered = parts.filter((part): part is Extract<Part, { answer: unknown }> => 'answer' in part);
    if (answered.length > 0) return Object.assign({ source: name }, ...answered.map((part) => part.answer)) as NumberIntelAnswer;
    const failures = parts as Extract<Part, { code: string }>[];
    return unavailableAnswer(name, failures[0]!.code, failures.map((part) => part.message).join('; '));
  }

  return { name, check };
}

/**
 * Twilio Lookup v2 with `Fields=reassigned_number`: did the number's carrier report a permanent
 * disconnection after `since` (FCC Reassigned Numbers Database data)? US only, and a port is not a
 * disconnection, so `no` means "not reassigned" while `no_data_available` is unknown.
 */
export function twilioReassignedNumber(options: TwilioLookupOptions): NumberIntelProvider {
  return twilioLookup({ ...options, fields: ['reassigned_number'], name: options.name ?? 'twilio-reassigned-number' });
}

/**
 * Twilio Lookup v2 `sim_swap` (carrier approval needed): the last SIM change, which a new
 * subscription also is. `lineType: true` adds `line_type_intelligence` to the same request, so a
 * landline or VoIP number is answered "not applicable" instead of "no SIM data".
 */
export function twilioSimSwap(options: TwilioLookupOptions & { lineType?: boolean }): NumberIntelProvider {
  const fields: TwilioLookupField[] = options.lineType ? ['sim_swap', 'line_type_intelligence'] : ['sim_swap'];
  return twilioLookup({ ...options, fields, name: options.name ?? 'twilio-sim-swap' });
}
