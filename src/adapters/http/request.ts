import { InvalidInputError } from '../../errors/invalid-input-error.js';
import type { AttemptAction, AttemptInput, VerifiedFactor } from '../../types/index.js';
import { clientIp, type ClientIpOptions, type RequestLike } from './client-ip.js';

/** A request as Express, Fastify, Next.js (`IncomingMessage`) or Node hands it over. */
export interface AttemptRequestLike extends RequestLike {
  /** Parsed cookies, when a cookie middleware (cookie-parser, @fastify/cookie) ran. */
  cookies?: Record<string, string | undefined> | null;
}

/** What only the host knows: who is signing in, to what, with which factors. */
export interface AttemptFields {
  accountId: string;
  /** The number the SMS code went to (E.164, or national with `defaultCountry`). */
  phone: string;
  /** When this number was bound to this account. */
  phoneBoundAt: string | Date | number;
  action?: AttemptAction;
  /** Factors passed in this attempt. Default `['sms_otp']`. */
  verified?: VerifiedFactor[];
  lastSeenAt?: string | Date | number;
  defaultCountry?: string;
  /** Event time (backtests, simulated clocks). Default: the guard's clock. */
  at?: string | Date | number;
}

export interface AttemptFromRequestOptions extends AttemptFields, ClientIpOptions {
  /**
   * Name of the cookie holding your own long-lived device token (set it with HttpOnly, Secure,
   * SameSite=Lax and a year's Max-Age). Read from `req.cookies` when a cookie middleware ran,
   * else from the `Cookie` header.
   */
  deviceCookie?: string;
  /** A device token from elsewhere (a mobile app's install id header); wins over `deviceCookie`. */
  deviceId?: string;
}

/**
 * The `Sec-CH-UA-*` headers the device signal can use. High-entropy ones (model, platform
 * version) arrive only after `acceptClientHints` asked for them.
 */
export const CLIENT_HINT_HEADERS = [
  'sec-ch-ua',
  'sec-ch-ua-mobile',
  'sec-ch-ua-platform',
  'sec-ch-ua-platform-version',
  'sec-ch-ua-model',
  'sec-ch-ua-full-version-list',
  'sec-ch-ua-arch',
  'sec-ch-ua-bitness',
  'sec-ch-ua-form-factors',
] as const;

/** Same cap as the validator's: a longer value is no hint a browser sends, so it is left out, not failed on. */
const MAX_HINT_CHARS = 256;
const MAX_COOKIE_HEADER_CHARS = 8_192;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** `Sec-CH-UA-*` request headers by lower-case name (Node lower-cases header names already). */
export function clientHintsFrom(request: RequestLike): Record<string, string> | undefined {
  const hints: Record<string, string> = {};
  for (const name of CLIENT_HINT_HEADERS) {
    const value = single(request.headers[name]);
    if (value !== undefined && value.length <= MAX_HINT_CHARS) hints[name] = value;
  }
  return Object.keys(hints).length > 0 ? hints : undefined;
}

/**
 * One cookie's value, from `req.cookies` when a cookie middleware ran, else from the `Cookie`
 * header. Without a decoding middleware the value is percent-decoded the way cookie-parser does.
 */
export function readCookie(request: AttemptRequestLike, name: string): string | undefined {
  const parsed = request.cookies?.[name];
  if (typeof parsed === 'string') return parsed === '' ? undefined : parsed;
  const header = single(request.headers.cookie);
  if (!header || header.length > MAX_COOKIE_HEADER_CHARS) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // A malformed escape is kept as sent rather than guessed at.
    }
    return value === '' ? undefined : value;
  }
  return undefined;
}

/**
 * An `AttemptInput` from the request plus what only the host knows. The IP comes from
 * `clientIp` (forwarded headers only from `trustedProxies`), the device from the user agent,
 * Client Hints and your device cookie. Throws `InvalidInputError` naming `ip` when the request
 * has no usable peer address: a decision without one would be a guess.
 */
export function attemptFromRequest(request: AttemptRequestLike, options: AttemptFromRequestOptions): AttemptInput {
  const ip = clientIp(request, {
    ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
    ...(options.header ? { header: options.header } : {}),
  });
  if (!ip) throw new InvalidInputError([{ field: 'ip', message: 'the request has no client address (socket closed, or not a network request)' }]);
  const attempt: AttemptInput = {
    accountId: options.accountId,
    phone: options.phone,
    phoneBoundAt: options.phoneBoundAt,
    ip,
  };
  const userAgent = single(request.headers['user-agent']);
  if (userAgent) attempt.userAgent = userAgent;
  const hints = clientHintsFrom(request);
  if (hints) attempt.clientHints = hints;
  const deviceId = options.deviceId ?? (options.deviceCookie ? readCookie(request, options.deviceCookie) : undefined);
  if (deviceId) attempt.deviceId = deviceId;
  if (options.action) attempt.action = options.action;
  if (options.verified) attempt.verified = options.verified;
  if (options.lastSeenAt !== undefined) attempt.lastSeenAt = options.lastSeenAt;
  if (options.defaultCountry) attempt.defaultCountry = options.defaultCountry;
  if (options.at !== undefined) attempt.at = options.at;
  return attempt;
}

/** A fetch-API `Headers` (Next.js route handlers, Hono, Deno, Bun, Cloudflare Workers). */
export interface HeadersLike {
  forEach(callback: (value: string, name: string) => void): void;
}

/**
 * Adapts a fetch-API request, which has no socket, for `clientIp` and `attemptFromRequest`.
 * `remoteAddress` is the client address as your platform guarantees it (the TCP peer your runtime
 * reports, or a header your edge proxy always overwrites, such as Vercel's `x-real-ip`); never a
 * header a client can set. Undefined makes `attemptFromRequest` throw `InvalidInputError` (`ip`).
 */
export function webRequestLike(request: { headers: HeadersLike }, options: { remoteAddress: string | undefined }): AttemptRequestLike {
  const headers: Record<string, string> = {};
  // Headers.forEach yields lower-case names with repeated values already joined.
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return { headers, socket: options.remoteAddress === undefined ? null : { remoteAddress: options.remoteAddress } };
}
