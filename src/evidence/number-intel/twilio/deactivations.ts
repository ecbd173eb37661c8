// Twilio Messaging v1 Deactivations: `GET /v1/Deactivations?Date=YYYY-MM-DD` (twilio-oai, twilio_messaging_v1)
// answers 307 with `redirect_to`, a signed link (valid for up to two minutes) to a text file of the US
// numbers that carriers deactivated that day. The request is free of charge.
import { z } from 'zod';
import { DeactivationsAuthError } from '../../../errors/deactivations-auth-error.js';
import { DeactivationsDateTooOldError } from '../../../errors/deactivations-date-too-old-error.js';
import { DeactivationsTruncatedError } from '../../../errors/deactivations-truncated-error.js';
import { DeactivationsUnavailableError } from '../../../errors/deactivations-unavailable-error.js';
import { InvalidInputError } from '../../../errors/invalid-input-error.js';
import { RecycledNumberGuardError } from '../../../errors/recycled-number-guard-error.js';
import { cleanText } from '../failure.js';
import { sendWithRetries, type HttpPolicy } from '../http.js';
import type { IngestIssue } from '../ingest/errors.js';

/** Twilio's error code for a date it keeps no file for. */
export const TWILIO_DATE_TOO_OLD = 30113;

/** What the file's lines become: the columns handed to `ingestNumberEvents`. */
const COLUMNS = ['phone', 'type', 'date'];

/**
 * Where the events go: a guard (`createGuard(...)`), or anything with the same method. Only the
 * guard's keyed hash of each number is stored.
 */
export interface NumberEventSink {
  ingestNumberEvents(
    source: AsyncIterable<string>,
    options: { format: 'csv'; columns: string[]; source: string; defaultCountry: string; maxErrors: number; maxLineChars: number },
  ): Promise<{ accepted: number; rejected: number; errors: IngestIssue[]; errorsTruncated: boolean }>;
}

export interface DeactivationsProgress {
  date: string;
  lines: number;
  bytes: number;
  /** The file's announced size, when the server sent one. */
  expectedBytes?: number;
}

export interface FetchDeactivationsOptions {
  /** The day, `YYYY-MM-DD` (or a Date, read in UTC). */
  date: string | Date;
  /** Account SID (AC...) or API key SID (SK...). */
  username: string;
  /** Auth token, or the API key's secret. */
  password: string;
  guard: NumberEventSink;
  /** Messaging API base; tests point it at a local server. Default `https://messaging.twilio.com`. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Permit plain http to hosts other than loopback (never in production). */
  allowInsecureHttp?: boolean;
  /** Cap on the request for the link, and on the file's response headers. Default 15 s. */
  requestTimeoutMs?: number;
  /** The download is abandoned (as cut short) after this long without a byte. Default 30 s. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  /** Told every `progressEveryLines` lines and once at the end. A throwing callback is ignored. */
  onProgress?: (progress: DeactivationsProgress) => void;
  progressEveryLines?: number;
  /** Bad lines listed in the result (all are counted). Default 100. */
  maxErrors?: number;
}

export interface DeactivationsResult {
  date: string;
  /** `twilio-deactivations-YYYY-MM-DD`: the source of every stored event, shown in reasons. */
  source: string;
  lines: number;
  bytes: number;
  /** Numbers stored as `disconnected` events. */
  accepted: number;
  /** Lines that are not a valid number (listed in `errors` with their line number). */
  rejected: number;
  errors: IngestIssue[];
  errorsTruncated: boolean;
  ms: number;
}

const redirectSchema = z.object({ redirect_to: z.string().min(1).max(8192) });
const twilioErrorSchema = z.object({ code: z.number().int().optional(), message: z.string().max(1000).optional(), status: z.number().int().optional() });

/** Longest line kept; a phone number needs ~20 characters. Longer lines are cut and then rejected. */
const MAX_LINE_CHARS = 256;

