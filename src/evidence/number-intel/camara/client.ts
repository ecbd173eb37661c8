import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { GuardConfigError } from '../../../errors/guard-config-error.js';
import { remainingBudget } from '../budget.js';
import { cleanText } from '../failure.js';
import { checkEndpointUrl, httpPolicyOf, parseJsonBody, sendWithRetries, type HttpOutcome, type ProviderHttpOptions } from '../http.js';
import type { AccessTokenSupplier } from './auth.js';

/** The CAMARA APIs these adapters speak, by their path segment. */
export type CamaraApi = 'number-recycling' | 'kyc-tenure' | 'sim-swap' | 'device-swap' | 'kyc-match';

/** Version paths of the CAMARA Fall25 public releases (test/fixtures/camara lists them). Aggregators may lag: override per API. */
export const CAMARA_VERSIONS: Record<CamaraApi, string> = {
  'number-recycling': 'v0.2',
  'kyc-tenure': 'v0.2',
  'sim-swap': 'v2',
  'device-swap': 'v1',
  'kyc-match': 'v0.4',
};

/** `x-correlator` pattern from the Commonalities (and every spec's XCorrelator schema). */
export const X_CORRELATOR_PATTERN = /^[a-zA-Z0-9-_:;./<>{}]{0,256}$/;

export interface CamaraClientOptions extends ProviderHttpOptions {
  /** `{apiRoot}` of the operator or aggregator, e.g. `https://api.operator.example`. */
  apiRoot?: string;
  /** Full base URL per API (`{apiRoot}/<api>/<version>` by default), for gateways with other paths. */
  baseUrls?: Partial<Record<CamaraApi, string>>;
  /** Version path per API (`v0.2`, `v2`, ...); defaults to `CAMARA_VERSIONS`. */
  versions?: Partial<Record<CamaraApi, string>>;
  auth: AccessTokenSupplier;
  /** `x-correlator` per request; random UUIDs by default. Must match the spec's pattern. */
  correlator?: () => string;
  /**
   * A response whose `x-correlator` is missing is refused unless this is false (a differing one is
   * always refused: the answer may belong to another request, i.e. another number). Default true.
   */
  requireCorrelatorEcho?: boolean;
}

export type CamaraResult<T> =
  | { ok: true; data: T; correlator: string }
  /** `code` is the CAMARA error code, or ours: timeout, network, rate_limited, malformed, token, HTTP_<status>, CORRELATOR_MISMATCH. */
  | { ok: false; code: string; message: string; status?: number };

export interface CamaraCall<T> {
  api: CamaraApi;
  /** Path below the API base, e.g. `check`, `retrieve-date`. */
  operation: string;
  scope: string;
  /** E.164; sent as `phoneNumber` only with a 2-legged token. */
  phone: string;
  body: Record<string, unknown>;
  response: z.ZodType<T>;
  signal: AbortSignal;
}

/** Commonalities error body: all three fields required. */
const errorBodySchema = z.object({ status: z.number().int(), code: z.string().min(1).max(100), message: z.string().max(2000) });

/** What each code means for recycled-number evidence, appended to the operator's message. */
const CODE_MEANING: Record<string, string> = {
  IDENTIFIER_NOT_FOUND: 'the number is not served by this operator (ported away, or not a customer)',
  SERVICE_NOT_APPLICABLE: 'the service does not cover this number',
  OUT_OF_RANGE: "the date is outside the operator's window",
  UNAUTHENTICATED: 'the access token was refused',
  PERMISSION_DENIED: 'the token lacks the scope (or the purpose was not approved)',
  MISSING_IDENTIFIER: '2-legged token without phoneNumber: check the token supplier legs',
  UNNECESSARY_IDENTIFIER: '3-legged token with phoneNumber: check the token supplier legs',
  INVALID_TOKEN_CONTEXT: 'the number does not match the 3-legged token',
};

export interface CamaraClient {
  readonly legs: 2 | 3;
  /** One CAMARA operation. Never throws: every failure is a result with a code. */
  call<T>(call: CamaraCall<T>): Promise<CamaraResult<T>>;
}

