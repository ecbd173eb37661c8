// recycled-number-guard/vonage: Vonage Identity Insights, SIM swap insight.
// `POST /identity-insights/v1/requests` with a Vonage application JWT as Bearer token.
import { randomUUID, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { GuardConfigError } from '../../../errors/guard-config-error.js';
import type { NumberIntelAnswer, NumberIntelProvider, NumberIntelRequest } from '../../../types/index.js';
import { prepareKey, signJwt, type PreparedKey } from '../camara/jwt.js';
import { cleanText, unavailableAnswer } from '../failure.js';
import { checkEndpointUrl, httpPolicyOf, parseJsonBody, providerName, sendWithRetries, type ProviderHttpOptions } from '../http.js';

/**
 * How requests are authenticated: the application id and its private key (the adapter signs the
 * application JWT with node:crypto, RS256), or the host's own token source.
 */
export type VonageAuth = { applicationId: string; privateKey: string | KeyObject } | { token: (signal: AbortSignal) => string | Promise<string> };

export interface VonageSimSwapOptions extends ProviderHttpOptions {
  auth: VonageAuth;
  /** Regional Identity Insights host. Default `https://api-eu.vonage.com`. */
  baseUrl?: string;
  /**
   * Request path. Default `/identity-insights/v1/requests` (Vonage's current SDK); some of Vonage's
   * guides show `/v0.1/identity-insights`.
   */
  path?: string;
  /** `purpose` of the request; SIM swap is a Network Registry insight, which requires one. Default `FraudPreventionAndDetection`. */
  purpose?: string;
  /**
   * SIM swap `period` in hours (1 to 2400). Default: the time since `since`, capped at 2400, so
   * that "no swap in the period" covers the binding whenever Vonage allows it.
   */
  periodHours?: number;
  name?: string;
  /** Epoch-ms clock (JWT times, the period window); tests pass their own. */
  clock?: () => number;
}

const HOUR = 3_600_000;
const MAX_PERIOD_HOURS = 2400;
/** Lifetime of a signed application JWT, reused until a minute before it ends. */
const JWT_LIFETIME_S = 900;

const insightStatusSchema = z.object({ code: z.string().min(1).max(100), message: z.string().max(500).nullable().optional() });
const simSwapInsightSchema = z.object({
  latest_sim_swap_at: z.iso.datetime({ offset: true }).nullable().optional(),
  is_swapped: z.boolean().nullable().optional(),
  status: insightStatusSchema,
});
export const vonageInsightsResponseSchema = z.object({
  request_id: z.string().max(100).nullable().optional(),
  insights: z.object({ sim_swap: simSwapInsightSchema.nullable().optional() }),
});

/** RFC 7807 problem details, as Vonage APIs answer errors. */
const problemSchema = z.object({ type: z.string().max(500).optional(), title: z.string().max(500).optional(), detail: z.string().max(1000).optional() });

/**
 * Per-insight `status.code` values of Identity Insights (Vonage Identity Insights API reference).
 * Coverage and number problems are unknown evidence; authorisation and supplier failures count as
 * provider failures.
 */
const INSIGHT_STATUS: Record<string, [code: string, meaning: string]> = {
  INVALID_NUMBER_FORMAT: ['UNSUPPORTED_IDENTIFIER', 'the number format is not valid for assignment to users'],
  UNSUPPORTED_NETWORK_TYPE: ['SERVICE_NOT_APPLICABLE', 'the network type is not supported for this insight'],
  NO_COVERAGE: ['SERVICE_NOT_APPLICABLE', 'the country or mobile network is not covered'],
  NOT_FOUND: ['NOT_FOUND', 'the number could not be found for this insight'],
  OUT_OF_RANGE: ['OUT_OF_RANGE', "the period is outside the supplier's range"],
  UNAUTHORIZED: ['PERMISSION_DENIED', 'not authorised for this application, supplier and number'],
  INVALID_PURPOSE: ['PERMISSION_DENIED', 'the purpose is not valid or allowed for this insight'],
  SUPPLIER_ERROR: ['PROVIDER_ERROR', 'the supplier returned an error'],
  INTERNAL_ERROR: ['PROVIDER_ERROR', 'an internal error occurred at Vonage'],
};

/** Request-level statuses; a 404 is a wrong host or path, not an unknown number (that is the insight's NOT_FOUND). */
const BY_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  402: 'PAYMENT_REQUIRED',
  403: 'PERMISSION_DENIED',
  404: 'ENDPOINT_NOT_FOUND',
  422: 'INVALID_ARGUMENT',
};

/** A token source from the options: signed JWTs cached until shortly before they expire. */
function tokenSource(auth: VonageAuth, clock: () => number): { token(signal: AbortSignal): Promise<string>; drop(): void } {
  if ('token' in auth) {
    if (typeof auth.token !== 'function') throw new GuardConfigError('vonage.auth.token', 'a function returning the bearer token');
    return { token: async (signal) => String(await auth.token(signal)), drop: () => {} };
  }
  if (typeof auth.applicationId !== 'string' || auth.applicationId.length === 0) {
    throw new GuardConfigError('vonage.auth.applicationId', 'the Vonage application id');
  }
  const key: PreparedKey = prepareKey({ key: auth.privateKey, alg: 'RS256' }, 'vonage.auth.privateKey');
  let cached: { token: string; expiresAt: number } | undefined;
  return {
    async token() {
      const now = clock();
      if (cached && cached.expiresAt - 60_000 > now) return cached.token;
      const iat = Math.floor(now / 1000);
      const token = signJwt({ application_id: auth.applicationId, iat, nbf: iat - 30, exp: iat + JWT_LIFETIME_S, jti: randomUUID() }, key);
      cached = { token, expiresAt: (iat + JWT_LIFETIME_S) * 1000 };
      return token;
    },
    drop() {
      cached = undefined;
    },
  };
}

