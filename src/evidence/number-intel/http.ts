import { z } from 'zod';
import { remainingBudget } from './budget.js';
import { formatMs } from './failure.js';
import { BodyCutShortError } from '../../errors/body-cut-short-error.js';
import { GuardConfigError } from '../../errors/guard-config-error.js';

/** One HTTP request, rebuilt by the caller for each call (tokens may change between calls). */
export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export interface HttpPolicy {
  /** `fetch` to use; Node's global by default. Tests and custom agents pass their own. */
  fetch: typeof fetch;
  /** Cap on one check (all attempts) when the signal carries no guard budget, and on every attempt. */
  timeoutMs: number;
  /** Extra attempts after a reset connection, a 5xx or a 429, each only when it fits the time left. */
  maxRetries: number;
  /** Larger bodies are refused: no provider answer here needs more than a few hundred bytes. */
  maxBodyBytes: number;
}

export const DEFAULT_HTTP_POLICY: Omit<HttpPolicy, 'fetch'> = { timeoutMs: 2_000, maxRetries: 1, maxBodyBytes: 64 * 1024 };

/** The HTTP settings every carrier-evidence adapter takes (CAMARA, Twilio, Telesign, Vonage). */
export interface ProviderHttpOptions {
  /** Cap on one check (all attempts) when called outside a guard; inside, the guard's budget rules. Default 2 s. */
  timeoutMs?: number;
  /** Retries after a reset connection, a 5xx or a 429, each only when it fits the time left (0 to 5). Default 1. */
  maxRetries?: number;
  /** `fetch` to use; Node's global by default. Tests and custom agents pass their own. */
  fetch?: typeof fetch;
  /** Permit plain http to hosts other than loopback (never in production). */
  allowInsecureHttp?: boolean;
}

/** `timeoutMs`, checked: a positive integer when given. `field` names the option for the error. */
export function checkTimeoutMs(timeoutMs: unknown, field: string): number {
  if (timeoutMs === undefined) return DEFAULT_HTTP_POLICY.timeoutMs;
  if (!(Number.isInteger(timeoutMs) && (timeoutMs as number) > 0)) throw new GuardConfigError(`${field}.timeoutMs`, 'a positive integer');
  return timeoutMs as number;
}

/** The request policy of an adapter's options; `field` prefixes the option names in errors (`twilio`, `camara`, ...). */
export function httpPolicyOf(options: ProviderHttpOptions, field: string): HttpPolicy {
  const { maxRetries } = options;
  if (maxRetries !== undefined && !(Number.isInteger(maxRetries) && maxRetries >= 0 && maxRetries <= 5)) {
    throw new GuardConfigError(`${field}.maxRetries`, 'an integer from 0 to 5');
  }
  return {
    ...DEFAULT_HTTP_POLICY,
    fetch: options.fetch ?? fetch,
    timeoutMs: checkTimeoutMs(options.timeoutMs, field),
    maxRetries: maxRetries ?? DEFAULT_HTTP_POLICY.maxRetries,
  };
}

const urlSchema = z.url({ protocol: /^https?$/ });

/**
 * An endpoint URL without its trailing slashes. Plain http only to loopback unless
 * `allowInsecureHttp`: tokens and phone numbers must not travel in clear text.
 */
export function checkEndpointUrl(value: unknown, field: string, allowInsecureHttp: boolean | undefined): string {
  const parsed = urlSchema.safeParse(value);
  if (!parsed.success) throw new GuardConfigError(field, 'an http(s) URL');
  const url = new URL(parsed.data);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && !loopback && !allowInsecureHttp) {
    throw new GuardConfigError(field, 'use https: tokens and phone numbers must not travel in clear text (allowInsecureHttp overrides)');
  }
  return parsed.data.replace(/\/+$/, '');
}

/** A provider's name as it appears in answers and reasons: 1 to 100 characters. */
export function providerName(name: unknown, field: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 100) throw new GuardConfigError(field, 'a provider name of 1 to 100 characters');
  return name;
}

export type HttpOutcome =
  | {
      kind: 'response';
      status: number;
      headers: Headers;
      text: string;
      attempts: number;
      /** Why a retryable status was not retried (e.g. a Retry-After that does not fit). */
      note?: string;
    }
  | { kind: 'failure'; code: 'timeout' | 'network' | 'too_large'; message: string; attempts: number };

