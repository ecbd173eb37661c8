/**
 * `releaseNumber`: the new holder of a number is freed from the host's stale bindings of it, instead
 * of hearing "this number is already registered". A binding is released only when both hold:
 *  - the number is held now: the host checked an SMS code sent to it (`proofOfPossession`);
 *  - the guard concludes it changed hands after the binding: the carrier says so, an ingested
 *    reissue event or unbind notice says so, or a reissue was possible (dormant beyond the aging
 *    period, nothing showing the owner) and a step-up on the old account failed since the owner's
 *    last proof.
 * The SMS code alone never releases anything. A released binding leaves the old account protected
 * (its data kept, its SMS login off), and every release or refusal is audited with its evidence.
 */
import { InvalidInputError, type InputIssue } from '../errors/invalid-input-error.js';
import type { Reason } from '../types/index.js';
import { startDeadline } from '../util/deadline.js';
import { isoTime } from '../util/iso-time.js';
import { lazySchema } from '../util/lazy-deps.js';
import { zodIssues } from '../validate/attempt.js';
import type { GuardContext } from './context.js';
import { judgeNumber, normalizeBinding, type NormalizedBinding, type NumberCheckDeps, type NumberVerdict } from './number-check.js';
import { requireProtectionStore, setProtection } from './protect.js';

export interface ReleaseBinding {
  accountId: string;
  /** When the host bound the number to this account. */
  phoneBoundAt: string | Date | number;
  /** The last time the owner provably held the number, if the host knows. */
  lastSeenAt?: string | Date | number;
}

export interface ReleaseInput {
  /** The number the new holder proved just now. E.164, or national digits with `defaultCountry`. */
  phone: string;
  /** How the host proved that the person holds the number now. Required; it is never enough alone. */
  proofOfPossession: 'sms_otp';
  /** Every account of the host's that has this number bound (from its own user table). */
  bindings: ReleaseBinding[];
  defaultCountry?: string;
}

/** Which rule released a binding. */
export type ReleaseRule = 'carrier_confirmed' | 'reissue_event' | 'likely_and_failed_step_up';

/** Why a binding was not released. */
export type RefusalReason =
  /** The carrier says the subscriber is the same since the binding. */
  | 'carrier_says_same_holder'
  /** The owner proved holding the number within the aging period: nobody else can hold it yet. */
  | 'owner_held_number_recently'
  /** A reissue was possible, but nothing else says it happened: a step-up on the old account must fail first. */
  | 'needs_failed_step_up'
  /** The evidence could not be read, or the old account could not be protected: try again. */
  | 'store_unavailable';

export interface ReleaseEvidence {
  rule: ReleaseRule;
  numberChangedHands: NumberVerdict['numberChangedHands'];
  /** Carrier answers and ingested events behind the release (source names). */
  sources: string[];
  /** The number evidence, as reasons. */
  reasons: Reason[];
  /** The date the carriers were asked about (the binding, or the owner's last strong proof). */
  since: string;
  /** Failed step-ups on the old account since the owner's last proof, ISO-8601. */
  failedStepUps: string[];
  /** The old account's protection, set by this release (or before it). */
  protectedSince: string;
}

export interface ReleaseResult {
  /** E.164, as normalised. */
  phone: string;
  released: { accountId: string; evidence: ReleaseEvidence }[];
  refused: { accountId: string; reason: RefusalReason; numberChangedHands?: NumberVerdict['numberChangedHands'] }[];
}

const MAX_BINDINGS = 100;

const releaseSchema = lazySchema((z) =>
  z
    .object({
      phone: z.string().min(1).max(40),
      proofOfPossession: z.literal('sms_otp'),
      bindings: z
        .array(
          z.object({
            accountId: z.string().min(1).max(256),
            phoneBoundAt: z.union([z.string().max(64), z.date(), z.number()]),
            lastSeenAt: z.union([z.string().max(64), z.date(), z.number()]).optional(),
          }),
        )
        .min(1)
        .max(MAX_BINDINGS),
      defaultCountry: z
        .string()
        .regex(/^[A-Za-z]{2}$/, 'ISO 3166-1 alpha-2')
        .optional(),
    })
    .strict(),
);

/** The source of a carrier-confirmed change: a provider answer, or an ingested event / notice. */
function changeSource(verdict: NumberVerdict): { source: string; fromEvent: boolean } | null {
  const reason = verdict.reasons.find((candidate) => candidate.code === 'number_reissued_after_binding');
  const source = typeof reason?.details?.source === 'string' ? reason.details.source : null;
  if (!source) return null;
  const fromProvider = verdict.answers.some((answer) => answer.source === source && answer.changedSince === true);
  return { source, fromEvent: !fromProvider };
}

