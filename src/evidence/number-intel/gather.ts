import { redactText } from '../../audit/redact.js';
import type { ErrorStage, IntelCacheTtl } from '../../types/index.js';
import type { CachedIntel } from '../../types/profile.js';
import type { NumberIntelAnswer, SignalStatus } from '../../types/index.js';
import { isConclusive } from './answer.js';
import { isProviderFailure } from './failure.js';
import { gatherInProcess, type GatheredIntel, type InProcessIntel, type IntelBudget, type IntelRequest, type IntelRunner } from './runner.js';

export { answerSchema, isConclusive, validateAnswer } from './answer.js';
export { createIntelRunner, IntelRunner } from './runner.js';
export type { AccountScopedProvider, BreakerEvent, GatheredIntel, InProcessIntel, IntelBudget, IntelRequest, IntelRunnerOptions } from './runner.js';

/**
 * Reuse a cached answer only for the same question (`since`), while it is valid, and, when it holds
 * an account-scoped answer (KYC Match), only for the account it was asked for: the cache lives
 * under the number, and another account on the same number must not see that holder's match.
 */
export function usableCache(cached: CachedIntel | null, since: number, now: number, accountScope: () => string): CachedIntel | null {
  if (!cached || cached.since !== since || cached.expiresAt <= now) return null;
  // The scope is an HMAC: computed only for the rare entry that needs it, off the hot path.
  if (cached.account !== undefined && cached.account !== accountScope()) return null;
  return cached;
}

/**
 * How long freshly gathered answers are reused, by what they say:
 * - a conclusive "changed hands": `changedMs` (it does not become untrue);
 * - a conclusive "same subscriber": `unchangedMs` (a reissue can happen any day after the aging period);
 * - only tenure / SIM / device / identity answers: `inconclusiveMs` (SIM data goes stale fastest);
 * - nothing conclusive and a provider failed (timeout, 5xx, circuit open): not cached, so the next
 *   login asks again instead of replaying the outage.
 */
export function cacheTtlFor(answers: readonly NumberIntelAnswer[], ttl: IntelCacheTtl): number {
  const primary = answers.find(isConclusive);
  if (primary) return primary.changedSince ? ttl.changedMs : ttl.unchangedMs;
  if (answers.some(isProviderFailure)) return 0;
  return answers.some((answer) => !answer.unavailable) ? ttl.inconclusiveMs : 0;
}

/**
 * The cache record for fresh answers, or undefined when they should not be reused. `accountScope`
 * (a keyed hash of the account id) is recorded when an answer is about this account's holder.
 */
export function cacheEntryFor(answers: NumberIntelAnswer[], since: number, now: number, ttl: IntelCacheTtl, accountScope?: string): CachedIntel | undefined {
  const ttlMs = cacheTtlFor(answers, ttl);
  if (ttlMs <= 0) return undefined;
  const entry: CachedIntel = { answers, since, fetchedAt: now, expiresAt: now + ttlMs, ttlMs };
  if (accountScope !== undefined) entry.account = accountScope;
  return entry;
}

export interface CarrierEvidence {
  status: SignalStatus | 'cached';
  answers: NumberIntelAnswer[];
  /** The cache entry to write when the answers are fresh and worth reusing. */
  fresh?: CachedIntel;
}

export interface CarrierEvidenceContext {
  runner: IntelRunner;
  ttl: IntelCacheTtl;
  now: number;
  /** Keyed hash of the account, for account-scoped answers; called only when one is involved. */
  accountScope: () => string;
  /** Told of every unavailable answer; absent: nobody listens, so no error is built. */
  report?: (error: unknown, stage: ErrorStage) => void;
}

/**
 * The carrier's answers to "did the number change hands since `request.since`?": the cached ones
 * when they still answer this question for this account, else the providers' (asked in order
 * within `budget`) with the cache entry to write. The login path, recipient checks and sweeps all
 * come through here. A provider's error text can echo the number or an address, and it reaches
 * reasons, the cache, `onError` and the audit log: it is scrubbed here, once.
 */
export async function carrierEvidence(
  context: CarrierEvidenceContext,
  cached: CachedIntel | null,
  request: IntelRequest,
  budget: IntelBudget,
): Promise<CarrierEvidence> {
  const usable = usableCache(cached, request.since, context.now, context.accountScope);
  if (usable) return { status: 'cached', answers: usable.answers };
  if (context.runner.size === 0) return { status: 'not_configured', answers: [] };
  return fromGathered(context, await context.runner.gather(request, budget), request);
}

/** `carrierEvidence` for in-process providers (the backtest's replay engine): the same answer, synchronously. */
export function carrierEvidenceInProcess(
  context: Omit<CarrierEvidenceContext, 'runner'>,
  cached: CachedIntel | null,
  request: IntelRequest,
  providers: readonly InProcessIntel[],
): CarrierEvidence {
  const usable = usableCache(cached, request.since, context.now, context.accountScope);
  if (usable) return { status: 'cached', answers: usable.answers };
  if (providers.length === 0) return { status: 'not_configured', answers: [] };
  return fromGathered(context, gatherInProcess(providers, request), request);
}

function fromGathered(context: Omit<CarrierEvidenceContext, 'runner'>, gathered: GatheredIntel, request: IntelRequest): CarrierEvidence {
  const answers = gathered.answers.map((answer) => (answer.unavailable ? { ...answer, unavailable: redactText(answer.unavailable) } : answer));
  if (context.report)
    for (const answer of answers) if (answer.unavailable) context.report(new Error(`${answer.source}: ${answer.unavailable}`), 'number_intel');
  const fresh = gathered.fresh
    ? cacheEntryFor(answers, request.since, context.now, context.ttl, gathered.accountScoped ? context.accountScope() : undefined)
    : undefined;
  return { status: gathered.status, answers, ...(fresh ? { fresh } : {}) };
}
