/**
 * The dormancy rules, for a nightly job: which accounts have gone so long without proof of holding
 * their number that the SMS code alone no longer enters them (tell the owner by email or in-app
 * now, before the number can have changed hands twice over), and which are due for protection.
 * The same last-proof rule as `assess` (the guard's history, else the host's hint, else the binding).
 */
import { lastOwnerProof } from '../core/signals/index.js';
import { DAY } from '../core/signals/types.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { startDeadline, withinDeadline } from '../util/deadline.js';
import { isoTime } from '../util/iso-time.js';
import { lazySchema } from '../util/lazy-deps.js';
import { zodIssues } from '../validate/attempt.js';
import type { GuardContext } from './context.js';
import { normalizeBinding, type BindingInput } from './number-check.js';

export interface DormancySweepOptions {
  /** Bindings read per batch; each batch yields what it found. Default 100. */
  batchSize?: number;
  /** A binding that was not checked: invalid input, or the store could not be read. */
  onSkip?: (skipped: { index: number; accountId?: string; error: Error }) => void;
}

export interface DormancyFinding {
  accountId: string;
  /** The owner's last proof of holding the number, ISO-8601. */
  lastProofAt: string;
  /** Where it comes from: the guard's history, the host's `lastSeenAt`, or the binding itself. */
  lastProofFrom: 'history' | 'host_hint' | 'binding';
  dormantDays: number;
}

export interface DormancyBatch {
  /** Past `smsAloneAfterDays`: the SMS code alone no longer enters; tell the owner by another channel. */
  notice: DormancyFinding[];
  /** Past `protectAfterDays` and not protected yet: protect them (`guard.protect(id, { reason: 'dormancy', by: 'guard' })`). */
  protect: DormancyFinding[];
  /** Bindings read so far, in all batches. */
  read: number;
}

const optionsSchema = lazySchema((z) => z.object({ batchSize: z.number().int().min(1).max(10_000).optional(), onSkip: z.function().optional() }).strict());

export function createSweepDormancy(context: GuardContext) {
  const { policy, clock, defaultCountry, budgetMs } = context.resolved;
  return function sweepDormancy(
    bindings: AsyncIterable<BindingInput> | Iterable<BindingInput>,
    options: DormancySweepOptions = {},
  ): AsyncIterable<DormancyBatch> {
    const parsed = optionsSchema().safeParse(options);
    if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error).map((issue) => ({ ...issue, field: `options.${issue.field}` })));
    const batchSize = options.batchSize ?? 100;
    const { smsAloneAfterDays, protectAfterDays } = policy.dormancy;
    const skip = (index: number, accountId: string | undefined, error: Error) => {
      if (!options.onSkip) return context.report(error, 'store_read');
      try {
        options.onSkip({ index, ...(accountId !== undefined ? { accountId } : {}), error });
      } catch {
        // The host's callback must not stop the sweep.
      }
    };

    async function* run(): AsyncGenerator<DormancyBatch> {
      let batch: DormancyBatch = { notice: [], protect: [], read: 0 };
      let read = 0;
      for await (const raw of bindings as AsyncIterable<BindingInput>) {
        const index = read++;
        const accountId = typeof raw?.accountId === 'string' ? raw.accountId : undefined;
        try {
          const now = clock();
          const binding = normalizeBinding(raw, now, defaultCountry);
          const phoneHash = context.hasher.phone(binding.phoneE164);
          const deadline = startDeadline(budgetMs);
          let snapshot;
          try {
            snapshot = await withinDeadline(
              context.store.read({ account: binding.accountId, phone: phoneHash }, context.signalFor(deadline)),
              deadline,
              `${context.store.name} store`,
            );
          } finally {
            deadline.done();
          }
          const profile = snapshot.profile;
          const proof = lastOwnerProof({
            phoneBoundAt: binding.phoneBoundAt,
            ...(binding.lastSeenAt !== undefined ? { lastSeenAt: binding.lastSeenAt } : {}),
            history: { status: profile ? 'ok' : 'none', profile },
            phoneHash,
          });
          const days = Math.max(0, now - proof.at) / DAY;
          const finding: DormancyFinding = {
            accountId: binding.accountId,
            lastProofAt: isoTime(proof.at),
            lastProofFrom: proof.from as DormancyFinding['lastProofFrom'],
            dormantDays: Math.floor(days),
          };
          if (protectAfterDays !== null && days >= protectAfterDays) {
            if (!snapshot.protection) batch.protect.push(finding);
          } else if (smsAloneAfterDays !== null && days >= smsAloneAfterDays) {
            batch.notice.push(finding);
          }
        } catch (error) {
          skip(index, accountId, error instanceof Error ? error : new Error(String(error)));
        }
        if (read % batchSize === 0) {
          batch.read = read;
          yield batch;
          batch = { notice: [], protect: [], read: 0 };
        }
      }
      if (read % batchSize !== 0 || read === 0) {
        batch.read = read;
        yield batch;
      }
    }
    return { [Symbol.asyncIterator]: () => run() };
  };
}