export function createCamaraClient(options: CamaraClientOptions): CamaraClient {
  const auth = options.auth;
  if (!auth || typeof auth.token !== 'function' || (auth.legs !== 2 && auth.legs !== 3)) {
    throw new GuardConfigError('camara.auth', 'an AccessTokenSupplier (clientCredentials, jwtBearer or hostToken)');
  }
  const apiRoot = options.apiRoot === undefined ? undefined : checkEndpointUrl(options.apiRoot, 'camara.apiRoot', options.allowInsecureHttp);
  const baseUrls: Partial<Record<CamaraApi, string>> = {};
  for (const [api, url] of Object.entries(options.baseUrls ?? {})) {
    baseUrls[api as CamaraApi] = checkEndpointUrl(url, `camara.baseUrls.${api}`, options.allowInsecureHttp);
  }
  if (!apiRoot && Object.keys(baseUrls).length === 0) throw new GuardConfigError('camara.apiRoot', 'required (or baseUrls per API)');
  const versions = { ...CAMARA_VERSIONS, ...options.versions };
  for (const [api, version] of Object.entries(versions)) {
    if (!/^v\d+(?:\.\d+)?(?:(?:alpha|rc)\d+)?$/.test(version)) throw new GuardConfigError(`camara.versions.${api}`, 'a version path such as v0.2 or v2');
  }
  const policy = httpPolicyOf(options, 'camara');
  const requireEcho = options.requireCorrelatorEcho ?? true;
  const nextCorrelator = options.correlator ?? randomUUID;

  const baseFor = (api: CamaraApi): string | undefined => baseUrls[api] ?? (apiRoot ? `${apiRoot}/${api}/${versions[api]}` : undefined);

  async function call<T>(request: CamaraCall<T>): Promise<CamaraResult<T>> {
    try {
      return await callUnsafe(request);
    } catch (error) {
      // A bug here, or a throwing host hook: unknown evidence, never an exception in the login.
      return { ok: false, code: 'error', message: cleanText(error instanceof Error ? error.message : String(error)) };
    }
  }

  async function callUnsafe<T>(request: CamaraCall<T>): Promise<CamaraResult<T>> {
    const base = baseFor(request.api);
    if (!base) return { ok: false, code: 'config', message: `no apiRoot or baseUrls entry for ${request.api}` };
    const correlator = nextCorrelator();
    if (typeof correlator !== 'string' || !X_CORRELATOR_PATTERN.test(correlator)) {
      return { ok: false, code: 'config', message: 'the correlator option produced a value outside the x-correlator pattern' };
    }
    // The subject rule of every phone-number API: 2-legged names the number, 3-legged must not.
    const body: Record<string, unknown> = { ...request.body };
    if (auth.legs === 2) body.phoneNumber = request.phone;
    else delete body.phoneNumber;
    const payload = JSON.stringify(body);
    const tokenRequest = { phone: request.phone, scopes: [request.scope] };

    let outcome: HttpOutcome | undefined;
    for (let round = 1; round <= 2; round++) {
      let token: string;
      try {
        token = await auth.token({ ...tokenRequest, signal: request.signal });
      } catch (error) {
        return { ok: false, code: 'token', message: cleanText(error instanceof Error ? error.message : String(error)) };
      }
      outcome = await sendWithRetries(
        () => ({
          url: `${base}/${request.operation}`,
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json',
            'x-correlator': correlator,
          },
          body: payload,
        }),
        request.signal,
        policy,
      );
      // An expired or revoked cached token: fetch a fresh one once, if a second round still fits.
      if (outcome.kind === 'response' && outcome.status === 401 && auth.invalidate && round === 1) {
        auth.invalidate(tokenRequest, token);
        const left = remainingBudget(request.signal);
        if (left === undefined || left > 50) continue;
      }
      break;
    }
    return interpret(outcome!, correlator, request.response);
  }

  function interpret<T>(outcome: HttpOutcome, correlator: string, schema: z.ZodType<T>): CamaraResult<T> {
    if (outcome.kind === 'failure') return { ok: false, code: outcome.code, message: outcome.message };
    const { status } = outcome;
    if (status === 200) {
      const echoed = outcome.headers.get('x-correlator');
      if (echoed !== correlator && (echoed !== null || requireEcho)) {
        return {
          ok: false,
          code: 'CORRELATOR_MISMATCH',
          message: echoed === null ? 'the response did not echo x-correlator' : 'the response echoed another x-correlator: it may answer another request',
          status,
        };
      }
      const json = parseJsonBody(outcome.text);
      if (json === undefined) return { ok: false, code: 'malformed', message: 'the response body is not JSON', status };
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          ok: false,
          code: 'malformed',
          message: `unexpected response schema (${issue?.path.join('.') || 'root'}: ${issue?.message ?? 'invalid'})`,
          status,
        };
      }
      return { ok: true, data: parsed.data, correlator };
    }

    let error: z.infer<typeof errorBodySchema> | undefined;
    try {
      const parsed = errorBodySchema.safeParse(JSON.parse(outcome.text));
      if (parsed.success) error = parsed.data;
    } catch {
      // Not JSON: described by the status below.
    }
    const meaning = error ? CODE_MEANING[error.code] : undefined;
    const detail = error ? `${error.code}: ${cleanText(error.message, 120)}${meaning ? ` (${meaning})` : ''}` : `HTTP ${status}`;
    if (status === 429) return { ok: false, code: 'rate_limited', message: `${detail}${outcome.note ? `; ${outcome.note}` : ''}`, status };
    if (status >= 500) return { ok: false, code: `HTTP_${status}`, message: `${detail}${outcome.note ? `; ${outcome.note}` : ''}`, status };
    if (status >= 300 && status < 400) return { ok: false, code: `HTTP_${status}`, message: 'unexpected redirect', status };
    if (error) return { ok: false, code: error.code, message: `${cleanText(error.message, 120)}${meaning ? ` (${meaning})` : ''} [${status}]`, status };
    return { ok: false, code: `HTTP_${status}`, message: `status ${status} without a CAMARA error body`, status };
  }

  return { legs: auth.legs, call };
}
