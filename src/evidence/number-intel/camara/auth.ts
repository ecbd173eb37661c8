import { z } from 'zod';
import { GuardConfigError } from '../../../errors/guard-config-error.js';
import { BoundedCache } from '../../../util/bounded-cache.js';
import { cleanText } from '../failure.js';
import { checkEndpointUrl, checkTimeoutMs, DEFAULT_HTTP_POLICY, sendWithRetries, type HttpPolicy, type ProviderHttpOptions } from '../http.js';
import { bearerAssertion, clientAssertion, prepareKey, type PreparedKey, type SigningKey } from './jwt.js';
import { TokenError } from '../../../errors/token-error.js';

/** What a token is asked for: the API scope(s) and, for 3-legged tokens, the subscriber. */
export interface TokenRequest {
  /** E.164 number the call is about. */
  phone: string;
  /** API scopes, e.g. `number-recycling:check`. Suppliers add the purpose scope themselves. */
  scopes: string[];
  signal: AbortSignal;
}

/**
 * Where access tokens come from.
 * - `legs: 2`: the token identifies the application (client credentials); the API call must name
 *   the number in `phoneNumber`.
 * - `legs: 3`: the token is bound to the subscriber (authorization code, CIBA, JWT Bearer with
 *   `sub=tel:+E164`); the API call must NOT send `phoneNumber` (422 UNNECESSARY_IDENTIFIER).
 */
export interface AccessTokenSupplier {
  readonly legs: 2 | 3;
  /** A valid access token, or a thrown error saying why not. */
  token(request: TokenRequest): Promise<string>;
  /** The API rejected this token (401): drop it from any cache. */
  invalidate?(request: Omit<TokenRequest, 'signal'>, token: string): void;
}

/** The DPV purpose CAMARA's profile asks for with fraud checks; sent as one extra scope value. */
export const DEFAULT_PURPOSE = 'dpv:FraudPreventionAndDetection';

interface CachedToken {
  token: string;
  /** performance.now() deadline. */
  expiresAt: number;
}

/** Tokens are reused until shortly before expiry; concurrent misses share one token request. */
class TokenCache {
  private readonly tokens: BoundedCache<string, CachedToken>;
  private readonly pending = new Map<string, Promise<string>>();

  constructor(max: number) {
    this.tokens = new BoundedCache(max);
  }

  async get(key: string, fetchToken: () => Promise<{ token: string; lifetimeMs: number }>): Promise<string> {
    const hit = this.tokens.get(key);
    if (hit && hit.expiresAt > performance.now()) return hit.token;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = fetchToken()
        .then(({ token, lifetimeMs }) => {
          // Renew a little early: a token that expires in flight earns a 401 and a second round trip.
          const margin = Math.min(30_000, lifetimeMs * 0.1);
          if (lifetimeMs - margin > 0) this.tokens.set(key, { token, expiresAt: performance.now() + lifetimeMs - margin });
          return token;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  drop(key: string, token: string): void {
    if (this.tokens.get(key)?.token === token) this.tokens.delete(key);
  }
}

const tokenResponseSchema = z.object({
  access_token: z.string().min(1).max(8192),
  token_type: z.string().min(1).max(40),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/)]).optional(),
});

const oauthErrorSchema = z.object({ error: z.string().max(100), error_description: z.string().max(500).optional() });

/** Without `expires_in` a token is reused for this long. */
const DEFAULT_LIFETIME_MS = 60_000;

interface TokenEndpoint {
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  key?: PreparedKey;
  audience: string;
  policy: HttpPolicy;
}

