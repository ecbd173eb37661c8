import { lazySchema } from '../util/lazy-deps.js';
import { NUMBER_CHANGED_HANDS_ADVICE } from '../core/decide.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { judgeNumber, normalizeBinding, type BindingInput, type NumberCheckDeps } from './number-check.js';
import type { NumberChangedHands, Reason, SignalStatus, VictimAdvice } from '../types/index.js';
import { catalogue, localizeAdvice, localizeReasons, reasonFrom, type Locale } from '../locale/index.js';
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
    const locale = deps.locale ?? 'en';

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
        why: explain(send, changed, strictness, purpose, locale),
        reasons: localizeReasons(verdict.reasons, locale),
        evidence: { numberIntel: verdict.intel, intelSources: verdict.answers.map((answer) => answer.source) },
      };
      if (changed === 'yes' || changed === 'likely') decision.advice = localizeAdvice(NUMBER_CHANGED_HANDS_ADVICE, locale);
      return decision;
    } catch (error) {
      deps.report(error, 'internal');
      const message = error instanceof Error ? error.message : String(error);
      return {
        send: false,
        purpose,
        strictness,
        numberChangedHands: 'unknown',
        why: catalogue(locale).recipient.internalError(message),
        reasons: localizeReasons(
          [reasonFrom('fail_mode_applied', 0, { key: 'fail_mode_applied.recipient_internal_error', params: { error: message } })],
          locale,
        ),
        evidence: { numberIntel: 'unavailable', intelSources: [] },
      };
    } finally {
      evidence.done();
      total.done();
    }
  };
}

function explain(send: boolean, changed: NumberChangedHands, strictness: RecipientStrictness, purpose: RecipientPurpose, locale: Locale): string {
  const words = catalogue(locale).recipient;
  const what = words.purposes[purpose];
  if (changed === 'yes') return words.changed(what);
  if (changed === 'likely') return words.likely(what);
  if (changed === 'unknown') return send ? words.unknownSent(what, words.strictness[strictness]) : words.unknownHeld(what);
  return words.owner(what);
}
