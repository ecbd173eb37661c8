import { InvalidInputError } from '../../errors/invalid-input-error.js';
import { OutcomeRejectedError, type OutcomeRejection } from '../../errors/outcome-rejected-error.js';
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

/** What a front end needs to act on, and nothing about how the guard got there. */
export interface DecisionBody {
  /** Send it back with the step-up result. */
  decisionId: string;
  action: DecisionAction;
  /** Only with `step_up`: run any one set, every check in it. */
  stepUp?: { anyOf: StepUpCheck[][]; expiresAt: string };
  advice: {
    /** `offer_new_account`: show "this number belonged to someone else; start a fresh account". */
    newHolder: NewHolderAdvice;
    /** `review_binding`: ask the signed-in owner to confirm or replace the bound number. */
    previousHolder: PreviousHolderAdvice;
  };
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
  advice?: { newHolder: NewHolderAdvice; previousHolder: PreviousHolderAdvice };
}

export interface ErrorBody {
  error: 'invalid_input' | 'step_up_rejected';
  /** invalid_input: the names of the bad fields (never their values). */
  fields?: string[];
  /** step_up_rejected: why the outcome was refused. */
  reason?: OutcomeRejection;
}

export interface DecisionResponseOptions {
  /**
   * Add risk, reasons and the host-side advice steps under `debug`. Off by default: reasons say
   * which signals tripped (new device, new region, dormancy), which tells an attacker what to fake.
   */
  includeReasons?: boolean;
}

// Decisions are per attempt: no cache, no shared proxy, may ever replay one.
const NO_STORE = { 'cache-control': 'no-store' };

const STATUS: Record<DecisionAction, number> = { allow: 200, step_up: 401, deny: 403 };

/**
 * The HTTP answer for a decision: allow 200, step_up 401 (with a `WWW-Authenticate` challenge, as
 * HTTP requires for 401) carrying the checks to offer, deny 403. `advice` travels with every
 * answer so the front end can offer the new holder a fresh account instead of "already registered".
 */
export function decisionResponse(decision: Decision, options: DecisionResponseOptions = {}): HttpAnswer<DecisionBody> {
  // dry_run changes nothing the user sees: the advice is for enforcement and stays in `debug`.
  const observing = decision.mode === 'dry_run';
  const body: DecisionBody = {
    decisionId: decision.id,
    action: decision.action,
    advice: observing ? { newHolder: 'none', previousHolder: 'none' } : { newHolder: decision.advice.newHolder, previousHolder: decision.advice.previousHolder },
  };
  const headers: Record<string, string> = { ...NO_STORE };
  if (decision.action === 'step_up') {
    // A step-up without a requirement cannot be completed; the core never produces one, but a
    // wrong answer here must not become a 401 the front end cannot act on, so it is a deny.
    if (!decision.stepUp || decision.stepUp.anyOf.length === 0) {
      body.action = 'deny';
    } else {
      body.stepUp = { anyOf: decision.stepUp.anyOf.map((set) => [...set]), expiresAt: decision.stepUp.expiresAt };
      const checks = [...new Set(decision.stepUp.anyOf.flat())].join(' ');
      headers['www-authenticate'] = `StepUp decision="${decision.id}", checks="${checks}"`;
    }
  }
  if (options.includeReasons) {
    body.debug = {
      risk: decision.risk,
      wouldBe: decision.wouldBe,
      mode: decision.mode,
      numberChangedHands: decision.numberChangedHands,
      reasons: decision.reasons.map(({ code, effect, message }) => ({ code, effect, message })),
      advice: { newHolder: decision.advice.newHolder, previousHolder: decision.advice.previousHolder },
      steps: [...decision.advice.steps],
    };
  }
  return { status: STATUS[body.action], headers, body };
}

/** The HTTP answer for `recordOutcome`: 200 when the step-up is satisfied, else 403 (with advice when the number may have changed hands). */
export function outcomeResponse(result: OutcomeResult): HttpAnswer<OutcomeBody> {
  const body: OutcomeBody = { decisionId: result.decisionId, action: result.action === 'allow' && result.satisfied ? 'allow' : 'deny' };
  if (result.advice) body.advice = { newHolder: result.advice.newHolder, previousHolder: result.advice.previousHolder };
  return { status: body.action === 'allow' ? 200 : 403, headers: { ...NO_STORE }, body };
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
export function guardErrorResponse(error: unknown): HttpAnswer<ErrorBody> | undefined {
  if (error instanceof InvalidInputError) return { status: 400, headers: { ...NO_STORE }, body: { error: 'invalid_input', fields: error.fields } };
  if (error instanceof OutcomeRejectedError) return { status: REJECTION_STATUS[error.reason], headers: { ...NO_STORE }, body: { error: 'step_up_rejected', reason: error.reason } };
  return undefined;
}
