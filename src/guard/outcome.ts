/**
 * `recordOutcome`: the result of the step-up a decision asked for. Single use, own account only,
 * before expiry; every rejected outcome is audited, so abuse of the feedback path leaves a trace.
 */
import { localizeAdvice } from '../locale/index.js';
import { NUMBER_CHANGED_HANDS_ADVICE } from '../core/decide.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { OutcomeRejectedError } from '../errors/outcome-rejected-error.js';
import type { AuditEntry } from '../audit/index.js';
import type { PendingDecision } from '../persist/types.js';
import type { OutcomeResult, StepUpCheck, StepUpOutcome } from '../types/index.js';
import { startDeadline, withinDeadline } from '../util/deadline.js';
import { isoTime } from '../util/iso-time.js';
import { lazySchema } from '../util/lazy-deps.js';
import { toEpochMs, zodIssues } from '../validate/attempt.js';
import { outcomeWrite, protectionAfterOutcome, protectionLiftedByOutcome } from './conclude.js';
import type { GuardContext } from './context.js';
import { checkResultShape } from './proof.js';
import { setProtection } from './protect.js';
import type { OutcomeFacts } from '../types/index.js';

/** Clock skew tolerated for an outcome's `at`, as for an attempt's: a far-future time would age out the whole profile. */
const MAX_OUTCOME_FUTURE_MS = 24 * 3_600_000;

export const outcomeSchema = lazySchema((z) =>
  z
    .object({
      ...checkResultShape(z),
      accountId: z.string().min(1).max(256).optional(),
      at: z.union([z.string().max(64), z.date(), z.number()]).optional(),
    })
    .refine((value) => value.check !== undefined || value.checks !== undefined, { message: 'name the check (or checks) that ran', path: ['check'] }),
);

export type RecordOutcome = (decisionId: string, outcome: StepUpOutcome) => Promise<OutcomeResult>;

export function createRecordOutcome(context: GuardContext): RecordOutcome {
  const { resolved, store, report } = context;
  const { clock } = resolved;

  /** An audit entry about a step-up's decision: its account and keyed number, at the guard's time. */
  const aboutPending = (pending: PendingDecision, decisionId: string, entry: Pick<AuditEntry, 'kind'> & Partial<AuditEntry>): AuditEntry => ({
    at: isoTime(clock()),
    decisionId,
    accountId: pending.accountId,
    phoneHash: pending.onPass.phoneHash,
    ...entry,
  });

  async function recordObserved(decisionId: string, outcome: StepUpOutcome, facts?: OutcomeFacts): Promise<OutcomeResult> {
    if (typeof decisionId !== 'string' || !/^dec_[A-Za-z0-9_-]{22}$/.test(decisionId)) {
      throw new InvalidInputError([{ field: 'decisionId', message: 'not a decision id issued by this library' }]);
    }
    const parsed = outcomeSchema().safeParse(outcome);
    if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error));
    const issues: { field: string; message: string }[] = [];
    const outcomeAt = parsed.data.at === undefined ? clock() : toEpochMs(parsed.data.at, 'at', issues);
    if (outcomeAt === undefined) throw new InvalidInputError(issues);
    if (outcomeAt > clock() + MAX_OUTCOME_FUTURE_MS) throw new InvalidInputError([{ field: 'at', message: 'more than a day in the future' }]);
    const ran = new Set<StepUpCheck>([...(parsed.data.checks ?? []), ...(parsed.data.check ? [parsed.data.check] : [])] as StepUpCheck[]);
    if (facts) {
      facts.checks = [...ran];
      facts.passed = parsed.data.passed;
    }

    const deadline = startDeadline(resolved.budgetMs);
    let pending: PendingDecision | null = null;
    try {
      try {
        pending = await withinDeadline(store.takePending(decisionId), deadline, `${store.name} store`);
      } catch (error) {
        report(error, 'store_read');
        throw new OutcomeRejectedError('STORE_UNAVAILABLE', decisionId, 'the store could not be reached; treat the step-up as failed', { cause: error });
      }
      if (!pending) throw new OutcomeRejectedError('UNKNOWN_DECISION', decisionId, 'unknown decision, or its outcome was already recorded');
      if (parsed.data.accountId !== undefined && parsed.data.accountId !== pending.accountId) {
        throw new OutcomeRejectedError('ACCOUNT_MISMATCH', decisionId, 'this decision belongs to another account');
      }
      if (clock() > pending.expiresAt) throw new OutcomeRejectedError('EXPIRED', decisionId, 'the step-up window has closed; assess the login again');

      const { satisfied, write } = outcomeWrite(pending, ran, parsed.data.passed, outcomeAt);
      if (write) await context.save(write, deadline);
      const result: OutcomeResult = { decisionId, accountId: pending.accountId, action: satisfied ? 'allow' : 'deny', satisfied };
      await context.audit(
        aboutPending(pending, decisionId, { kind: 'outcome', action: result.action, outcome: { checks: [...ran], passed: parsed.data.passed, satisfied } }),
        deadline,
      );
      // The owner's proof ends a protection the guard set by itself (a failed step-up, a carrier event
      // that turned out to be the owner's own port, dormancy).
      if (store.capabilities.protection && store.unprotect && protectionLiftedByOutcome(resolved, pending, ran, satisfied)) {
        try {
          const lifted = await withinDeadline(store.unprotect(pending.accountId, context.signalFor(deadline)), deadline, `${store.name} store`);
          if (lifted) {
            result.protectionLifted = true;
            await context.audit(
              aboutPending(pending, decisionId, { kind: 'unprotect', proof: { checks: [...ran], passed: true, granted: true, answer: 'unprotected' } }),
              deadline,
            );
          }
        } catch (error) {
          // The step-up itself was recorded; the protection stays (fail closed) and the owner can unprotect.
          report(error, 'store_write');
        }
      }
      // Failing the owner's check on a number that may have been reissued: most likely its new holder.
      if (!satisfied && pending.reissuePossible) {
        result.advice = localizeAdvice(NUMBER_CHANGED_HANDS_ADVICE, resolved.locale);
        // The preset's rule: the account is protected at once, so the next attempt with the SMS code
        // alone meets the same wall however the score comes out.
        const selfProtect = store.capabilities.protection ? protectionAfterOutcome(resolved, pending, parsed.data.passed, satisfied) : undefined;
        if (selfProtect) {
          try {
            await setProtection(context, pending.accountId, { reason: selfProtect, by: 'guard' }, deadline);
            result.protected = true;
          } catch {
            // Reported by setProtection; the failed step-up itself was recorded.
          }
        }
      }
      return result;
    } catch (error) {
      if (error instanceof OutcomeRejectedError) {
        // Replayed, forged, foreign or late ids leave a trace: abuse of the feedback path is auditable.
        const known = pending as PendingDecision | null;
        await context.audit(
          {
            kind: 'outcome',
            at: isoTime(clock()),
            decisionId,
            accountId: known?.accountId ?? parsed.data.accountId ?? '',
            phoneHash: known?.onPass.phoneHash ?? '',
            action: 'deny',
            outcome: { checks: [...ran], passed: parsed.data.passed, satisfied: false, rejected: error.reason },
          },
          deadline,
        );
      }
      throw error;
    } finally {
      deadline.done();
    }
  }

  const { telemetry } = context.options;
  if (!telemetry) return (decisionId, outcome) => recordObserved(decisionId, outcome);
  const { preset, version } = resolved.policy;
  return (decisionId, outcome) => telemetry.recordOutcome((facts) => recordObserved(decisionId, outcome, facts), { preset, policyVersion: version });
}
