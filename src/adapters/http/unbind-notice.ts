/**
 * Receiving unbind / renewal notices over HTTP: "number N has a new subscriber since date D", sent
 * by a carrier's or registry's unbind service (or the host's own bridge to one). The official
 * interfaces are not public, so the body is a generic shape (`UnbindNotice`) or whatever a `map`
 * function turns the sender's body into; docs/both-victims.md has a mapping example.
 *
 * Every notice must pass the host's signature verifier before its body is even parsed. The default,
 * `hmacSha256Verifier`, checks an HMAC-SHA-256 of the raw body in a header, compared in constant
 * time. A replayed notice (same source and request id) changes nothing and is acknowledged again,
 * so a sender that retries after a lost answer does no harm.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidInputError } from '../../errors/invalid-input-error.js';
import { NoticeStoreError } from '../../errors/notice-store-error.js';
import type { Guard } from '../../guard/create-guard.js';
import type { UnbindNotice, UnbindNoticeResult } from '../../guard/unbind.js';
import type { HttpAnswer } from './response.js';

/** Header names in lower case, as Node and fetch-API headers give them. */
export type NoticeHeaders = Record<string, string | string[] | undefined>;

/** Decides whether a notice comes from the sender it claims; sees the raw body bytes. */
export type NoticeVerifier = (request: { body: Uint8Array; headers: NoticeHeaders }) => boolean | Promise<boolean>;

export interface HmacVerifierOptions {
  /** Header carrying the signature. Default `x-signature`. */
  header?: string;
  /** Text before the hex digest in the header, e.g. `sha256=`. Default `sha256=`; `''` for a bare digest. */
  prefix?: string;
}

/** HMAC-SHA-256 of the raw body with a shared secret, hex, compared in constant time. */
export function hmacSha256Verifier(secret: string | Uint8Array, options: HmacVerifierOptions = {}): NoticeVerifier {
  if (typeof secret === 'string' ? Buffer.byteLength(secret) < 16 : secret.byteLength < 16)
    throw new TypeError('hmacSha256Verifier: use at least 16 bytes of secret');
  const header = (options.header ?? 'x-signature').toLowerCase();
  const prefix = options.prefix ?? 'sha256=';
  return ({ body, headers }) => {
    const raw = headers[header];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (typeof value !== 'string' || !value.startsWith(prefix)) return false;
    const given = value.slice(prefix.length).trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(given)) return false;
    const expected = createHmac('sha256', secret).update(body).digest();
    return timingSafeEqual(expected, Buffer.from(given, 'hex'));
  };
}

/** Signs a body the way `hmacSha256Verifier` checks it (for senders, bridges and tests). */
export function hmacSha256Signature(secret: string | Uint8Array, body: string | Uint8Array, prefix = 'sha256='): string {
  return `${prefix}${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface UnbindNoticeHttpOptions {
  verify: NoticeVerifier;
  /** The sender's body (parsed JSON) to the generic shape. Default: the body is the generic shape. */
  map?: (body: unknown, headers: NoticeHeaders) => UnbindNotice;
  /**
   * Called for every verified, stored notice, replays included (`result.duplicate`): look up your
   * bindings of `result.phone` and protect them. `guard.protect` is idempotent, so a replay protects
   * nothing twice; throwing answers 500 and the sender retries.
   */
  onNotice?: (result: UnbindNoticeResult) => void | Promise<void>;
  /** Larger bodies are refused with 413 before they are read whole. Default 16 KiB. */
  maxBodyBytes?: number;
}

export type UnbindNoticeBody =
  | { accepted: true; requestId: string; duplicate: boolean }
  | { error: 'bad_signature' | 'invalid_json' | 'not_stored' | 'handler_failed' | 'too_large' }
  | { error: 'invalid_input'; fields: string[] };

const NO_STORE = { 'cache-control': 'no-store' };
const answer = (status: number, body: UnbindNoticeBody): HttpAnswer<UnbindNoticeBody> => ({ status, headers: { ...NO_STORE }, body });

/** Framework-neutral: verify, parse, ingest, call `onNotice`, and the answer to send. */
export async function unbindNoticeResponse(
  guard: Pick<Guard, 'ingestUnbindNotice'>,
  request: { body: Uint8Array | string; headers: NoticeHeaders },
  options: UnbindNoticeHttpOptions,
): Promise<HttpAnswer<UnbindNoticeBody>> {
  const body = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
  if (body.byteLength > (options.maxBodyBytes ?? 16_384)) return answer(413, { error: 'too_large' });
  let verified = false;
  try {
    verified = (await options.verify({ body, headers: request.headers })) === true;
  } catch {
    verified = false;
  }
  if (!verified) return answer(401, { error: 'bad_signature' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return answer(400, { error: 'invalid_json' });
  }
  let result: UnbindNoticeResult;
  try {
    const notice = options.map ? options.map(parsed, request.headers) : (parsed as UnbindNotice);
    result = await guard.ingestUnbindNotice(notice);
  } catch (error) {
    if (error instanceof InvalidInputError) return answer(400, { error: 'invalid_input', fields: error.fields });
    if (error instanceof NoticeStoreError) return answer(503, { error: 'not_stored' });
    // A map function that threw on a body it does not understand: the sender's input, not ours.
    if (options.map) return answer(400, { error: 'invalid_input', fields: ['(body)'] });
    throw error;
  }
  if (options.onNotice) {
    try {
      await options.onNotice(result);
    } catch {
      return answer(500, { error: 'handler_failed' });
    }
  }
  return answer(200, { accepted: true, requestId: result.requestId, duplicate: result.duplicate });
}

/** The parts of Node's IncomingMessage and ServerResponse the handler uses. */
export interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  headers: NoticeHeaders;
  method?: string;
}
export interface NodeResponseLike {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: string): unknown;
}

/** A Node `http` request handler (also Express `app.post(path, handler)` without a body parser). */
export function unbindNoticeHandler(guard: Pick<Guard, 'ingestUnbindNotice'>, options: UnbindNoticeHttpOptions) {
  const limit = options.maxBodyBytes ?? 16_384;
  const send = (response: NodeResponseLike, http: HttpAnswer<UnbindNoticeBody>) => {
    response.writeHead(http.status, { 'content-type': 'application/json', ...http.headers });
    response.end(JSON.stringify(http.body));
  };
  return async function handleUnbindNotice(request: NodeRequestLike, response: NodeResponseLike): Promise<void> {
    if (request.method !== undefined && request.method !== 'POST') {
      response.writeHead(405, { allow: 'POST', ...NO_STORE });
      response.end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
      size += buffer.byteLength;
      if (size > limit) return send(response, answer(413, { error: 'too_large' }));
      chunks.push(buffer);
    }
    try {
      send(response, await unbindNoticeResponse(guard, { body: Buffer.concat(chunks), headers: request.headers }, options));
    } catch {
      send(response, answer(500, { error: 'handler_failed' }));
    }
  };
}