export function createReleaseNumber(context: GuardContext, deps: NumberCheckDeps) {
  const { clock, defaultCountry, budgetMs } = context.resolved;
  return async function releaseNumber(input: ReleaseInput): Promise<ReleaseResult> {
    const parsed = releaseSchema().safeParse(input);
    if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error));
    requireProtectionStore(context);
    const now = clock();
    const issues: InputIssue[] = [];
    const bindings: NormalizedBinding[] = [];
    parsed.data.bindings.forEach((binding, index) => {
      try {
        bindings.push(
          normalizeBinding(
            { ...binding, phone: parsed.data.phone, ...(parsed.data.defaultCountry ? { defaultCountry: parsed.data.defaultCountry } : {}) },
            now,
            defaultCountry,
          ),
        );
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        for (const issue of error.issues)
          issues.push({ field: issue.field === 'phone' ? 'phone' : `bindings.${index}.${issue.field}`, message: issue.message });
      }
    });
    if (issues.length > 0) throw new InvalidInputError(issues.filter((issue, i) => issues.findIndex((other) => other.field === issue.field) === i));
    const phone = bindings[0]!.phoneE164;
    const phoneHash = context.safePhoneHash(phone);

    const result: ReleaseResult = { phone, released: [], refused: [] };
    for (const binding of bindings) {
      const total = startDeadline(budgetMs);
      const evidence = startDeadline(Math.max(1, Math.floor(budgetMs * 0.75)));
      try {
        const verdict = await judgeNumber(deps, binding, { evidence, total });
        const outcome = await decideRelease(context, binding, verdict, total);
        await context.audit(
          {
            kind: 'release',
            at: isoTime(clock()),
            decisionId: '',
            accountId: binding.accountId,
            phoneHash,
            numberChangedHands: verdict.numberChangedHands,
            reasons: verdict.reasons.map(({ code, effect, message }) => ({ code, effect, message })),
            evidenceSources: verdict.answers.map((answer) => answer.source),
            preset: context.resolved.policy.preset,
            policyVersion: context.resolved.policy.version,
            release:
              'evidence' in outcome
                ? {
                    released: true,
                    rule: outcome.evidence.rule,
                    evidence: [...outcome.evidence.sources, ...outcome.evidence.failedStepUps.map((at) => `failed_step_up@${at}`)],
                  }
                : { released: false, rule: outcome.reason, evidence: [] },
          },
          total,
        );
        if ('evidence' in outcome) result.released.push({ accountId: binding.accountId, evidence: outcome.evidence });
        else result.refused.push({ accountId: binding.accountId, reason: outcome.reason, numberChangedHands: verdict.numberChangedHands });
      } finally {
        evidence.done();
        total.done();
      }
    }
    return result;
  };
}

async function decideRelease(
  context: GuardContext,
  binding: NormalizedBinding,
  verdict: NumberVerdict,
  deadline: ReturnType<typeof startDeadline>,
): Promise<{ evidence: ReleaseEvidence } | { reason: RefusalReason }> {
  if (verdict.history === 'unavailable') return { reason: 'store_unavailable' };
  let rule: ReleaseRule | undefined;
  let sources: string[] = [];
  if (verdict.numberChangedHands === 'yes') {
    const change = changeSource(verdict);
    rule = change?.fromEvent ? 'reissue_event' : 'carrier_confirmed';
    sources = change ? [change.source] : [];
  } else if (verdict.numberChangedHands === 'no') {
    return { reason: verdict.reissuePossible ? 'carrier_says_same_holder' : 'owner_held_number_recently' };
  } else if (!verdict.reissuePossible) {
    return { reason: 'owner_held_number_recently' };
  } else if (verdict.failedStepUpsSinceProof.length > 0) {
    rule = 'likely_and_failed_step_up';
  } else {
    return { reason: 'needs_failed_step_up' };
  }
  let protectedSince: string;
  try {
    protectedSince = (await setProtection(context, binding.accountId, { reason: 'number_released', by: 'guard' }, deadline)).since;
  } catch {
    // Releasing without shielding the old account would let the new holder's SMS code into it.
    return { reason: 'store_unavailable' };
  }
  return {
    evidence: {
      rule,
      numberChangedHands: verdict.numberChangedHands,
      sources,
      reasons: verdict.reasons,
      since: isoTime(verdict.since),
      failedStepUps: verdict.failedStepUpsSinceProof.map((at) => isoTime(at)),
      protectedSince,
    },
  };
}
