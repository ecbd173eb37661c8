/**
 * The message catalogue's shape. Every message the guard shows (reason messages, advice steps,
 * step-up prompts, the HTTP helper's texts, the evidence view) is rendered from a key and its
 * parameters, so the same decision can be shown in any supported locale. Pure data and pure
 * functions: the core imports this, so nothing here does I/O.
 */
import type { AttemptAction, DecisionAction, GuardMode, NewHolderAdvice, NumberChangedHands, PreviousHolderAdvice, StepUpCheck } from '../types/index.js';
import type { ReasonCode } from '../reasons.js';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];

/** Where the owner's last proof of holding the number comes from (see core/signals/aging.ts). */
export type ProofSource = 'binding' | 'host_hint' | 'history';

/**
 * The parameters of every reason message, by message key. A key is a reason code, or a code and a
 * variant (`fail_mode_applied.no_history`) where one code explains several situations.
 * Dates are ISO-8601 strings; free text (a provider's or a store's error) is passed as given.
 */
export interface ReasonParams {
  number_reissued_after_binding: { source: string; since: string; reissuedOn?: string };
  number_not_reissued: { source: string; since: string };
  tenure_covers_binding: { source: string; since: string };
  tenure_after_binding: { source: string; since: string };
  sim_changed_after_binding: { source: string; changedOn: string; since: string };
  sim_unchanged_since_binding: { source: string; since: string };
  recent_sim_change: { hours: number };
  carrier_device_changed: { source: string; changedOn: string };
  identity_mismatch: { source: string };
  identity_match: { source: string };
  number_intel_unavailable: { source: string; why: string };
  'number_intel_unavailable.not_configured': Record<string, never>;
  number_intel_conflict: { used: string; overruled: string[] };
  dormant_beyond_aging: { days: number; proofFrom: ProofSource; agingDays: number; country: string };
  recent_owner_proof: { days: number; proofFrom: ProofSource; agingDays: number };
  'continuity_unproven.carrier': { source: string; raised: boolean };
  'continuity_unproven.dormant': { days: number; agingDays: number; raised: boolean };
  known_device: Record<string, never>;
  vouched_device: Record<string, never>;
  known_device_class: { device: string };
  new_device: { device: string };
  'new_device.known_class': { device: string };
  /** `now` and each of `before`: `os|deviceType`, the OS empty when unknown. */
  device_class_change: { now: string; before: string[] };
  device_unavailable: Record<string, never>;
  known_region: { place: string };
  new_region: { place: string };
  new_country: { country: string; before: string[] };
  impossible_travel: { km: number; minutes?: number; hours?: number };
  number_country_mismatch: { ipCountry: string; numberCountry: string };
  geo_unavailable: { error?: string };
  'geo_unavailable.not_configured': Record<string, never>;
  register_on_bound_number: Record<string, never>;
  recovery_attempt: Record<string, never>;
  sensitive_action: { action: AttemptAction; stepUp: number; deny: number };
  recent_failed_step_up: { count: number };
  strong_factor_verified: { check: StepUpCheck };
  'strong_factor_verified.met': { required: number; passed: StepUpCheck[] };
  no_history: Record<string, never>;
  history_unavailable: { error?: string };
  'fail_mode_applied.always_step_up': { preset: string; action: AttemptAction };
  'fail_mode_applied.no_history': { preset: string; strong: boolean };
  'fail_mode_applied.carrier_unavailable': { preset: string; strong: boolean };
  'fail_mode_applied.no_check': { required: number; available: StepUpCheck[] };
  'fail_mode_applied.internal_error': { error: string };
  'fail_mode_applied.recipient_internal_error': { error: string };
}

export type ReasonMessageKey = keyof ReasonParams;

/** Added after a reason's message when the evidence was shown but not scored. */
export type ReasonNote = 'not_scored' | 'not_counted';

/** A reason message before rendering: its key, its parameters, and a note when it was not scored. */
export type ReasonText = {
  [K in ReasonMessageKey]: { key: K; params: ReasonParams[K]; note?: ReasonNote };
}[ReasonMessageKey];

/** The advice steps for the host, each one sentence (`VictimAdvice.stepIds`). */
export const ADVICE_STEP_IDS = [
  'hide_account_data',
  'offer_fresh_account',
  'stop_sms_reach_owner',
  'owner_confirm_and_rebind',
  'hide_until_step_up',
  'offer_fresh_account_beside_step_up',
  'on_failed_step_up_stop_sms',
  'stop_sms_to_bound_number',
  'owner_bind_current_number',
  'owner_confirm_bound_number',
  'register_offer_fresh_account',
  'register_hide_and_review',
] as const;
export type AdviceStepId = (typeof ADVICE_STEP_IDS)[number];

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
