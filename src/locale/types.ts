/**
 * The message catalogue's shape. Every message the guard shows (reason messages, advice steps,
 * step-up prompts, the HTTP helper's texts, the evidence view) is rendered from a key and its
 * parameters, so the same decision can be shown in any supported locale. Pure data and pure
 * functions: the core imports this, so nothing here does I/O.
 */
import type { AttemptAction, DecisionAction, GuardMode, NewHolderAdvice, NumberChangedHands, PreviousHolderAdvice, StepUpCheck } from '../types/index.js';
import type { ReasonCode } from '../reasons.js';
import type { AdviceStepId, ReasonMessageKey, ReasonNote, ReasonParams } from '../types/index.js';

export { ADVICE_STEP_IDS } from '../types/index.js';
export type { AdviceStepId, ProofSource, ReasonMessageKey, ReasonNote, ReasonParams, ReasonText } from '../types/index.js';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];

/** Why `recordOutcome` refused a step-up result (`OutcomeRejection`), for the HTTP error body. */
export type RejectionKey = 'UNKNOWN_DECISION' | 'EXPIRED' | 'ACCOUNT_MISMATCH' | 'STORE_UNAVAILABLE';

/** Errors a person can be shown (the HTTP helper's error bodies). */
export type UserErrorKey = 'invalid_input' | `step_up_rejected.${RejectionKey}`;
export const USER_ERROR_KEYS: readonly UserErrorKey[] = [
  'invalid_input',
  'step_up_rejected.UNKNOWN_DECISION',
  'step_up_rejected.EXPIRED',
  'step_up_rejected.ACCOUNT_MISMATCH',
  'step_up_rejected.STORE_UNAVAILABLE',
];

/** Labels of the printable evidence view (audit/evidence-html.ts). */
export interface EvidenceLabels {
  title: string;
  account: string;
  period: string;
  generated: string;
  verified: string;
  notVerified: string;
  records: string;
  chain: string;
  time: string;
  kind: string;
  what: string;
  why: string;
  ownerRequests: string;
  noOwnerRequests: string;
  decisions: string;
  /** Names of the audit entry kinds; a kind not listed is shown as `unknownKind(kind)`. */
  kinds: { decision: string; outcome: string; freeze: string; protect: string; unprotect: string; release: string };
  outcome: (passed: boolean, satisfied: boolean, checks: string) => string;
  rejected: (why: string) => string;
  /** A record kind this version does not know, shown with its fields. */
  unknownKind: (kind: string) => string;
  risk: (percent: string) => string;
  changedHands: Record<NumberChangedHands, string>;
  mode: Record<GuardMode, string>;
  footer: string;
}

/** Kinds of message a platform sends to a bound number (`RecipientPurpose`). */
export type RecipientPurposeKey = 'login_link' | 'debt_collection' | 'account_notice' | 'security_alert' | 'marketing';

/** `checkRecipient`'s one sentence for logs and support staff. `what`: the purpose's name. */
export interface RecipientLabels {
  purposes: Readonly<Record<RecipientPurposeKey, string>>;
  strictness: Readonly<Record<'strict' | 'standard', string>>;
  changed: (what: string) => string;
  likely: (what: string) => string;
  unknownSent: (what: string, strictness: string) => string;
  unknownHeld: (what: string) => string;
  owner: (what: string) => string;
  internalError: (error: string) => string;
}

/** The demo's words (`npm run demo -- --locale zh-CN`). */
export interface DemoLabels {
  columns: [string, string, string, string, string, string, string];
  then: string;
  stepUpPassed: string;
  stepUpFailed: string;
  /** The freeze and release stories' own rows. */
  frozen: string;
  notFrozen: string;
  freezeProof: (check: string, reason: string) => string;
  thenSmsCode: string;
  releaseNumber: string;
  released: string;
  refused: string;
  releasedAdvice: string;
  failedStepUp: string;
  advice: (newHolder: string, owner: string) => string;
  actions: Readonly<Record<DecisionAction, string>>;
  changedHands: Readonly<Record<NumberChangedHands, string>>;
  adviceNames: Readonly<Record<NewHolderAdvice | PreviousHolderAdvice, string>>;
  /** Story titles by story id (src/cli/demo/stories.ts). */
  stories: Readonly<Record<string, string>>;
}

export interface Catalogue {
  readonly locale: Locale;
  readonly reasons: { readonly [K in ReasonMessageKey]: (params: ReasonParams[K]) => string };
  readonly notes: Readonly<Record<ReasonNote, string>>;
  /** A short name for every reason code (demo tables, the evidence view). */
  readonly reasonTitles: Readonly<Record<ReasonCode, string>>;
  readonly advice: Readonly<Record<AdviceStepId, string>>;
  /** What to ask the person for each step-up check. */
  readonly stepUpPrompts: Readonly<Record<StepUpCheck, string>>;
  readonly checkNames: Readonly<Record<StepUpCheck, string>>;
  readonly actionNames: Readonly<Record<AttemptAction, string>>;
  /** The one line a person at the login sees for each answer. */
  readonly decisionMessages: Readonly<Record<DecisionAction, string>>;
  readonly newHolderMessages: Readonly<{ offer_new_account: string }>;
  readonly previousHolderMessages: Readonly<{ protect_account: string; review_binding: string }>;
  readonly errors: Readonly<Record<UserErrorKey, string>>;
  readonly evidence: EvidenceLabels;
  readonly recipient: RecipientLabels;
  readonly demo: DemoLabels;
  /** Joins a list the way the language does. */
  readonly list: (items: readonly string[]) => string;
}