async function requestToken(endpoint: TokenEndpoint, form: Record<string, string>, signal: AbortSignal): Promise<{ token: string; lifetimeMs: number }> {
  const params = new URLSearchParams(form);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (endpoint.clientSecret !== undefined) {
    // client_secret_basic: both parts form-encoded first (RFC 6749 section 2.3.1).
    const user = encodeURIComponent(endpoint.clientId);
    const pass = encodeURIComponent(endpoint.clientSecret);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  } else if (endpoint.key) {
    params.set('client_id', endpoint.clientId);
    params.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    params.set('client_assertion', clientAssertion(endpoint.clientId, endpoint.audience, endpoint.key, Date.now()));
  }
  const outcome = await sendWithRetries(() => ({ url: endpoint.tokenUrl, method: 'POST', headers, body: params.toString() }), signal, endpoint.policy);
  if (outcome.kind === 'failure') throw new TokenError(`token endpoint: ${outcome.code}: ${outcome.message}`);
  let body: unknown;
  try {
    body = JSON.parse(outcome.text);
  } catch {
    throw new TokenError(`token endpoint answered ${outcome.status} without JSON`);
  }
  if (outcome.status !== 200) {
    const error = oauthErrorSchema.safeParse(body);
    throw new TokenError(
      cleanText(
        `token endpoint answered ${outcome.status}${error.success ? ` ${error.data.error}${error.data.error_description ? ` (${error.data.error_description})` : ''}` : ''}`,
      ),
    );
  }
  const parsed = tokenResponseSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TokenError(`token endpoint: malformed token response (${issue?.path.join('.') || 'root'}: ${issue?.message ?? 'invalid'})`);
  }
  // DPoP-bound tokens need a proof per request, which these adapters do not send.
  if (parsed.data.token_type.toLowerCase() !== 'bearer')
    throw new TokenError(`token endpoint: unsupported token_type ${cleanText(parsed.data.token_type, 40)}`);
  const expiresIn = parsed.data.expires_in === undefined ? undefined : Number(parsed.data.expires_in);
  return { token: parsed.data.access_token, lifetimeMs: expiresIn === undefined ? DEFAULT_LIFETIME_MS : expiresIn * 1000 };
}

interface CommonTokenOptions extends Pick<ProviderHttpOptions, 'fetch' | 'allowInsecureHttp'> {
  /** The operator's (or aggregator's) token endpoint. */
  tokenUrl: string;
  clientId: string;
  /** Audience of signed assertions; the token endpoint URL by default. */
  audience?: string;
  /** DPV purpose scope sent with every token request; `null` sends none. Default `dpv:FraudPreventionAndDetection`. */
  purpose?: string | null;
  /** Per token request; also bounded by the login's budget. Default 2 s. */
  timeoutMs?: number;
}

export interface ClientCredentialsOptions extends CommonTokenOptions {
  /** `client_secret_basic`. Give this or `privateKey`. */
  clientSecret?: string;
  /** `private_key_jwt`, which CAMARA's security profile prescribes. */
  privateKey?: SigningKey;
}

function endpointFrom(options: CommonTokenOptions & { clientSecret?: string; privateKey?: SigningKey }, field: string): TokenEndpoint {
  const tokenUrl = checkEndpointUrl(options.tokenUrl, `${field}.tokenUrl`, options.allowInsecureHttp);
  if (typeof options.clientId !== 'string' || options.clientId.length === 0) throw new GuardConfigError(`${field}.clientId`, 'required');
  const timeoutMs = checkTimeoutMs(options.timeoutMs, field);
  return {
    tokenUrl,
    clientId: options.clientId,
    ...(options.clientSecret !== undefined ? { clientSecret: options.clientSecret } : {}),
    ...(options.privateKey ? { key: prepareKey(options.privateKey, `${field}.privateKey`) } : {}),
    audience: options.audience ?? tokenUrl,
    policy: { ...DEFAULT_HTTP_POLICY, fetch: options.fetch ?? fetch, timeoutMs },
  };
}

function scopeString(purpose: string | null | undefined, scopes: string[]): string {
  const all = purpose === null ? scopes : [purpose ?? DEFAULT_PURPOSE, ...scopes];
  return [...new Set(all)].sort().join(' ');
}

/** 2-legged: OAuth2 client credentials. One token per scope set, reused until shortly before expiry. */
export function clientCredentials(options: ClientCredentialsOptions): AccessTokenSupplier {
  const endpoint = endpointFrom(options, 'clientCredentials');
  if (!endpoint.clientSecret && !endpoint.key) throw new GuardConfigError('clientCredentials.privateKey', 'give privateKey (private_key_jwt) or clientSecret');
  const cache = new TokenCache(64);
  return {
    legs: 2,
    token({ scopes, signal }) {
      const scope = scopeString(options.purpose, scopes);
      return cache.get(scope, () => requestToken(endpoint, { grant_type: 'client_credentials', scope }, signal));
    },
    invalidate({ scopes }, token) {
      cache.drop(scopeString(options.purpose, scopes), token);
    },
  };
}

