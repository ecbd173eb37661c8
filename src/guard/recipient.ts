import { lazySchema } from '../util/lazy-deps.js';
import { NUMBER_CHANGED_HANDS_ADVICE } from '../core/decide.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { judgeNumber, normalizeBinding, type BindingInput, type NumberCheckDeps } from './number-check.js';
import type { NumberChangedHands, Reason, SignalStatus, VictimAdvice } from '../types/index.js';
import { reasonFrom } from '../locale/index.js';
import { zodIssues } from '../validate/attempt.js';
import { startDeadline } from '../util/deadline.js';

/** Kinds of message a platform sends to a bound number. */
export const RECIPIENT_PURPOSES = ['login_link', 'debt_collection', 'account_notice', 'security_alert', 'marketing'] as const;
export type RecipientPurpose = (typeof RECIPIENT_PURPOSES)[number];

/**
 * - `strict`: send only when the evidence says the owner still holds the number. A login link
 *   hands the account to whoever holds it; a debt notice to a stranger discloses the debt.
 * - `standard`: send unless the number changed hands or likely did.
 */
export type RecipientStrictness = 'strict' | 'standard';

export const PURPOSE_STRICTNESS: Record<RecipientPurpose, RecipientStrictness> = {
  login_link: 'strict',
  debt_collection: 'strict',
  account_notice: 'standard',
  security_alert: 'standard',
  marketing: 'standard',
};

const SENDS: Record<RecipientStrictness, readonly NumberChangedHands[]> = {
  strict: ['no'],
  standard: ['no', 'unknown'],
};

export interface RecipientCheckInput extends BindingInput {
  purpose: RecipientPurpose;
  /** Overrides the purpose's default strictness. */
  strictness?: RecipientStrictness;
}

export interface RecipientDecision {
  /** Send the message to this number. False on every error path. */
  send: boolean;
  purpose: RecipientPurpose;
  strictness: RecipientStrictness;
  numberChangedHands: NumberChangedHands;
  /** One sentence for logs and support staff. */
  why: string;
  /** The number evidence, strongest first (same codes as `assess`). */
  reasons: Reason[];
  evidence: { numberIntel: SignalStatus | 'cached'; intelSources: string[] };
  /** What to do for both people when the number changed hands or likely did. */
  advice?: VictimAdvice;
}

const inputSchema = lazySchema((z) =>
  z.object({
  purpose: z.enum(RECIPIENT_PURPOSES),
  strictness: z.enum(['strict', 'standard']).optional(),
}),
);

/**
 * `guard.checkRecipient`: before a sensitive message goes to a bound number, is the person holding
 * it still the account owner? Throws only `InvalidInputError`; any other failure answers
 * `send: false` (a message withheld can be sent by another channel, a leaked one cannot be recalled).
 */
export function createRecipientCheck(deps: NumberCheckDeps) {
  return async function checkRecipient(input: RecipientCheckInput): Promise<RecipientDecision> {
    const parsed = inputSchema().safeParse(input);
    if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error));
    const binding = normalizeBinding(input, deps.clock(), deps.defaultCountry);
    const purpose = parsed.data.purpose;
    const strictness = parsed.data.strictness ?? PURPOSE_STRICTNESS[purpose];

    const total = startDeadline(deps.budgetMs);
    const evidence = startDeadline(Math.max(1, Math.floor(deps.budgetMs * 0.75)));
    try {
      const verdict = await judgeNumber(deps, binding, { evidence, total });
      const changed = verdict.numberChangedHands;
      const send = SENDS[strictness].includes(changed);
      const decision: RecipientDecision = {
        send,
        purpose,
        strictness,
        numberChangedHands: changed,
        why: explain(send, changed, strictness, purpose),
        reasons: verdict.reasons,
        evidence: { numberIntel: verdict.intel, intelSources: verdict.answers.map((answer) => answer.source) },
      };
      if (changed === 'yes' || changed === 'likely') decision.advice = NUMBER_CHANGED_HANDS_ADVICE;
      return decision;
    } catch (error) {
      deps.report(error, 'internal');
      const message = error instanceof Error ? error.message : String(error);
      return {
        send: false,
        purpose,
        strictness,
        numberChangedHands: 'unknown',
        why: `internal error while checking the number (${message}): not sending`,
        reasons: [reasonFrom('fail_mode_applied', 0, { key: 'fail_mode_applied.recipient_internal_error', params: { error: message } })],
        evidence: { numberIntel: 'unavailable', intelSources: [] },
      };
    } finally {
      evidence.done();
      total.done();
    }
  };
}

function explain(send: boolean, changed: NumberChangedHands, strictness: RecipientStrictness, purpose: RecipientPurpose): string {
  const what = purpose.replace('_', ' ');
  if (changed === 'yes') return `not sending the ${what}: the carrier says the number changed subscriber after it was bound`;
  if (changed === 'likely') return `not sending the ${what}: the number likely changed hands (dormant beyond the aging period, and the evidence points to a new holder)`;
  if (changed === 'unknown') {
    return send
      ? `sending the ${what}: whether the number changed hands is unknown, which ${strictness} messages tolerate`
      : `not sending the ${what}: a reissue was possible and no evidence shows the owner still holds the number`;
  }
  return `sending the ${what}: the evidence says the owner still holds the number`;
}
