// recycled-number-guard/telesign: Telesign Phone ID with the Number Deactivation identity attribute.
// `POST /v1/phoneid/{complete_phone_number}` with `addons.number_deactivation.last_verified`
// (Telesign Phone ID API reference; Number Deactivation identity attribute).
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import { GuardConfigError } from '../../../errors/guard-config-error.js';
import type { NumberIntelAnswer, NumberIntelProvider, NumberIntelRequest } from '../../../types/index.js';
import { cleanText, unavailableAnswer } from '../failure.js';
import { checkEndpointUrl, httpPolicyOf, parseJsonBody, providerName, sendWithRetries, type ProviderHttpOptions } from '../http.js';

export interface TelesignNumberDeactivationOptions extends ProviderHttpOptions {
  /** Telesign Customer ID (HTTP Basic user). */
  customerId: string;
  /** Telesign API key (HTTP Basic password). */
  apiKey: string;
  /** Default `https://rest-ww.telesign.com`; tests point it at a local server. */
  baseUrl?: string;
  /**
   * Countries asked; numbers elsewhere are answered without a request (every Phone ID call is
   * billed). Default `['US']`, the only coverage stated for the attribute; Telesign answers
   * status 2803 for numbers out of coverage.
   */
  countries?: string[];
  name?: string;
}

const timestamp = z.string().max(64);
const statusSchema = z.object({ code: z.number().int(), description: z.string().max(500).nullable().optional() });

/** The `number_deactivation` object of a Phone ID response. */
const numberDeactivationSchema = z.object({
  carrier_name: z.string().max(200).nullable().optional(),
  last_deactivated: timestamp.nullable().optional(),
  tracking_since: timestamp.nullable().optional(),
  recycled_since_last_verification: z.enum(['recycled', 'not_recycled', 'cannot_be_determined']).nullable().optional(),
  status: statusSchema,
});

export const telesignPhoneIdResponseSchema = z.object({
  reference_id: z.string().max(64).nullable().optional(),
  status: statusSchema.nullable().optional(),
  number_deactivation: numberDeactivationSchema.nullable().optional(),
});

export type TelesignNumberDeactivationInfo = z.infer<typeof numberDeactivationSchema>;

/** Error bodies: `status` with the code, and on some endpoints an `errors` list. */
const errorSchema = z.object({
  status: statusSchema.partial().nullable().optional(),
  errors: z.array(statusSchema.partial()).max(20).nullable().optional(),
});

/**
 * Processing status codes of the Number Deactivation attribute (Telesign Phone ID API reference):
 * 2800 is success; coverage gaps are unknown evidence; set-up problems count as provider failures.
 */
const ATTRIBUTE_STATUS: Record<number, [code: string, meaning: string]> = {
  2801: ['INVALID_ARGUMENT', 'invalid add-on parameter'],
  2802: ['UNAVAILABLE', 'the number_deactivation add-on is temporarily unavailable'],
  2803: ['SERVICE_NOT_APPLICABLE', "the number is out of the add-on's coverage"],
  2804: ['SERVICE_NOT_APPLICABLE', 'the number is not applicable to the add-on'],
  2805: ['NO_DATA', 'no number deactivation information for the number'],
  2806: ['PERMISSION_DENIED', 'the number_deactivation add-on is not enabled for this account'],
  2807: ['INVALID_ARGUMENT', 'some request parameters are not valid'],
};

/** Error codes in the body of 4xx/5xx answers (Telesign Phone ID API reference). */
const ERROR_CODES: Record<number, [code: string, meaning: string]> = {
  10008: ['UNAUTHENTICATED', 'invalid signature'],
  10012: ['PERMISSION_DENIED', 'the feature is not enabled for this Customer ID'],
  10013: ['UNAUTHENTICATED', 'Customer ID account not found'],
  10014: ['UNAUTHENTICATED', 'source IP address not allowed'],
  10015: ['UNAUTHENTICATED', 'invalid Customer ID'],
  10017: ['UNAUTHENTICATED', 'Customer ID not found'],
  10019: ['rate_limited', 'rate limit exceeded'],
  10020: ['rate_limited', 'transaction hard cap exceeded'],
  10030: ['PAYMENT_REQUIRED', 'insufficient funds in the prepaid wallet'],
  10032: ['SERVICE_NOT_APPLICABLE', 'the number is on a Telesign blocklist'],
  10033: ['PERMISSION_DENIED', 'a trial account may only ask for verified numbers'],
  10041: ['SERVICE_NOT_APPLICABLE', 'blocked for legal compliance'],
  11000: ['UNSUPPORTED_IDENTIFIER', 'invalid phone_number'],
  11001: ['UNSUPPORTED_IDENTIFIER', 'invalid country code in phone_number'],
};

/** Statuses without a known body code; Telesign's 404 is "Customer ID not found", an account problem. */
const BY_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  402: 'PAYMENT_REQUIRED',
  403: 'PERMISSION_DENIED',
  404: 'UNAUTHENTICATED',
};

/** Telesign's `last_verified`: ISO 8601 date-time in UTC, to the second. */
export const lastVerified = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

