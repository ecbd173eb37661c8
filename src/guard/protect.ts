/**
 * Protected accounts: while protected, `assess` never allows on the SMS code alone (the core's
 * `account_protected` rule). Set by the owner (`freeze`), the host (`protect`), the guard after a
 * likely new holder failed a step-up, a carrier answer or notice, and `releaseNumber`. Lifted only
 * with a passed non-SMS check (`unprotect`).
 */
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { ProtectionFailedError } from '../errors/protection-failed-error.js';
import { ProtectionUnsupportedError } from '../errors/protection-unsupported-error.js';
import { PROTECTION_ACTORS, PROTECTION_REASONS, type Protection, type ProtectionActor, type ProtectionReason } from '../types/profile.js';
import { startDeadline, withinDeadline, type Deadline } from '../util/deadline.js';
import { isoTime } from '../util/iso-time.js';
import { lazySchema } from '../util/lazy-deps.js';
import { zodIssues } from '../validate/attempt.js';
import type { GuardContext } from './context.js';
import { parseAccountId, parseProof, proofMeets, type CheckProof } from './proof.js';

export interface ProtectInput {
  reason: ProtectionReason;
  by: ProtectionActor;
}

export interface ProtectResult {
  accountId: string;
  /** False when the account was protected already: the first protection is kept. */
  created: boolean;
  /** When it was first protected, ISO-8601. */
  since: string;
  reason: ProtectionReason;
  by: ProtectionActor;
}

export type UnprotectAnswer = 'unprotected' | 'not_protected' | 'proof_failed' | 'check_too_weak';

export interface UnprotectResult {
  accountId: string;
  unprotected: boolean;
  reason: UnprotectAnswer;
}

const protectSchema = lazySchema((z) =>
  z
    .object({
      reason: z.enum(PROTECTION_REASONS as [string, ...string[]]),
      by: z.enum(PROTECTION_ACTORS as [string, ...string[]]),
    })
    .strict(),
);

/** Throws `ProtectionUnsupportedError` when the store cannot hold protections. */
export function requireProtectionStore(context: GuardContext) {
  const { store } = context;
  if (!store.capabilities.protection || !store.protect || !store.unprotect || !store.hit) throw new ProtectionUnsupportedError(store.name);
  return { protect: store.protect.bind(store), unprotect: store.unprotect.bind(store), hit: store.hit.bind(store) };
}

/**
 * Protect an account (idempotent: the first protection is kept) and audit it when it is new.
 * Throws `ProtectionUnsupportedError` or `ProtectionFailedError`, never answers "protected" falsely.
 */
export async function setProtection(context: GuardContext, accountId: string, input: ProtectInput, deadline: Deadline): Promise<ProtectResult> {
  const store = requireProtectionStore(context);
  const protection: Protection = { since: context.resolved.clock(), reason: input.reason, by: input.by };
  let result: { created: boolean; protection: Protection };
  try {
    result = await withinDeadline(store.protect(accountId, protection, context.signalFor(deadline)), deadline, `${context.store.name} store`);
  } catch (error) {
    context.report(error, 'store_write');
    throw new ProtectionFailedError('protect', error);
  }
  const answer: ProtectResult = {
    accountId,
    created: result.created,
    since: isoTime(result.protection.since),
    reason: result.protection.reason,
    by: result.protection.by,
  };
  if (result.created) {
    await context.audit(
      {
        kind: 'protect',
        at: isoTime(context.resolved.clock()),
        decisionId: '',
        accountId,
        phoneHash: '',
        protection: { reason: input.reason, by: input.by, since: answer.since },
      },
      deadline,
    );
  }
  return answer;
}

export function createProtect(context: GuardContext) {
  return async function protect(accountId: string, input: ProtectInput): Promise<ProtectResult> {
    const id = parseAccountId(accountId);
    const parsed = protectSchema().safeParse(input);
    if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error));
    const deadline = startDeadline(context.resolved.budgetMs);
    try {
      return await setProtection(context, id, parsed.data as ProtectInput, deadline);
    } finally {
      deadline.done();
    }
  };
}

export function createUnprotect(context: GuardContext) {
  const { policy, clock } = context.resolved;
  return async function unprotect(accountId: string, proof: CheckProof): Promise<UnprotectResult> {
    const id = parseAccountId(accountId);
    const { checks, passed } = parseProof(proof, 'proof');
    const store = requireProtectionStore(context);
    const deadline = startDeadline(context.resolved.budgetMs);
    try {
      // Turning SMS logins back on needs the preset's high bar: the same a likely new holder faces.
      const { meets } = proofMeets(policy, checks, policy.requiredStrength.high);
      let reason: UnprotectAnswer = !passed ? 'proof_failed' : !meets ? 'check_too_weak' : 'unprotected';
      if (reason === 'unprotected') {
        let lifted: boolean;
        try {
          lifted = await withinDeadline(store.unprotect(id, context.signalFor(deadline)), deadline, `${context.store.name} store`);
        } catch (error) {
          context.report(error, 'store_write');
          throw new ProtectionFailedError('unprotect', error);
        }
        if (!lifted) reason = 'not_protected';
      }
      const result: UnprotectResult = { accountId: id, unprotected: reason === 'unprotected', reason };
      await context.audit(
        {
          kind: 'unprotect',
          at: isoTime(clock()),
          decisionId: '',
          accountId: id,
          phoneHash: '',
          proof: { checks, passed, granted: result.unprotected, answer: reason },
        },
        deadline,
      );
      return result;
    } finally {
      deadline.done();
    }
  };
}

/** What a host shows the owner ("SMS sign-in is off since ..."): the protection, or null. */
export type ProtectionState = Omit<ProtectResult, 'created'>;

export function createProtectionOf(context: GuardContext) {
  return async function protectionOf(accountId: string): Promise<ProtectionState | null> {
    const id = parseAccountId(accountId);
    requireProtectionStore(context);
    const deadline = startDeadline(context.resolved.budgetMs);
    try {
      // The number's part of the read is not needed: an empty key reads nothing there.
      const snapshot = await withinDeadline(
        context.store.read({ account: id, phone: '' }, context.signalFor(deadline)),
        deadline,
        `${context.store.name} store`,
      );
      const protection = snapshot.protection;
      if (protection === undefined) throw new Error('the store answered without the protection state');
      return protection ? { accountId: id, since: isoTime(protection.since), reason: protection.reason, by: protection.by } : null;
    } catch (error) {
      context.report(error, 'store_read');
      throw new ProtectionFailedError('read', error);
    } finally {
      deadline.done();
    }
  };
}