/** Statuses worth a second attempt: the request is a read, so repeating it is harmless. */
const RETRYABLE = new Set([500, 502, 503, 504]);
/** A retry is only tried when the next attempt is expected to finish: as long as the last one took, at least this. */
const MIN_ATTEMPT_MS = 10;

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d{1,6}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Names the usual socket errors the way an operator would read them. */
function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code;
  switch (code) {
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `connection reset by the provider (${code})`;
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `provider host not found (${code})`;
    case 'UND_ERR_HEADERS_OVERFLOW':
    case 'HPE_HEADER_OVERFLOW':
      return 'oversized response headers';
    default:
      return cause?.message ?? (error instanceof Error ? error.message : String(error));
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<string | null> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    return null;
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let read: Awaited<ReturnType<typeof reader.read>>;
    try {
      read = await reader.read();
    } catch (error) {
      throw new BodyCutShortError(size, declared, error);
    }
    const { done, value } = read;
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

type AttemptResult =
  | { kind: 'response'; status: number; headers: Headers; text: string }
  | { kind: 'failure'; code: 'timeout' | 'network' | 'too_large'; message: string };

async function attemptOnce(request: HttpRequest, outer: AbortSignal, limitMs: number, policy: HttpPolicy): Promise<AttemptResult> {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(outer.reason);
  outer.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, limitMs);
  try {
    const response = await policy.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal: controller.signal,
      // An API answer never redirects; following one could carry the credentials elsewhere.
      redirect: 'manual',
    });
    const text = await readCapped(response, policy.maxBodyBytes);
    if (text === null) return { kind: 'failure', code: 'too_large', message: `response body larger than ${policy.maxBodyBytes} bytes` };
    return { kind: 'response', status: response.status, headers: response.headers, text };
  } catch (error) {
    if (timedOut) return { kind: 'failure', code: 'timeout', message: `no answer within ${formatMs(limitMs)}` };
    if (outer.aborted) return { kind: 'failure', code: 'timeout', message: 'the time budget ran out during the request' };
    if (error instanceof BodyCutShortError) {
      const of = error.declared > 0 ? ` of ${error.declared}` : '';
      const message = `the response body was cut short after ${error.bytes}${of} bytes (${describeNetworkError(error.reason)})`;
      return { kind: 'failure', code: 'network', message };
    }
    return { kind: 'failure', code: 'network', message: describeNetworkError(error) };
  } finally {
    clearTimeout(timer);
    outer.removeEventListener('abort', onAbort);
  }
}

/**
 * Send one read-only request with the retry rules of the login path: a reset connection or a 5xx
 * is retried, a 429 only after its Retry-After, and every retry only when it fits the time left
 * (the guard's budget attached to `signal`, else `timeoutMs`). Never throws.
 */
export async function sendWithRetries(build: () => HttpRequest, signal: AbortSignal, policy: HttpPolicy): Promise<HttpOutcome> {
  const started = performance.now();
  const left = () => {
    const own = policy.timeoutMs - (performance.now() - started);
    const guard = remainingBudget(signal);
    return guard === undefined ? own : Math.min(own, guard);
  };
  for (let attempt = 1; ; attempt++) {
    const available = left();
    if (signal.aborted || available <= 0) {
      return {
        kind: 'failure',
        code: 'timeout',
        message: attempt === 1 ? 'no time left in the budget to ask' : 'the time budget ran out between attempts',
        attempts: attempt - 1,
      };
    }
    const t0 = performance.now();
    const result = await attemptOnce(build(), signal, Math.min(available, policy.timeoutMs), policy);
    const took = Math.max(MIN_ATTEMPT_MS, performance.now() - t0);
    const canRetry = attempt <= policy.maxRetries;

    if (result.kind === 'failure') {
      // A reset or refused connection is often one bad pooled socket; a timeout would only repeat.
      if (result.code === 'network' && canRetry && took <= left()) continue;
      return { ...result, attempts: attempt };
    }

    const retryAfter = parseRetryAfter(result.headers.get('retry-after'), Date.now());
    if (result.status === 429) {
      if (retryAfter === undefined) return { ...result, attempts: attempt, note: 'no Retry-After given' };
      if (!canRetry) return { ...result, attempts: attempt, note: `Retry-After ${formatMs(retryAfter)}, no retries left` };
      if (retryAfter + took > left()) {
        return { ...result, attempts: attempt, note: `Retry-After ${formatMs(retryAfter)} does not fit the remaining ${formatMs(left())}` };
      }
      await sleep(retryAfter, signal);
      continue;
    }
    if (RETRYABLE.has(result.status) && canRetry) {
      // Small jittered pause so a burst of logins does not hammer a struggling provider in step.
      const wait = retryAfter ?? 10 + Math.floor(Math.random() * 20);
      if (wait + took <= left()) {
        await sleep(wait, signal);
        continue;
      }
      return { ...result, attempts: attempt, note: `a retry would not fit the remaining ${formatMs(left())}` };
    }
    return { ...result, attempts: attempt };
  }
}

/**
 * A response body as JSON, or `undefined` when it is not JSON. Whether that is malformed is the
 * caller's call: it is for a 200, not for an error status whose body only explains the error.
 */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
