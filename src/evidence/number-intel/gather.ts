import type { IntelCacheTtl } from '../../guard/options.js';
import type { CachedIntel } from '../../persist/types.js';
import type { NumberIntelAnswer } from '../../types.js';
import { isConclusive } from './answer.js';
import { isProviderFailure } from './failure.js';

export { answerSchema, isConclusive, validateAnswer } from './answer.js';
export { createIntelRunner, IntelRunner } from './runner.js';
export type { AccountScopedProvider, BreakerEvent, GatheredIntel, IntelBudget, IntelRequest, IntelRunnerOptions } from './runner.js';

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
