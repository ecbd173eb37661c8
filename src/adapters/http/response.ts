import { InvalidInputError } from '../../errors/invalid-input-error.js';
import { OutcomeRejectedError, type OutcomeRejection } from '../../errors/outcome-rejected-error.js';
import { catalogue, localizeAdvice, localizeReasons, type Locale } from '../../locale/index.js';
import type {
  Decision,
  DecisionAction,
  GuardMode,
  NewHolderAdvice,
  NumberChangedHands,
  OutcomeResult,
  PreviousHolderAdvice,
  ReasonCode,
  StepUpCheck,
} from '../../types/index.js';

/** An HTTP answer any framework can send: `res.status(status).set(headers).json(body)`. */
export interface HttpAnswer<Body> {
  status: number;
  headers: Record<string, string>;
  body: Body;
}

/** Advice codes, with the sentence to show for each one that is not `none`, in the body's locale. */
export interface AdviceBody {
  /** `offer_new_account`: show "this number belonged to someone else; start a fresh account". */
  newHolder: NewHolderAdvice;
  /** `review_binding`: ask the signed-in owner to confirm or replace the bound number. */
  previousHolder: PreviousHolderAdvice;
  newHolderMessage?: string;
  previousHolderMessage?: string;
}

/** What a front end needs to act on, and nothing about how the guard got there. */
export interface DecisionBody {
  /** Send it back with the step-up result. */
  decisionId: string;
  action: DecisionAction;
  /** The language of every text in this body (also sent as `Content-Language`). */
  locale: Locale;
  /** One line to show the person for this answer. */
  message: string;
  /** Only with `step_up`: run any one set, every check in it. `prompts` says what to ask for each check. */
  stepUp?: { anyOf: StepUpCheck[][]; expiresAt: string; prompts: Partial<Record<StepUpCheck, string>> };
  advice: AdviceBody;
  /** Only with `includeReasons` (admin tools, logs): the guard's internals. */
  debug?: {
    risk: number;
    wouldBe: DecisionAction;
    mode: GuardMode;
    numberChangedHands: NumberChangedHands;
    reasons: { code: ReasonCode; effect: number; message: string }[];
    /** The guard's advice as given (in dry_run the top-level `advice` is neutral). */
    advice: { newHolder: NewHolderAdvice; previousHolder: PreviousHolderAdvice };
    steps: string[];
  };
}

export interface OutcomeBody {
  decisionId: string;
  action: 'allow' | 'deny';
  locale: Locale;
  message: string;
  advice?: AdviceBody;
}

export interface ErrorBody {
  error: 'invalid_input' | 'step_up_rejected';
  locale: Locale;
  /** One line to show the person. */
  message: string;
  /** invalid_input: the names of the bad fields (never their values). */
  fields?: string[];
  /** step_up_rejected: why the outcome was refused. */
  reason?: OutcomeRejection;
}

/** The language of the answer's texts. The Express and Fastify glue choose it from `Accept-Language`. */
export interface LocaleOptions {
  /** Default `en`. */
  locale?: Locale;
}

export interface DecisionResponseOptions extends LocaleOptions {
  /**
   * Add risk, reasons and the host-side advice steps under `debug`. Off by default: reasons say
   * which signals tripped (new device, new region, dormancy), which tells an attacker what to fake.
   */
  includeReasons?: boolean;
}

// Decisions are per attempt: no cache, no shared proxy, may ever replay one.
const NO_STORE = { 'cache-control': 'no-store' };

const STATUS: Record<DecisionAction, number> = { allow: 200, step_up: 401, deny: 403 };

function headersFor(locale: Locale): Record<string, string> {
  return { ...NO_STORE, 'content-language': locale };
}

function adviceBody(newHolder: NewHolderAdvice, previousHolder: PreviousHolderAdvice, locale: Locale): AdviceBody {
  const words = catalogue(locale);
  const body: AdviceBody = { newHolder, previousHolder };
  if (newHolder !== 'none') body.newHolderMessage = words.newHolderMessages[newHolder];
  if (previousHolder !== 'none') body.previousHolderMessage = words.previousHolderMessages[previousHolder];
  return body;
}