/** `YYYY-MM-DD` of a real calendar day, or undefined. */
export function deactivationsDate(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.toISOString().slice(0, 10) : undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const parsed = new Date(`${value}T00:00:00Z`);
  return Number.isFinite(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value ? value : undefined;
}

function checkOptions(options: FetchDeactivationsOptions): { date: string; base: URL } {
  const issues: { field: string; message: string }[] = [];
  const date = deactivationsDate(options?.date);
  if (!date) issues.push({ field: 'date', message: 'a calendar date as YYYY-MM-DD' });
  if (typeof options?.username !== 'string' || options.username.length === 0) issues.push({ field: 'username', message: 'the Account SID or API key SID' });
  if (typeof options?.password !== 'string' || options.password.length === 0) issues.push({ field: 'password', message: 'the auth token or API key secret' });
  if (typeof options?.guard?.ingestNumberEvents !== 'function') issues.push({ field: 'guard', message: 'a guard (or an object with ingestNumberEvents)' });
  for (const field of ['requestTimeoutMs', 'idleTimeoutMs', 'progressEveryLines', 'maxErrors'] as const) {
    const value = options?.[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= (field === 'maxErrors' ? 0 : 1)))
      issues.push({ field, message: 'a positive whole number' });
  }
  let base: URL | undefined;
  try {
    base = new URL(options?.baseUrl ?? 'https://messaging.twilio.com');
    if (!secureEnough(base, options?.allowInsecureHttp)) issues.push({ field: 'baseUrl', message: 'use https (allowInsecureHttp overrides)' });
  } catch {
    issues.push({ field: 'baseUrl', message: 'an http(s) URL' });
  }
  if (issues.length > 0) throw new InvalidInputError(issues);
  return { date: date!, base: base! };
}