export interface JwtBearerOptions extends CommonTokenOptions {
  /** Signs both the grant assertion and the `private_key_jwt` client assertion. */
  privateKey: SigningKey;
  /** The assertion's subject for a number. Default `tel:+E164`; a TS.43 flow returns `operatortoken:...`. */
  subject?: (phone: string) => string;
  /** Tokens kept per subscriber and scope set (in process memory only). Default 10,000. */
  maxCached?: number;
}

/**
 * 3-legged: JWT Bearer grant (RFC 7523) as CAMARA's profile specifies it: `sub` names the
 * subscriber, `scope` is a claim of the assertion (the `scope` parameter is forbidden), the client
 * authenticates with `private_key_jwt`. Tokens are bound to one number, so they are cached per number.
 */
export function jwtBearer(options: JwtBearerOptions): AccessTokenSupplier {
  if (!options.privateKey) throw new GuardConfigError('jwtBearer.privateKey', 'required: the grant assertion is signed');
  const endpoint = endpointFrom({ ...options, clientSecret: undefined } as JwtBearerOptions, 'jwtBearer');
  const key = endpoint.key!;
  const subject = options.subject ?? ((phone: string) => `tel:${phone}`);
  const cache = new TokenCache(options.maxCached ?? 10_000);
  const cacheKey = (phone: string, scopes: string[]) => `${phone} ${scopeString(options.purpose, scopes)}`;
  return {
    legs: 3,
    token({ phone, scopes, signal }) {
      const scope = scopeString(options.purpose, scopes);
      return cache.get(cacheKey(phone, scopes), () =>
        requestToken(
          endpoint,
          {
            grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
            assertion: bearerAssertion(endpoint.clientId, subject(phone), endpoint.audience, scope, key, Date.now()),
          },
          signal,
        ),
      );
    },
    invalidate({ phone, scopes }, token) {
      cache.drop(cacheKey(phone, scopes), token);
    },
  };
}

export interface HostTokenOptions {
  legs: 2 | 3;
  /**
   * The host's own token source (a gateway SDK, a CIBA flow it runs, a secrets service). Return the
   * token, or `{ accessToken, expiresInS }` to have it cached until shortly before expiry.
   */
  token: (request: TokenRequest) => Promise<string | { accessToken: string; expiresInS: number }> | string | { accessToken: string; expiresInS: number };
}

const hostTokenSchema = z.union([z.string().min(1), z.object({ accessToken: z.string().min(1), expiresInS: z.number().positive() })]);

/** A token supplier over the host's own function. */
export function hostToken(options: HostTokenOptions): AccessTokenSupplier {
  if (options.legs !== 2 && options.legs !== 3) throw new GuardConfigError('hostToken.legs', '2 or 3');
  if (typeof options.token !== 'function') throw new GuardConfigError('hostToken.token', 'a function returning a token');
  const cache = new TokenCache(10_000);
  const keyOf = (phone: string, scopes: string[]) => (options.legs === 3 ? `${phone} ` : '') + [...scopes].sort().join(' ');
  return {
    legs: options.legs,
    token(request) {
      return cache.get(keyOf(request.phone, request.scopes), async () => {
        const parsed = hostTokenSchema.safeParse(await options.token(request));
        if (!parsed.success) throw new TokenError('the host token function returned neither a token string nor { accessToken, expiresInS }');
        // A bare string is used once: the host did not say how long it lives.
        return typeof parsed.data === 'string'
          ? { token: parsed.data, lifetimeMs: 0 }
          : { token: parsed.data.accessToken, lifetimeMs: parsed.data.expiresInS * 1000 };
      });
    },
    invalidate({ phone, scopes }, token) {
      cache.drop(keyOf(phone, scopes), token);
    },
  };
}

export { TokenError };