/**
 * Vonage Identity Insights `sim_swap`: the latest SIM change (a new subscription counts), or "no
 * change within the period" where the period reaches back to `since`. Each insight's `status` is
 * read; anything but OK (or PARTIAL_SUCCESS with data) is unknown evidence with a typed code.
 */
export function vonageSimSwap(options: VonageSimSwapOptions): NumberIntelProvider {
  const clock = options.clock ?? Date.now;
  if (!options.auth || typeof options.auth !== 'object') throw new GuardConfigError('vonage.auth', '{ applicationId, privateKey } or { token }');
  const tokens = tokenSource(options.auth, clock);
  const base = checkEndpointUrl(options.baseUrl ?? 'https://api-eu.vonage.com', 'vonage.baseUrl', options.allowInsecureHttp);
  const purpose = options.purpose ?? 'FraudPreventionAndDetection';
  if (typeof purpose !== 'string' || purpose.length === 0 || purpose.length > 100) throw new GuardConfigError('vonage.purpose', 'a purpose string');
  if (options.periodHours !== undefined && !(Number.isInteger(options.periodHours) && options.periodHours >= 1 && options.periodHours <= MAX_PERIOD_HOURS)) {
    throw new GuardConfigError('vonage.periodHours', `an integer from 1 to ${MAX_PERIOD_HOURS}`);
  }
  const name = providerName(options.name ?? 'vonage-sim-swap', 'vonage.name');
  const policy = httpPolicyOf(options, 'vonage');
  const path = options.path ?? '/identity-insights/v1/requests';
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~/-]{1,200}$/.test(path)) {
    throw new GuardConfigError('vonage.path', 'a path such as /identity-insights/v1/requests');
  }
  const url = `${base}${path}`;

  async function check({ phone, since, signal }: NumberIntelRequest): Promise<NumberIntelAnswer> {
    const now = clock();
    const period = options.periodHours ?? Math.min(MAX_PERIOD_HOURS, Math.max(1, Math.ceil((now - since.getTime()) / HOUR)));
    const body = JSON.stringify({ phone_number: phone, purpose, insights: { sim_swap: { period } } });
    let token: string;
    try {
      token = await tokens.token(signal);
    } catch (error) {
      return unavailableAnswer(name, 'token', cleanText(error instanceof Error ? error.message : String(error)));
    }
    const outcome = await sendWithRetries(
      () => ({ url, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' }, body }),
      signal,
      policy,
    );
    if (outcome.kind === 'failure') return unavailableAnswer(name, outcome.code, outcome.message);
    const { status } = outcome;
    const json = parseJsonBody(outcome.text);
    if (json === undefined && status === 200) return unavailableAnswer(name, 'malformed', 'the response body is not JSON');
    if (status !== 200) {
      if (status === 401) tokens.drop();
      const problem = problemSchema.safeParse(json);
      const kind = problem.success && problem.data.type ? problem.data.type.split('#').pop() : undefined;
      const text = problem.success ? cleanText([problem.data.title, problem.data.detail].filter(Boolean).join(': '), 160) : '';
      const described = `${kind ? `${kind}: ` : ''}${text || `HTTP ${status}`}`;
      const note = outcome.note ? `; ${outcome.note}` : '';
      if (status === 429) return unavailableAnswer(name, 'rate_limited', `${described}${note}`);
      if (status >= 500) return unavailableAnswer(name, `HTTP_${status}`, `${described}${note}`);
      if (status >= 300 && status < 400) return unavailableAnswer(name, `HTTP_${status}`, 'unexpected redirect');
      return unavailableAnswer(name, BY_STATUS[status] ?? `HTTP_${status}`, `${described} [${status}]`);
    }
    const parsed = vonageInsightsResponseSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return unavailableAnswer(name, 'malformed', `unexpected response schema (${issue?.path.join('.') || 'root'}: ${issue?.message ?? 'invalid'})`);
    }
    const insight = parsed.data.insights.sim_swap;
    if (!insight) return unavailableAnswer(name, 'NO_DATA', 'no sim_swap insight in the response');
    const code = insight.status.code;
    const message = insight.status.message ? cleanText(insight.status.message, 120) : '';
    if (code !== 'OK' && code !== 'PARTIAL_SUCCESS') {
      const known = INSIGHT_STATUS[code];
      if (known) return unavailableAnswer(name, known[0], `${code}: ${known[1]}${message ? ` (${message})` : ''}`);
      return unavailableAnswer(name, 'error', `sim_swap status ${cleanText(code, 60)}${message ? `: ${message}` : ''}`);
    }
    if (insight.latest_sim_swap_at) return { source: name, lastSimChange: insight.latest_sim_swap_at };
    const windowStart = now - period * HOUR;
    if (insight.is_swapped === true) {
      // Swapped within the period, date withheld: after `since` only if the whole period is.
      if (windowStart >= since.getTime()) return { source: name, lastSimChange: new Date(windowStart).toISOString() };
      return unavailableAnswer(name, 'NO_DATA', `a SIM swap within the last ${period} h, which may be before ${since.toISOString().slice(0, 10)}`);
    }
    if (insight.is_swapped === false) {
      if (windowStart <= since.getTime()) return { source: name, lastSimChange: null };
      return unavailableAnswer(name, 'NO_DATA', `no SIM swap in the last ${period} h, which does not reach back to ${since.toISOString().slice(0, 10)}`);
    }
    return unavailableAnswer(name, 'NO_DATA', `sim_swap ${code} without latest_sim_swap_at or is_swapped`);
  }

  return { name, check };
}
