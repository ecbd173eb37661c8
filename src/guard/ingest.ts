import { lazySchema } from '../util/lazy-deps.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import {
  NumberEventsRejectedError,
  parseNumberEvents,
  type IngestIssue,
  type NumberEventSource,
  type ParseOptions,
} from '../evidence/number-intel/ingest/index.js';
import type { Hasher } from '../persist/keys.js';
import type { NumberEvent, Store } from '../persist/types.js';
import { zodIssues } from '../validate/attempt.js';

export interface IngestOptions extends ParseOptions {
  /** Reject the whole input (store nothing, throw `NumberEventsRejectedError`) if any line is bad. Default false: skip bad lines. */
  strict?: boolean;
  /** Region for national-format numbers; the guard's `defaultCountry` otherwise. */
  defaultCountry?: string;
  /** `source` for records that name none, e.g. `carrier-deactivations-2026-11-21`. Default `ingested`. */
  source?: string;
  /** Issues listed in the result (all bad lines are counted). Default 100. */
  maxErrors?: number;
}

export interface IngestResult {
  /** Valid lines, stored (the store drops exact duplicates of events it already holds). */
  accepted: number;
  /** Bad lines, skipped. */
  rejected: number;
  /** The first `maxErrors` issues, each with its line number and field. */
  errors: IngestIssue[];
  /** More issues than `errors` lists. */
  errorsTruncated: boolean;
}

export interface IngestDeps {
  store: Store;
  hasher: Hasher;
  clock: () => number;
  defaultCountry: string | undefined;
}

const optionsSchema = lazySchema((z) =>
  z.object({
    format: z.enum(['csv', 'jsonl']).optional(),
    columns: z.array(z.string().min(1).max(64)).min(1).max(64).optional(),
    maxLineChars: z.number().int().min(64).max(1_000_000).optional(),
    strict: z.boolean().optional(),
    defaultCountry: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'ISO 3166-1 alpha-2')
      .optional(),
    source: z.string().min(1).max(100).optional(),
    maxErrors: z.number().int().min(0).max(100_000).optional(),
  }),
);

/** Events are written per number in batches, so a large file never sits in memory whole. */
const BATCH_EVENTS = 1_000;
const WRITE_PARALLELISM = 8;

/**
 * Ingest reissue and deactivation events (CSV or JSONL lines, or records). Each number is
 * normalised and hashed with the guard's key on the line it was read from; only hashes are stored.
 * Stored events answer offline: the core reads them with every assess of that number.
 */
export async function ingestNumberEvents(deps: IngestDeps, source: NumberEventSource, options: IngestOptions = {}): Promise<IngestResult> {
  const parsedOptions = optionsSchema().safeParse(options);
  if (!parsedOptions.success) throw new InvalidInputError(zodIssues(parsedOptions.error).map((issue) => ({ ...issue, field: `options.${issue.field}` })));
  const strict = options.strict ?? false;
  const maxErrors = options.maxErrors ?? 100;
  const context = {
    defaultCountry: options.defaultCountry?.toUpperCase() ?? deps.defaultCountry,
    defaultSource: options.source ?? 'ingested',
    now: deps.clock(),
    hash: (e164: string) => deps.hasher.phone(e164),
  };

  let accepted = 0;
  let rejected = 0;
  const errors: IngestIssue[] = [];
  let errorsTruncated = false;
  let batch = new Map<string, NumberEvent[]>();
  let batched = 0;

  const flush = async () => {
    const entries = [...batch.entries()];
    batch = new Map();
    batched = 0;
    for (let i = 0; i < entries.length; i += WRITE_PARALLELISM) {
      await Promise.all(entries.slice(i, i + WRITE_PARALLELISM).map(([phoneHash, events]) => deps.store.addNumberEvents(phoneHash, events)));
    }
  };

  for await (const parsed of parseNumberEvents(source, options, context)) {
    if (parsed.ok) {
      accepted += 1;
      const list = batch.get(parsed.phoneHash);
      if (list) list.push(parsed.event);
      else batch.set(parsed.phoneHash, [parsed.event]);
      batched += 1;
      // Strict mode keeps everything until the input proved valid: all or nothing.
      if (!strict && batched >= BATCH_EVENTS) await flush();
    } else {
      rejected += 1;
      for (const issue of parsed.issues) {
        if (errors.length < maxErrors) errors.push(issue);
        else errorsTruncated = true;
      }
    }
  }
  if (strict && rejected > 0) throw new NumberEventsRejectedError(errors, rejected);
  await flush();
  return { accepted, rejected, errors, errorsTruncated };
}
