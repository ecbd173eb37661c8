import { isIP } from 'node:net';
import type { z } from 'zod';
import { lazySchema } from '../util/lazy-deps.js';
import { InvalidInputError, type InputIssue } from '../errors/invalid-input-error.js';
import { ATTEMPT_ACTIONS, STEP_UP_CHECKS, type AttemptInput, type NormalizedAttempt, type VerifiedFactor } from '../types/index.js';
import { parsePhone } from './phone.js';

/** User agents are cut to this before parsing, so a crafted header cannot make parsing slow. */
export const MAX_USER_AGENT_CHARS = 512;
const MAX_ID_CHARS = 256;
const MAX_HINTS = 16;
const MAX_HINT_CHARS = 256;
/** Clock skew tolerated for `at` in the future. */
const MAX_FUTURE_MS = 24 * 3_600_000;
const EARLIEST = Date.UTC(1990, 0, 1);

const dateInput = lazySchema((z) => z.union([z.string().max(64), z.date(), z.number()]));

const attemptSchema = lazySchema((z) =>
  z.object({
    accountId: z.string().min(1).max(MAX_ID_CHARS),
    phone: z.string().min(1).max(40),
    phoneBoundAt: dateInput(),
    ip: z.string().min(2).max(64),
    userAgent: z.string().optional(),
    clientHints: z.record(z.string().max(64), z.string().max(MAX_HINT_CHARS)).optional(),
    deviceId: z.string().min(1).max(MAX_ID_CHARS).optional(),
    action: z.enum(ATTEMPT_ACTIONS as [string, ...string[]]).optional(),
    // The guard judges an attempt that passed something; an empty list is a host bug, not a login.
    verified: z
      .array(z.enum(['sms_otp', ...STEP_UP_CHECKS] as [string, ...string[]]))
      .min(1, 'list at least one passed factor (usually sms_otp)')
      .max(16)
      .optional(),
    at: dateInput().optional(),
    lastSeenAt: dateInput().optional(),
    defaultCountry: z
      .string()
      .regex(/^[A-Za-z]{2}$/)
      .optional(),
  }),
);

/** Strict ISO-8601 timestamp (date, or date-time with seconds optional and a zone or none). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export function toEpochMs(value: string | Date | number, field: string, issues: InputIssue[]): number | undefined {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else {
    if (!ISO_DATE.test(value.trim())) {
      issues.push({ field, message: `not an ISO-8601 date: ${JSON.stringify(value.slice(0, 40))}` });
      return undefined;
    }
    ms = Date.parse(value.trim());
  }
  if (!Number.isFinite(ms)) {
    issues.push({ field, message: 'not a valid date' });
    return undefined;
  }
  if (ms < EARLIEST) {
    issues.push({ field, message: 'before 1990: not a plausible date for a phone binding or login' });
    return undefined;
  }
  return ms;
}

export function zodIssues(error: z.ZodError): InputIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** IPv4-mapped IPv6 (what many servers report for IPv4 clients) is unwrapped to IPv4. */
export function normalizeIp(raw: string): { ip: string; version: 4 | 6 } | null {
  let ip = raw.trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) ip = mapped[1]!;
  const version = isIP(ip);
  if (version === 4) return { ip, version: 4 };
  if (version === 6) return { ip: ip.toLowerCase(), version: 6 };
  return null;
}

/**
 * Validate and normalise one attempt. Throws `InvalidInputError` listing every bad field;
 * never returns a partially valid attempt.
 */
export function normalizeAttempt(input: unknown, now: number, defaultCountry: string | undefined): NormalizedAttempt {
  const parsed = attemptSchema().safeParse(input);
  if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error));
  const raw = parsed.data as AttemptInput & { action?: NormalizedAttempt['action'] };
  const issues: InputIssue[] = [];

  const at = raw.at === undefined ? now : toEpochMs(raw.at, 'at', issues);
  const phoneBoundAt = toEpochMs(raw.phoneBoundAt, 'phoneBoundAt', issues);
  const lastSeenAt = raw.lastSeenAt === undefined ? undefined : toEpochMs(raw.lastSeenAt, 'lastSeenAt', issues);
  if (at !== undefined && at > now + MAX_FUTURE_MS) issues.push({ field: 'at', message: 'more than a day in the future' });
  if (at !== undefined && phoneBoundAt !== undefined && phoneBoundAt > at) {
    issues.push({ field: 'phoneBoundAt', message: 'after the attempt time: a number cannot be bound in the future' });
  }
  if (at !== undefined && lastSeenAt !== undefined && lastSeenAt > at) {
    issues.push({ field: 'lastSeenAt', message: 'after the attempt time' });
  }

  const ip = normalizeIp(raw.ip);
  if (!ip) issues.push({ field: 'ip', message: `not an IPv4 or IPv6 address: ${JSON.stringify(raw.ip.slice(0, 64))}` });

  const country = raw.defaultCountry?.toUpperCase() ?? defaultCountry;
  const phone = parsePhone(raw.phone, country);
  if ('error' in phone) issues.push({ field: 'phone', message: phone.error });

  let clientHints: Record<string, string> | undefined;
  if (raw.clientHints) {
    const entries = Object.entries(raw.clientHints);
    if (entries.length > MAX_HINTS) issues.push({ field: 'clientHints', message: `at most ${MAX_HINTS} hints` });
    else clientHints = Object.fromEntries(entries.map(([name, value]) => [name.toLowerCase(), value]));
  }

  if (issues.length > 0 || at === undefined || phoneBoundAt === undefined || !ip || 'error' in phone) {
    throw new InvalidInputError(issues);
  }

  const attempt: NormalizedAttempt = {
    accountId: raw.accountId,
    phoneE164: phone.e164,
    phoneCountry: phone.country,
    phoneBoundAt,
    ip: ip.ip,
    ipVersion: ip.version,
    action: raw.action ?? 'login',
    verified: [...new Set(raw.verified ?? ['sms_otp'])] as VerifiedFactor[],
    at,
  };
  if (raw.userAgent) attempt.userAgent = raw.userAgent.slice(0, MAX_USER_AGENT_CHARS);
  if (clientHints) attempt.clientHints = clientHints;
  if (raw.deviceId) attempt.deviceId = raw.deviceId;
  if (lastSeenAt !== undefined) attempt.lastSeenAt = lastSeenAt;
  return attempt;
}
