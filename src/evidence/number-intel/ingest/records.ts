import { lazySchema } from '../../../util/lazy-deps.js';
import type { NumberEvent } from '../../../types/profile.js';
import { toEpochMs } from '../../../validate/attempt.js';
import { parsePhone } from '../../../validate/phone.js';
import type { IngestIssue } from './errors.js';

export const NUMBER_EVENT_TYPES = ['disconnected', 'reissued', 'ported', 'sim_change'] as const;

/** One event as a host supplies it (a CSV row, a JSONL object, an array element). */
export interface NumberEventRecord {
  /** E.164, or national digits with `defaultCountry`. */
  phone: string;
  type: (typeof NUMBER_EVENT_TYPES)[number];
  /** ISO-8601 date or date-time, or epoch ms. */
  date: string | number | Date;
  /** Where it came from, e.g. `carrier-deactivations`, `renewal-notice`, `crm`. */
  source?: string;
}

const recordSchema = lazySchema((z) =>
  z.object({
    phone: z.string().min(1, 'required').max(40),
    type: z.preprocess((value) => (typeof value === 'string' ? value.trim().toLowerCase() : value), z.enum(NUMBER_EVENT_TYPES)),
    date: z.union([z.string().min(1, 'required').max(64), z.number(), z.date()]),
    source: z.string().max(100).optional(),
  }),
);

/** Events dated more than this ahead of the guard's clock are refused (clock skew tolerated). */
const MAX_FUTURE_MS = 86_400_000;

export interface NormalizeContext {
  defaultCountry: string | undefined;
  defaultSource: string;
  now: number;
  /** The guard's keyed hash: the raw number goes no further than this call. */
  hash: (e164: string) => string;
}

export type Normalized = { ok: true; phoneHash: string; event: NumberEvent } | { ok: false; issues: IngestIssue[] };

/** Validate one record and turn it into a stored event keyed by the number's hash. */
export function normalizeRecord(raw: unknown, line: number, context: NormalizeContext): Normalized {
  const parsed = recordSchema().safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => ({ line, field: issue.path.map(String).join('.') || 'line', message: issue.message })),
    };
  }
  const record = parsed.data;
  const issues: IngestIssue[] = [];
  const phone = parsePhone(record.phone, context.defaultCountry);
  if ('error' in phone) issues.push({ line, field: 'phone', message: phone.error });
  const dateIssues: { field: string; message: string }[] = [];
  const at = typeof record.date === 'string' ? toEpochMs(record.date.trim(), 'date', dateIssues) : toEpochMs(record.date, 'date', dateIssues);
  for (const issue of dateIssues) issues.push({ line, ...issue });
  if (at !== undefined && at > context.now + MAX_FUTURE_MS) issues.push({ line, field: 'date', message: 'in the future' });
  const source = record.source?.trim() || context.defaultSource;
  if (issues.length > 0 || 'error' in phone || at === undefined) return { ok: false, issues };
  return { ok: true, phoneHash: context.hash(phone.e164), event: { type: record.type, at, source } };
}