function secureEnough(url: URL, allowInsecureHttp: boolean | undefined): boolean {
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  return allowInsecureHttp === true || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

function twilioError(text: string): z.infer<typeof twilioErrorSchema> | undefined {
  try {
    const parsed = twilioErrorSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Step 1: the signed link for the date. Throws the typed errors of the failures Twilio documents. */
async function signedLink(date: string, base: URL, options: FetchDeactivationsOptions, signal: AbortSignal): Promise<URL> {
  const policy: HttpPolicy = { fetch: options.fetch ?? fetch, timeoutMs: options.requestTimeoutMs ?? 15_000, maxRetries: 2, maxBodyBytes: 64 * 1024 };
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  const url = new URL('/v1/Deactivations', base);
  url.searchParams.set('Date', date);
  const outcome = await sendWithRetries(() => ({ url: url.href, method: 'GET', headers: { authorization, accept: 'application/json' } }), signal, policy);
  if (outcome.kind === 'failure') throw new DeactivationsUnavailableError(date, `${outcome.code}: ${outcome.message}`, { retryable: true });
  const { status, text } = outcome;
  if (status === 200 || (status >= 300 && status < 400)) {
    let target: string | undefined;
    try {
      const parsed = redirectSchema.safeParse(JSON.parse(text));
      if (parsed.success) target = parsed.data.redirect_to;
    } catch {
      // Not JSON: the Location header may still carry the link.
    }
    target ??= outcome.headers.get('location') ?? undefined;
    if (!target) throw new DeactivationsUnavailableError(date, `Twilio answered ${status} without redirect_to`, { status, retryable: false });
    let link: URL;
    try {
      link = new URL(target, url);
    } catch {
      throw new DeactivationsUnavailableError(date, 'redirect_to is not a URL', { status, retryable: false });
    }
    // The link carries its own signature: it must not travel in clear text, and gets no credentials.
    if (!secureEnough(link, options.allowInsecureHttp)) throw new DeactivationsUnavailableError(date, 'redirect_to is not https', { status, retryable: false });
    return link;
  }
  const error = twilioError(text);
  const detail = error ? `${error.code ?? status}: ${cleanText(error.message ?? '', 160)}` : `HTTP ${status}`;
  if (status === 401 || status === 403) throw new DeactivationsAuthError(status, error?.code, detail);
  if (error?.code === TWILIO_DATE_TOO_OLD) throw new DeactivationsDateTooOldError(date, status, TWILIO_DATE_TOO_OLD, cleanText(error.message ?? '', 160));
  const note = outcome.note ? `; ${outcome.note}` : '';
  throw new DeactivationsUnavailableError(date, `Twilio answered ${detail}${note}`, { status, retryable: status === 429 || status >= 500 });
}

interface StreamState {
  lines: number;
  bytes: number;
  expectedBytes?: number;
  lastReport: number;
}

/**
 * Step 2: the file, one CSV row per line (`<number>,disconnected,<date>`), streamed chunk by
 * chunk: memory holds one network chunk and one partial line, whatever the file's size. Blank
 * lines stay blank, so issue line numbers are the file's.
 */
async function* rowsOf(
  body: ReadableStream<Uint8Array>,
  state: StreamState,
  eventTime: string,
  date: string,
  idleMs: number,
  report: () => void,
  everyLines: number,
  stop: AbortController,
): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  const suffix = `,disconnected,${eventTime}\n`;
  const row = (raw: string) => {
    const text = (raw.endsWith('\r') ? raw.slice(0, -1) : raw).trim();
    if (text === '') return '\n';
    // Numbers pass as they are; anything else is quoted so that it is rejected as a phone, not as CSV.
    return (/^[+\d\s().-]+$/.test(text) ? text : `"${text.slice(0, MAX_LINE_CHARS).replaceAll('"', '""')}"`) + suffix;
  };
  let carry = '';
  let first = true;
  let stalled = false;
  const timer = setTimeout(() => {
    stalled = true;
    stop.abort();
  }, idleMs);
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        const why = stalled ? `no data for ${idleMs} ms` : cleanText(describe(error));
        throw new DeactivationsTruncatedError(date, state.lines, state.bytes, state.expectedBytes, why, { cause: error });
      }
      if (chunk.done) break;
      timer.refresh();
      state.bytes += chunk.value.byteLength;
      let text = carry + decoder.decode(chunk.value, { stream: true });
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      const lines = text.split('\n');
      carry = lines.pop()!;
      // A line without an end cannot grow without bound: keep its start, it is rejected anyway.
      if (carry.length > MAX_LINE_CHARS) carry = carry.slice(0, MAX_LINE_CHARS);
      let out = '';
      for (const line of lines) out += row(line);
      state.lines += lines.length;
      if (state.lines - state.lastReport >= everyLines) {
        state.lastReport = state.lines;
        report();
      }
      if (out.length > 0) yield out;
    }
    carry += decoder.decode();
    if (carry.length > 0) {
      state.lines += 1;
      yield row(carry);
    }
    if (state.expectedBytes !== undefined && state.bytes !== state.expectedBytes) {
      throw new DeactivationsTruncatedError(date, state.lines, state.bytes, state.expectedBytes, 'the file is shorter than announced');
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
    // Stops the download when the consumer stopped early (an error in the store).
    if (!stop.signal.aborted) stop.abort();
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const message = error instanceof Error ? error.message : String(error);
  return cause?.code ? `${message} (${cause.code})` : cause?.message ? `${message} (${cause.message})` : message;
}

/**
 * Fetch Twilio's deactivations file for one day and store every number in it as a `disconnected`
 * event dated that day, with source `twilio-deactivations-YYYY-MM-DD`. The file is streamed into
 * `guard.ingestNumberEvents`, never held in memory. Fetching a day again stores nothing twice.
 *
 * Why `disconnected`: the carrier took the number away from its subscriber that day (the service
 * ended, or the number moved to another carrier), which is what the guard's `disconnected` event
 * means; the file does not say the number was given to someone else (`reissued`), nor that it was
 * ported. A deactivation after the account's binding therefore counts as "changed hands"; an owner
 * who only changed carrier is stepped up once, and the check they pass moves `since` past it.
 *
 * Throws `DeactivationsDateTooOldError` (Twilio error 30113), `DeactivationsAuthError`,
 * `DeactivationsTruncatedError` (batches written before the cut stay), `DeactivationsUnavailableError`,
 * and `InvalidInputError` for bad options.
 */
export async function fetchDeactivations(options: FetchDeactivationsOptions): Promise<DeactivationsResult> {
  const { date, base } = checkOptions(options);
  const started = performance.now();
  const source = `twilio-deactivations-${date}`;
  const stop = new AbortController();
  const outer = options.signal;
  const onOuter = () => stop.abort(outer?.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  try {
    const link = await signedLink(date, base, options, stop.signal);

    const headersTimer = setTimeout(() => stop.abort(), options.requestTimeoutMs ?? 15_000);
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(link.href, { signal: stop.signal, redirect: 'follow', headers: { accept: 'text/plain' } });
    } catch (error) {
      const why = outer?.aborted ? 'stopped by the caller' : stop.signal.aborted ? 'the file host did not answer in time' : describe(error);
      throw new DeactivationsUnavailableError(date, cleanText(why), { retryable: true, cause: error });
    } finally {
      clearTimeout(headersTimer);
    }
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel().catch(() => {});
      // 403 from the file host is typically the signed link's two minutes running out: ask again.
      const { status } = response;
      throw new DeactivationsUnavailableError(date, `the file host answered ${status}`, { status, retryable: status === 403 || status >= 500 });
    }
    const state: StreamState = { lines: 0, bytes: 0, lastReport: 0 };
    const declared = response.headers.get('content-length');
    const encoding = response.headers.get('content-encoding');
    // A compressed body is counted after decompression, so its announced length cannot be compared.
    if (declared !== null && /^\d+$/.test(declared) && (encoding === null || encoding === 'identity')) state.expectedBytes = Number(declared);
    const report = () => {
      try {
        const expected = state.expectedBytes !== undefined ? { expectedBytes: state.expectedBytes } : {};
        options.onProgress?.({ date, lines: state.lines, bytes: state.bytes, ...expected });
      } catch {
        // Progress output must not stop an ingest.
      }
    };
    // End of the day: a deactivation on the binding day counts as after the binding (the number
    // could not have been reissued the same day: 47 CFR 52.15(f)(1)(ii) ages it at least 45 days).
    const rows = rowsOf(
      response.body,
      state,
      `${date}T23:59:59.999Z`,
      date,
      options.idleTimeoutMs ?? 30_000,
      report,
      options.progressEveryLines ?? 50_000,
      stop,
    );
    let ingested: Awaited<ReturnType<NumberEventSink['ingestNumberEvents']>>;
    try {
      ingested = await options.guard.ingestNumberEvents(rows, {
        format: 'csv',
        columns: COLUMNS,
        source,
        defaultCountry: 'US',
        maxErrors: options.maxErrors ?? 100,
        maxLineChars: MAX_LINE_CHARS + 64,
      });
    } catch (error) {
      if (error instanceof DeactivationsTruncatedError && outer?.aborted) {
        throw new DeactivationsUnavailableError(date, `stopped by the caller after ${state.lines} lines`, { retryable: true, cause: error });
      }
      if (error instanceof RecycledNumberGuardError) throw error;
      throw new DeactivationsUnavailableError(date, `storing the events failed: ${cleanText(describe(error))}`, { retryable: true, cause: error });
    } finally {
      await rows.return(undefined).catch(() => {});
    }
    report();
    return { date, source, lines: state.lines, bytes: state.bytes, ...ingested, ms: performance.now() - started };
  } finally {
    outer?.removeEventListener('abort', onOuter);
    // Whatever happened, no request of this call stays open.
    stop.abort();
  }
}
