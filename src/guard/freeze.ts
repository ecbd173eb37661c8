/**
 * `freeze`: "I lost my old number: freeze my account." The owner cannot receive an SMS code on a
 * number that now belongs to someone else, so the freeze takes a non-SMS check the host ran instead
 * (password, previous password, ID match, face, known address with another check). It takes effect
 * at once (the account is protected: the SMS code alone no longer enters), is rate-limited per
 * account in the store (every app server counts together), and every request is audited.
 */
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { startDeadline, withinDeadline } from '../util/deadline.js';
import { isoTime } from '../util/iso-time.js';
import { lazySchema } from '../util/lazy-deps.js';
import { zodIssues } from '../validate/attempt.js';
import type { GuardContext } from './context.js';
import { parseAccountId, parseProof, proofMeets, type CheckProof } from './proof.js';
import { requireProtectionStore, setProtection } from './protect.js';

export interface FreezeInput {
  accountId: string;
  /** The non-SMS check the host ran for this request, and whether it passed. */
  proof: CheckProof;
}

export type FreezeAnswer = 'frozen' | 'already_frozen' | 'proof_failed' | 'check_too_weak' | 'rate_limited' | 'store_unavailable';

export interface FreezeResult {
  frozen: boolean;
  /**
   * `frozen` (now), `already_frozen` (it was protected before: `since` says when), or why not:
   * `proof_failed`, `check_too_weak` (below the preset's base step-up strength), `rate_limited`
   * (too many requests for this account in the window), `store_unavailable` (try again).
   */
  reason: FreezeAnswer;
  /** When the account was first protected, ISO-8601, when frozen. */
  since?: string;
}

const freezeSchema = lazySchema((z) => z.object({ accountId: z.unknown(), proof: z.unknown() }).strict());

export function createFreeze(context: GuardContext) {
  const { policy, clock, freezeLimit } = context.resolved;
  return async function freeze(input: FreezeInput): Promise<FreezeResult> {
    const shape = freezeSchema().safeParse(input);
    if (!shape.success) throw new InvalidInputError(zodIssues(shape.error));
    const accountId = parseAccountId(input.accountId);
    const { checks, passed } = parseProof(input.proof, 'proof');
    const store = requireProtectionStore(context);
    const deadline = startDeadline(context.resolved.budgetMs);
    const finish = async (result: FreezeResult): Promise<FreezeResult> => {
      await context.audit(
        {
          kind: 'freeze',
          at: isoTime(clock()),
          decisionId: '',
          accountId,
          phoneHash: '',
          proof: { checks, passed, granted: result.frozen, answer: result.reason },
          ...(result.frozen ? { protection: { reason: 'owner_request', by: 'owner', ...(result.since ? { since: result.since } : {}) } } : {}),
        },
        deadline,
      );
      return result;
    };
    try {
      // Counted before the proof is looked at: the endpoint must not become an oracle for the check.
      let attempts: number;
      try {
        attempts = await withinDeadline(
          store.hit(`freeze:${context.hasher.token(`account:${accountId}`)}`, freezeLimit.windowMs, context.signalFor(deadline)),
          deadline,
          `${context.store.name} store`,
        );
      } catch (error) {
        context.report(error, 'store_write');
        return await finish({ frozen: false, reason: 'store_unavailable' });
      }
      if (attempts > freezeLimit.attempts) return await finish({ frozen: false, reason: 'rate_limited' });
      if (!passed) return await finish({ frozen: false, reason: 'proof_failed' });
      // Freezing only takes SMS logins away, so the preset's base bar suffices (a stranger freezing
      // someone else's account still needs their password or better).
      if (!proofMeets(policy, checks, policy.requiredStrength.base).meets) return await finish({ frozen: false, reason: 'check_too_weak' });
      let result;
      try {
        result = await setProtection(context, accountId, { reason: 'owner_request', by: 'owner' }, deadline);
      } catch {
        return await finish({ frozen: false, reason: 'store_unavailable' });
      }
      return await finish({ frozen: true, reason: result.created ? 'frozen' : 'already_frozen', since: result.since });
    } finally {
      deadline.done();
    }
  };
}