/**
 * The HTTP answer for a decision: allow 200, step_up 401 (with a `WWW-Authenticate` challenge, as
 * HTTP requires for 401) carrying the checks to offer, deny 403. `advice` travels with every
 * answer so the front end can offer the new holder a fresh account instead of "already registered".
 */
export function decisionResponse(decision: Decision, options: DecisionResponseOptions = {}): HttpAnswer<DecisionBody> {
  // dry_run changes nothing the user sees: the advice is for enforcement and stays in `debug`.
  const observing = decision.mode === 'dry_run';
  const locale = options.locale ?? 'en';
  const words = catalogue(locale);
  const body: DecisionBody = {
    decisionId: decision.id,
    action: decision.action,
    locale,
    message: '',
    advice: observing ? adviceBody('none', 'none', locale) : adviceBody(decision.advice.newHolder, decision.advice.previousHolder, locale),
  };
  const headers = headersFor(locale);
  if (decision.action === 'step_up') {
    // A step-up without a requirement cannot be completed; the core never produces one, but a
    // wrong answer here must not become a 401 the front end cannot act on, so it is a deny.
    if (!decision.stepUp || decision.stepUp.anyOf.length === 0) {
      body.action = 'deny';
    } else {
      const offered = [...new Set(decision.stepUp.anyOf.flat())];
      const prompts: Partial<Record<StepUpCheck, string>> = {};
      for (const check of offered) prompts[check] = words.stepUpPrompts[check];
      body.stepUp = { anyOf: decision.stepUp.anyOf.map((set) => [...set]), expiresAt: decision.stepUp.expiresAt, prompts };
      headers['www-authenticate'] = `StepUp decision="${decision.id}", checks="${offered.join(' ')}"`;
    }
  }
  body.message = words.decisionMessages[body.action];
  if (options.includeReasons) {
    body.debug = {
      risk: decision.risk,
      wouldBe: decision.wouldBe,
      mode: decision.mode,
      numberChangedHands: decision.numberChangedHands,
      // In the body's language, whatever the guard's own locale is.
      reasons: localizeReasons(decision.reasons, locale).map(({ code, effect, message }) => ({ code, effect, message })),
      advice: { newHolder: decision.advice.newHolder, previousHolder: decision.advice.previousHolder },
      steps: [...localizeAdvice(decision.advice, locale).steps],
    };
  }
  return { status: STATUS[body.action], headers, body };
}

/** The HTTP answer for `recordOutcome`: 200 when the step-up is satisfied, else 403 (with advice when the number may have changed hands). */
export function outcomeResponse(result: OutcomeResult, options: LocaleOptions = {}): HttpAnswer<OutcomeBody> {
  const locale = options.locale ?? 'en';
  const action = result.action === 'allow' && result.satisfied ? 'allow' : 'deny';
  const body: OutcomeBody = { decisionId: result.decisionId, action, locale, message: catalogue(locale).decisionMessages[action] };
  if (result.advice) body.advice = adviceBody(result.advice.newHolder, result.advice.previousHolder, locale);
  return { status: body.action === 'allow' ? 200 : 403, headers: headersFor(locale), body };
}

const REJECTION_STATUS: Record<OutcomeRejection, number> = {
  UNKNOWN_DECISION: 409,
  EXPIRED: 409,
  ACCOUNT_MISMATCH: 403,
  STORE_UNAVAILABLE: 503,
};

/**
 * The HTTP answer for the library's request errors: 400 naming the bad fields, or the refused
 * step-up outcome. Anything else returns undefined: rethrow it, it is a bug or an outage and must
 * reach your error handler (and never sign anybody in).
 */
export function guardErrorResponse(error: unknown, options: LocaleOptions = {}): HttpAnswer<ErrorBody> | undefined {
  const locale = options.locale ?? 'en';
  const words = catalogue(locale).errors;
  if (error instanceof InvalidInputError) {
    return { status: 400, headers: headersFor(locale), body: { error: 'invalid_input', locale, message: words.invalid_input, fields: error.fields } };
  }
  if (error instanceof OutcomeRejectedError) {
    const body: ErrorBody = { error: 'step_up_rejected', locale, message: words[`step_up_rejected.${error.reason}`], reason: error.reason };
    return { status: REJECTION_STATUS[error.reason], headers: headersFor(locale), body };
  }
  return undefined;
}
