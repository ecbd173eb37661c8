// recycled-number-guard/twilio: Twilio Lookup v2 `reassigned_number` (US).
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import { GuardConfigError } from '../../../errors/guard-config-error.js';
import type { NumberIntelAnswer, NumberIntelProvider, NumberIntelRequest } from '../../../types.js';
import { checkEndpointUrl } from '../camara/auth.js';
import { cleanText, unavailableAnswer } from '../failure.js';
import { DEFAULT_HTTP_POLICY, sendWithRetries, type HttpPolicy } from '../http.js';

export interface TwilioReassignedNumberOptions {
  /** Account SID (AC...) or API key SID (SK...). */
  username: string;
  /** Auth token, or the API key's secret. */
  password: string;
  /** Lookup API base; tests point it at a local server. Default `https://lookups.twilio.com`. */
  baseUrl?: string;
  /** Countries the field covers; numbers elsewhere are answered without a request. Default `['US']`. */
  countries?: string[];
  name?: string;
  /** Cap on one check when called outside a guard. Default 2 s. */
  timeoutMs?: number;
  maxRetries?: number;
  fetch?: typeof fetch;
  allowInsecureHttp?: boolean;
}

/** `reassigned_number` object of Lookup v2; `error_code` is a string in this package's spec. */
const reassignedSchema = z.object({
  last_verified_date: z.string().max(32).nullable().optional(),
  is_number_reassigned: z.enum(['yes', 'no', 'no_data_available']).nullable(),
  error_code: z.union([z.string().max(16), z.number()]).nullable().optional(),
});

const lookupSchema = z.object({
  phone_number: z.string().max(32).optional(),
  reassigned_number: reassignedSchema.nullable(),
});

const twilioErrorSchema = z.object({ code: z.number().int().optional(), message: z.string().max(1000), status: z.number().int().optional() });

/** Twilio's LastVerifiedDate format: YYYYMMDD, UTC. */
export const yyyymmdd = (date: Date): string => date.toISOString().slice(0, 10).replaceAll('-', '');

/**
 * Twilio Lookup v2 with `Fields=reassigned_number`: did the number's carrier report a permanent
 * disconnection after `since` (FCC Reassigned Numbers Database data)? US only, and a port is not a
 * disconnection, so `no` means "not reassigned" while `no_data_available` is unknown.
 */
export function twilioReassignedNumber(options: TwilioReassignedNumberOptions): NumberIntelProvider {
  if (typeof options.username !== 'string' || options.username.length === 0) throw new GuardConfigError('twilio.username', 'the Account SID or API key SID');
  if (typeof options.password !== 'string' || options.password.length === 0) throw new GuardConfigError('twilio.password', 'the auth token or API key secret');
  const base = checkEndpointUrl(options.baseUrl ?? 'https://lookups.twilio.com', 'twilio.baseUrl', options.allowInsecureHttp);
  const countries = new Set(options.countries ?? ['US']);
  const name = options.name ?? 'twilio-reassigned-number';
  const policy: HttpPolicy = {
    ...DEFAULT_HTTP_POLICY,
    fetch: options.fetch ?? fetch,
    timeoutMs: options.timeoutMs ?? DEFAULT_HTTP_POLICY.timeoutMs,
    maxRetries: options.maxRetries ?? DEFAULT_HTTP_POLICY.maxRetries,
  };
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;

  async function check({ phone, since, signal }: NumberIntelRequest): Promise<NumberIntelAnswer> {
    const country = parsePhoneNumberFromString(phone)?.country;
    if (!country || !countries.has(country)) {
      return unavailableAnswer(name, 'SERVICE_NOT_APPLICABLE', `reassigned_number covers ${[...countries].join(', ')} numbers only`);
    }
    const url = `${base}/v2/PhoneNumbers/${encodeURIComponent(phone)}?Fields=reassigned_number&LastVerifiedDate=${yyyymmdd(since)}`;
    const outcome = await sendWithRetries(() => ({ url, method: 'GET', headers: { authorization, accept: 'application/json' } }), signal, policy);
    if (outcome.kind === 'failure') return unavailableAnswer(name, outcome.code, outcome.message);

    let json: unknown;
    try {
      json = JSON.parse(outcome.text);
    } catch {
      return unavailableAnswer(name, outcome.status === 200 ? 'malformed' : `HTTP_${outcome.status}`, 'the response body is not JSON');
    }
    if (outcome.status !== 200) {
      const error = twilioErrorSchema.safeParse(json);
      const detail = error.success ? `${error.data.code ?? outcome.status}: ${cleanText(error.data.message, 120)}` : `HTTP ${outcome.status}`;
      if (outcome.status === 429) return unavailableAnswer(name, 'rate_limited', `${detail}${outcome.note ? `; ${outcome.note}` : ''}`);
      // Twilio answers 404 for a number it cannot look up.
      if (outcome.status === 404) return unavailableAnswer(name, 'NOT_FOUND', detail);
      if (outcome.status === 401 || outcome.status === 403) return unavailableAnswer(name, 'UNAUTHENTICATED', detail);
      return unavailableAnswer(name, `HTTP_${outcome.status}`, `${detail}${outcome.note ? `; ${outcome.note}` : ''}`);
    }
    const parsed = lookupSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return unavailableAnswer(name, 'malformed', `unexpected response schema (${issue?.path.join('.') || 'root'}: ${issue?.message ?? 'invalid'})`);
    }
    const field = parsed.data.reassigned_number;
    if (!field) return unavailableAnswer(name, 'NO_DATA', 'no reassigned_number in the response (is the field enabled for this account?)');
    if (field.error_code !== null && field.error_code !== undefined && String(field.error_code) !== '') {
      return unavailableAnswer(name, 'error', `reassigned_number error_code ${cleanText(String(field.error_code), 16)}`);
    }
    switch (field.is_number_reassigned) {
      case 'yes':
        return { source: name, changedSince: true };
      case 'no':
        return { source: name, changedSince: false };
      case 'no_data_available':
        return unavailableAnswer(name, 'NO_DATA', 'no_data_available: no disconnection data for this number and date');
      default:
        return unavailableAnswer(name, 'NO_DATA', 'is_number_reassigned is null');
    }
  }

  return { name, check };
}