function epoch(value: string | null | undefined): number | undefined | null {
  if (value === null || value === undefined || value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * From the attribute to evidence. "Changed hands" when Telesign reports the number recycled since
 * `last_verified`, or deactivated after it. Unknown (never "same subscriber") when tracking began
 * after `since`, when the last deactivation is before `since` (it does not show what happened
 * after), or when Telesign cannot tell. "Same subscriber" only for `not_recycled` with no
 * deactivation on record and tracking that covers `since`.
 */
export function judgeNumberDeactivation(info: TelesignNumberDeactivationInfo, since: Date): { changedSince: boolean } | { code: string; message: string } {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const deactivated = epoch(info.last_deactivated);
  const tracking = epoch(info.tracking_since);
  if (deactivated === null) return { code: 'malformed', message: 'last_deactivated is not a timestamp' };
  if (tracking === null) return { code: 'malformed', message: 'tracking_since is not a timestamp' };
  const recycled = info.recycled_since_last_verification;
  const at = since.getTime();
  if (recycled === 'recycled') return { changedSince: true };
  if (deactivated !== undefined && deactivated > at) return { changedSince: true };
  if (tracking !== undefined && tracking > at) return { code: 'NO_DATA', message: `deactivations are tracked since ${day(tracking)}, after ${day(at)}` };
  if (deactivated !== undefined) return { code: 'NO_DATA', message: `last deactivated ${day(deactivated)}, before ${day(at)}: nothing said about later` };
  if (recycled === 'not_recycled') {
    if (tracking === undefined) return { code: 'NO_DATA', message: 'not_recycled without tracking_since: the tracked period is unknown' };
    return { changedSince: false };
  }
  if (recycled === 'cannot_be_determined') return { code: 'NO_DATA', message: 'recycled_since_last_verification: cannot_be_determined' };
  return { code: 'NO_DATA', message: 'no recycled_since_last_verification and no deactivation on record' };
}

/**
 * Telesign Phone ID, Number Deactivation identity attribute: sends `last_verified = since` (the
 * account's binding or last proof) and reads `recycled_since_last_verification`,
 * `last_deactivated` and `tracking_since`. Telesign's status codes in the body become typed
 * outcomes; the answer never turns an error into "same subscriber".
 */
export function telesignNumberDeactivation(options: TelesignNumberDeactivationOptions): NumberIntelProvider {
  if (typeof options.customerId !== 'string' || options.customerId.length === 0) throw new GuardConfigError('telesign.customerId', 'the Telesign Customer ID');
  if (typeof options.apiKey !== 'string' || options.apiKey.length === 0) throw new GuardConfigError('telesign.apiKey', 'the Telesign API key');
  const base = checkEndpointUrl(options.baseUrl ?? 'https://rest-ww.telesign.com', 'telesign.baseUrl', options.allowInsecureHttp);
  const name = providerName(options.name ?? 'telesign-number-deactivation', 'telesign.name');
  const countries = new Set(options.countries ?? ['US']);
  const policy = httpPolicyOf(options, 'telesign');
  const authorization = `Basic ${Buffer.from(`${options.customerId}:${options.apiKey}`).toString('base64')}`;

  async function check({ phone, since, signal }: NumberIntelRequest): Promise<NumberIntelAnswer> {
    const country = parsePhoneNumberFromString(phone)?.country;
    if (!country || !countries.has(country)) {
      return unavailableAnswer(name, 'SERVICE_NOT_APPLICABLE', `number_deactivation is asked for ${[...countries].join(', ')} numbers only`);
    }
    // Telesign wants the complete number, country code included, digits only.
    const url = `${base}/v1/phoneid/${phone.replace(/\D/g, '')}`;
    const body = JSON.stringify({ addons: { number_deactivation: { last_verified: lastVerified(since) } } });
    const outcome = await sendWithRetries(
      () => ({ url, method: 'POST', headers: { authorization, 'content-type': 'application/json', accept: 'application/json' }, body }),
      signal,
      policy,
    );
    if (outcome.kind === 'failure') return unavailableAnswer(name, outcome.code, outcome.message);
    const { status } = outcome;
    const json = parseJsonBody(outcome.text);
    if (json === undefined && status === 200) return unavailableAnswer(name, 'malformed', 'the response body is not JSON');
    if (status !== 200) {
      const parsed = errorSchema.safeParse(json);
      const error = parsed.success ? (parsed.data.status ?? parsed.data.errors?.[0]) : undefined;
      const known = error?.code !== undefined ? ERROR_CODES[error.code] : undefined;
      const described = error?.code !== undefined ? `${error.code}: ${cleanText(error.description ?? '', 120)}` : `HTTP ${status}`;
      const note = outcome.note ? `; ${outcome.note}` : '';
      if (status === 429) return unavailableAnswer(name, 'rate_limited', `${described}${note}`);
      if (status >= 500) return unavailableAnswer(name, `HTTP_${status}`, `${described}${note}`);
      if (status >= 300 && status < 400) return unavailableAnswer(name, `HTTP_${status}`, 'unexpected redirect');
      if (known) return unavailableAnswer(name, known[0], `${described} (${known[1]}) [${status}]`);
      return unavailableAnswer(name, BY_STATUS[status] ?? `HTTP_${status}`, `${described} [${status}]`);
    }
    const parsed = telesignPhoneIdResponseSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return unavailableAnswer(name, 'malformed', `unexpected response schema (${issue?.path.join('.') || 'root'}: ${issue?.message ?? 'invalid'})`);
    }
    const info = parsed.data.number_deactivation;
    if (!info) return unavailableAnswer(name, 'NO_DATA', 'no number_deactivation in the response (is the attribute enabled for this account?)');
    if (info.status.code !== 2800) {
      const known = ATTRIBUTE_STATUS[info.status.code];
      const description = cleanText(info.status.description ?? '', 120);
      if (known) return unavailableAnswer(name, known[0], `${info.status.code}: ${known[1]}${description ? ` (${description})` : ''}`);
      return unavailableAnswer(name, 'error', `number_deactivation status ${info.status.code}${description ? `: ${description}` : ''}`);
    }
    const verdict = judgeNumberDeactivation(info, since);
    if ('code' in verdict) return unavailableAnswer(name, verdict.code, verdict.message);
    return { source: name, changedSince: verdict.changedSince };
  }

  return { name, check };
}
