import { lazySchema } from '../util/lazy-deps.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { judgeNumber, normalizeBinding, type BindingInput, type NumberCheckDeps } from './number-check.js';
import { TokenBucket } from '../evidence/number-intel/rate-limit.js';
import type { NumberChangedHands, NumberIntelAnswer, NumberIntelProvider, Reason } from '../types/index.js';
import { zodIssues } from '../validate/attempt.js';

export interface SweepOptions {
  /** Bindings checked at once. Default 4. */
  concurrency?: number;
  /** Provider calls per second: one number for every provider, or per provider name. Unlisted providers are not limited. */
  ratePerSecond?: number | Record<string, number>;
  /** Time budget of each provider call (after the rate limiter lets it go). Default 5 s: no login waits. */
  budgetMs?: number;
  /** Which verdicts to yield. Default `['yes', 'likely']`. */
  include?: NumberChangedHands[];
  /** Stops the sweep: no new bindings are read, calls in flight are aborted. */
  signal?: AbortSignal;
  /** A binding that was not checked: invalid input, or an internal error. */
  onSkip?: (skipped: { index: number; accountId?: string; error: Error }) => void;
}

export interface SweepFinding {
  accountId: string;
  /** E.164, as normalised. */
  phone: string;
  phoneBoundAt: string;
  numberChangedHands: NumberChangedHands;
  risk: number;
  /** The number evidence, strongest first. */
  reasons: Reason[];
  /** Every carrier answer behind the verdict. */
  evidence: NumberIntelAnswer[];
  /** The date the carriers were asked about. */
  since: string;
}

export interface SweepStats {
  /** Bindings read from the input. */
  read: number;
  /** Bindings checked (whatever the verdict). */
  checked: number;
  /** Bindings yielded. */
  found: number;
  /** Bindings whose verdict stayed unknown. */
  unknown: number;
  /** Bindings not checked (see `onSkip`). */
  skipped: number;
}

export interface SweepRun extends AsyncIterable<SweepFinding> {
  /** Live counters; final once iteration ends. */
  readonly stats: SweepStats;
}

const optionsSchema = lazySchema((z) =>
  z.object({
    concurrency: z.number().int().min(1).max(256).optional(),
    ratePerSecond: z.union([z.number().positive().max(100_000), z.record(z.string(), z.number().positive().max(100_000))]).optional(),
    budgetMs: z.number().int().min(10).max(600_000).optional(),
    include: z
      .array(z.enum(['yes', 'likely', 'unknown', 'no']))
      .min(1)
      .optional(),
  }),
);

/**
 * `guard.sweep`: for a nightly job, the bindings whose number changed hands, before anyone logs
 * in with it. Bounded concurrency; per-provider rate limits; the guard's cache, circuit breakers and
 * single-flight apply as in logins (fresh answers are cached and speed up the next login).
 * Findings come in completion order.
 */
export function createSweep(deps: NumberCheckDeps) {
  return function sweep(bindings: AsyncIterable<BindingInput> | Iterable<BindingInput>, options: SweepOptions = {}): SweepRun {
    const parsed = optionsSchema().safeParse(options);
    if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error).map((issue) => ({ ...issue, field: `options.${issue.field}` })));
    const concurrency = options.concurrency ?? 4;
    const budgetMs = options.budgetMs ?? 5_000;
    const include = new Set(options.include ?? ['yes', 'likely']);
    const buckets = new Map<string, TokenBucket>();
    const rateFor = (provider: NumberIntelProvider) =>
      typeof options.ratePerSecond === 'number' ? options.ratePerSecond : options.ratePerSecond?.[provider.name];
    const acquire = async (provider: NumberIntelProvider, signal: AbortSignal | undefined) => {
      const rate = rateFor(provider);
      if (rate === undefined) return;
      let bucket = buckets.get(provider.name);
      if (!bucket) buckets.set(provider.name, (bucket = new TokenBucket(rate)));
      await bucket.acquire(signal);
    };
    const stats: SweepStats = { read: 0, checked: 0, found: 0, unknown: 0, skipped: 0 };
    // Aborted by the host's signal, or when the consumer stops iterating: calls in flight stop too.
    const stop = new AbortController();
    if (options.signal?.aborted) stop.abort();
    else options.signal?.addEventListener('abort', () => stop.abort(), { once: true });

    const skip = (index: number, accountId: string | undefined, error: Error) => {
      stats.skipped += 1;
      if (options.onSkip) {
        try {
          options.onSkip({ index, ...(accountId !== undefined ? { accountId } : {}), error });
        } catch {
          // The host's callback must not stop the sweep.
        }
      } else {
        deps.report(error, error instanceof InvalidInputError ? 'number_intel' : 'internal');
      }
    };

    async function checkOne(raw: BindingInput, index: number): Promise<SweepFinding | null> {
      const accountId = typeof raw?.accountId === 'string' ? raw.accountId : undefined;
      let binding;
      try {
        binding = normalizeBinding(raw, deps.clock(), deps.defaultCountry);
      } catch (error) {
        skip(index, accountId, error instanceof Error ? error : new Error(String(error)));
        return null;
      }
      try {
        const verdict = await judgeNumber(deps, binding, { perCallMs: budgetMs, signal: stop.signal, acquire });
        stats.checked += 1;
        if (verdict.numberChangedHands === 'unknown') stats.unknown += 1;
        if (!include.has(verdict.numberChangedHands)) return null;
        stats.found += 1;
        return {
          accountId: binding.accountId,
          phone: binding.phoneE164,
          phoneBoundAt: new Date(binding.phoneBoundAt).toISOString(),
          numberChangedHands: verdict.numberChangedHands,
          risk: verdict.risk,
          reasons: verdict.reasons,
          evidence: verdict.answers,
          since: new Date(verdict.since).toISOString(),
        };
      } catch (error) {
        skip(index, accountId, error instanceof Error ? error : new Error(String(error)));
        return null;
      }
    }

    async function* run(): AsyncGenerator<SweepFinding> {
      const source: AsyncIterator<BindingInput> | Iterator<BindingInput> =
        Symbol.asyncIterator in bindings
          ? (bindings as AsyncIterable<BindingInput>)[Symbol.asyncIterator]()
          : (bindings as Iterable<BindingInput>)[Symbol.iterator]();
      const inFlight = new Map<number, Promise<{ id: number; finding: SweepFinding | null }>>();
      let exhausted = false;
      let next = 0;
      try {
        for (;;) {
          // Pull only while there is room: a slow consumer or a slow provider slows the reading.
          while (!exhausted && inFlight.size < concurrency && !stop.signal.aborted) {
            const item = await source.next();
            if (item.done) {
              exhausted = true;
              break;
            }
            const id = next++;
            stats.read += 1;
            inFlight.set(
              id,
              checkOne(item.value, id).then((finding) => ({ id, finding })),
            );
          }
          if (inFlight.size === 0) return;
          const { id, finding } = await Promise.race(inFlight.values());
          inFlight.delete(id);
          if (finding) yield finding;
        }
      } finally {
        stop.abort();
        if (!exhausted) await source.return?.();
      }
    }

    const iterable = run();
    return {
      stats,
      [Symbol.asyncIterator]: () => iterable,
    };
  };
}
