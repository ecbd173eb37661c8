/**
 * Public types shared by every stage of the pipeline:
 * validate -> gather evidence -> score -> decide -> persist/audit.
 */

/** What the person is trying to do after the SMS code was accepted. */
export type AttemptAction = 'login' | 'register' | 'recover' | 'change_phone' | 'reset_password' | 'view_sensitive' | 'payment' | 'export';

export const ATTEMPT_ACTIONS: readonly AttemptAction[] = [
  'login',
  'register',
  'recover',
  'change_phone',
  'reset_password',
  'view_sensitive',
  'payment',
  'export',
];

/** Actions that raise the bar: a wrong "allow" here moves money or data out of the owner's reach. */
export const SENSITIVE_ACTIONS: ReadonlySet<AttemptAction> = new Set<AttemptAction>(['change_phone', 'reset_password', 'payment', 'export', 'view_sensitive']);

/** Step-up checks a host may be able to run. None of them is delivered over the phone number. */
export type StepUpCheck = 'password' | 'previous_password' | 'id_match' | 'face' | 'known_address' | 'trusted_device' | 'email';

export const STEP_UP_CHECKS: readonly StepUpCheck[] = ['password', 'previous_password', 'id_match', 'face', 'known_address', 'trusted_device', 'email'];

/** Factors already passed in this attempt. `sms_otp` proves possession of the SIM, nothing more. */
export type VerifiedFactor = 'sms_otp' | StepUpCheck;

export type DecisionAction = 'allow' | 'step_up' | 'deny';
export type NumberChangedHands = 'yes' | 'likely' | 'unknown' | 'no';
export type PresetName = 'cloud-drive' | 'social' | 'fintech';
export type GuardMode = 'enforce' | 'dry_run';

/** One SMS login attempt as the host sends it. Dates are ISO-8601 strings, Date objects or epoch ms. */
export interface AttemptInput {
  accountId: string;
  /** E.164 (`+8613800138000`), or national digits with `defaultCountry`. */
  phone: string;
  /** When this number was bound to this account. */
  phoneBoundAt: string | Date | number;
  ip: string;
  userAgent?: string;
  /** Lower-cased `Sec-CH-UA-*` header names and their raw values. */
  clientHints?: Record<string, string>;
  /** The host's own device token (cookie or app install id). */
  deviceId?: string;
  action?: AttemptAction;
  verified?: VerifiedFactor[];
  /** Event time; defaults to the guard's clock. Backtests replay history with it. */
  at?: string | Date | number;
  /**
   * Host hint for accounts the guard has no history for yet: the last time the owner signed in
   * with an SMS code sent to this number (so it proves possession of the number then).
   */
  lastSeenAt?: string | Date | number;
  /** Region for national-format numbers (ISO 3166-1 alpha-2), overrides the guard's default. */
  defaultCountry?: string;
}

/** The attempt after validation: normalised, with times as epoch milliseconds. */
export interface NormalizedAttempt {
  accountId: string;
  phoneE164: string;
  /** ISO 3166-1 alpha-2 region of the number, e.g. `CN`, `US`. */
  phoneCountry: string;
  phoneBoundAt: number;
  ip: string;
  ipVersion: 4 | 6;
  userAgent?: string;
  clientHints?: Record<string, string>;
  deviceId?: string;
  action: AttemptAction;
  verified: VerifiedFactor[];
  at: number;
  lastSeenAt?: number;
}

// ---------------------------------------------------------------------------------------------
// Evidence the shell gathers for the pure core
// ---------------------------------------------------------------------------------------------

/** What the guard makes of a user agent plus Client Hints plus device token. */
export interface DeviceFacts {
  /** Stable key of this device: the host token when given, else a fingerprint of its class. */
  key: string;
  /** True when `key` comes from the host's device token (strong), false for a class fingerprint. */
  fromToken: boolean;
  /** Class fingerprint (OS family, device type, vendor, model, browser family), never versions. */
  classKey: string;
  osFamily?: string;
  deviceType: string; // 'mobile' | 'tablet' | 'desktop' | 'other'
  vendor?: string;
  model?: string;
  browserFamily?: string;
}

/** A geolocation result. Hosts may bring their own `GeoLookup`. */
export interface GeoResult {
  /** ISO 3166-1 alpha-2. */
  country: string;
  /** ISO 3166-2 subdivision code or name. */
  region?: string;
  city?: string;
  lat?: number;
  lon?: number;
  /** Radius of the location's uncertainty; large values switch impossible-travel off. */
  accuracyKm?: number;
  asn?: number;
}

export interface GeoLookup {
  readonly name: string;
  lookup(ip: string): GeoResult | null | undefined | Promise<GeoResult | null | undefined>;
  /**
   * Loads the data ahead of the first lookup. A guard calls it from `guard.ready()`; until it has
   * resolved the guard decides without a location rather than wait inside an attempt's budget, and
   * without `ready()` it starts the load after its first attempt is decided.
   */
  ready?(): Promise<void>;
}

/** What a number-intelligence provider answers about one number since one date. */
export interface NumberIntelAnswer {
  /** Provider name, e.g. `camara-number-recycling`, shown in reasons and audit records. */
  source: string;
  /** The carrier's word on whether the number changed subscriber after `since`. */
  changedSince?: boolean;
  /** When the number was (re)issued to its current subscriber, where the provider says. */
  reissuedAt?: string | Date | number;
  /** The current subscriber's tenure start (KYC Tenure style). */
  tenureSince?: string | Date | number;
  /** Tenure answer as a yes/no: the current subscriber has held the number since `since`. */
  tenureCoversSince?: boolean;
  /** Latest SIM change (a new subscription counts). `null` = never changed in the operator's window. */
  lastSimChange?: string | Date | number | null;
  /** Latest device change (CAMARA Device Swap). */
  lastDeviceChange?: string | Date | number | null;
  /** Whether the operator's current subscriber matches the identity the host holds (KYC Match). */
  identityMatch?: boolean;
  /**
   * The provider could not answer. The string says why (`IDENTIFIER_NOT_FOUND`, `timeout`, ...).
   * Unavailable answers are reported as such, never as "nothing unusual".
   */
  unavailable?: string;
}

export interface NumberIntelRequest {
  /** E.164 number. */
  phone: string;
  /** The later of the binding date and the last time the owner proved trust by a non-SMS check. */
  since: Date;
  /** Aborts when the assess budget runs out. */
  signal: AbortSignal;
  /** The account the check is for (KYC Match needs the host's identity record). */
  accountId?: string;
}

export interface NumberIntelProvider {
  readonly name: string;
  check(request: NumberIntelRequest): Promise<NumberIntelAnswer>;
}

// ---------------------------------------------------------------------------------------------
// Decision
// ---------------------------------------------------------------------------------------------

import type { ReasonCode } from '../reasons.js';

export { REASON_CODES, type ReasonCode } from '../reasons.js';

export interface Reason {
  code: ReasonCode;
  /**
   * Signed contribution to `risk`: `risk = prior + sum(effect)`. Positive raises risk.
   * Zero for reasons that only report (an unavailable signal, a raised bar).
   */
  effect: number;
  /** In the guard's `locale` (English by default). */
  message: string;
  details?: Record<string, unknown>;
  /**
   * The catalogue key and parameters `message` was rendered from: `localizeReasons` renders it in
   * another locale (the HTTP helper does, per request).
   */
  template?: ReasonText;
}

export interface StepUpRequirement {
  /** Any one of these sets of checks suffices; every check of the chosen set must pass. */
  anyOf: StepUpCheck[][];
  /** Deadline for `recordOutcome`, ISO-8601 UTC in the guard's clock (like `Decision.at`). */
  expiresAt: string;
}

export type NewHolderAdvice = 'none' | 'offer_new_account';
export type PreviousHolderAdvice = 'none' | 'protect_account' | 'review_binding';

export interface VictimAdvice {
  /** For the person holding the number now. */
  newHolder: NewHolderAdvice;
  /** For the account owner who bound the number. */
  previousHolder: PreviousHolderAdvice;
  /** Human-readable steps for the host, in the guard's `locale`. */
  steps: string[];
  /** The catalogue ids of `steps`, to render them in another locale (`localizeAdvice`). */
  stepIds?: AdviceStepId[];
}

export type SignalStatus = 'ok' | 'unavailable' | 'not_configured';

export interface EvidenceSummary {
  history: 'ok' | 'none' | 'unavailable';
  geo: SignalStatus;
  device: 'ok' | 'unavailable';
  numberIntel: SignalStatus | 'cached';
  /** Every provider answer that took part, in the order asked. */
  intelSources: string[];
}

/** What every decision carries, whatever it decided. Times are ISO-8601 UTC strings, as in the HTTP body. */
export interface DecisionBase {
  /** Opaque id; pass it to `recordOutcome` after a step-up. */
  id: string;
  accountId: string;
  mode: GuardMode;
  /**
   * How likely it is that the person holding the number is not the account owner, as a posterior
   * under the preset's prior (see docs/scoring.md). Ranks attempts; it is not a calibrated probability.
   */
  risk: number;
  /** The preset's prior, the starting point of `risk`. */
  prior: number;
  reasons: Reason[];
  numberChangedHands: NumberChangedHands;
  advice: VictimAdvice;
  evidence: EvidenceSummary;
  preset: PresetName;
  policyVersion: string;
  /** Event time, ISO-8601 UTC. */
  at: string;
  /** False when the profile update could not be saved within the budget. */
  persisted: boolean;
}

/** Enforcement would allow: SMS suffices. */
export interface AllowDecision extends DecisionBase {
  wouldBe: 'allow';
  action: 'allow';
  stepUp?: never;
}

/** Enforcement would ask for a stronger check. In `dry_run`, `action` is `allow` and `stepUp` still says what would have been asked. */
export interface StepUpDecision extends DecisionBase {
  wouldBe: 'step_up';
  /** What the host should do: `step_up`, or `allow` in `dry_run`. */
  action: 'step_up' | 'allow';
  stepUp: StepUpRequirement;
}

/** Enforcement would refuse the login. In `dry_run`, `action` is `allow`. */
export interface DenyDecision extends DecisionBase {
  wouldBe: 'deny';
  /** What the host should do: `deny`, or `allow` in `dry_run`. */
  action: 'deny' | 'allow';
  stepUp?: never;
}

/**
 * The answer to one SMS login, discriminated on `wouldBe` (what enforcement decides) and narrowed
 * by `action` (what the host should do now): `action === 'step_up'` is a `StepUpDecision`, so
 * `decision.stepUp` is there without a check. See `isStepUp`, `isDenied`, `isAllowed`.
 */
export type Decision = AllowDecision | StepUpDecision | DenyDecision;

/** The host should ask for one of `decision.stepUp.anyOf` now (enforce mode). */
export function isStepUp(decision: Decision): decision is StepUpDecision & { action: 'step_up' } {
  return decision.action === 'step_up';
}

/** The host should refuse the login now (enforce mode). */
export function isDenied(decision: Decision): decision is DenyDecision & { action: 'deny' } {
  return decision.action === 'deny';
}

/** The host may sign the user in on the SMS code (always true in `dry_run`; see `wouldBe`). */
export function isAllowed(decision: Decision): boolean {
  return decision.action === 'allow';
}

export interface StepUpOutcome {
  /** The check (or checks) the host ran for this decision. */
  check?: StepUpCheck;
  checks?: StepUpCheck[];
  passed: boolean;
  /** When given, must match the decision's account. */
  accountId?: string;
  /** Event time of the outcome; defaults to the guard's clock. */
  at?: string | Date | number;
}

export interface OutcomeResult {
  decisionId: string;
  accountId: string;
  /** `allow` when the passed checks satisfy the step-up, else `deny`. */
  action: 'allow' | 'deny';
  satisfied: boolean;
  /** Present when the step-up failed on a number that may have changed hands. */
  advice?: VictimAdvice;
  /** True when this failed step-up protected the account (the preset's `protectOnFailedStepUp`). */
  protected?: boolean;
  /**
   * True when this satisfied step-up, at the preset's high bar, lifted a protection the guard had set
   * by itself (a failed step-up, a carrier event, dormancy). Protections the owner, support, a notice
   * or a release set stay until `unprotect`.
   */
  protectionLifted?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Guard plumbing shared by the layers below the guard
// ---------------------------------------------------------------------------------------------

/** Where a reported error came from (`onError`'s second argument). */
export type ErrorStage = 'store_read' | 'store_write' | 'geo' | 'number_intel' | 'on_decision' | 'audit' | 'internal';

export interface IntelCacheTtl {
  /** How long a "the number changed hands" answer is reused. It does not become untrue. */
  changedMs: number;
  /** How long a "no change" answer is reused; a reissue can happen any day after the aging period. */
  unchangedMs: number;
  /** How long tenure / SIM / device / identity answers without a yes-or-no are reused (SIM data goes stale fastest). */
  inconclusiveMs: number;
}

// ---------------------------------------------------------------------------------------------
// Message templates: what a reason's message and the advice steps are rendered from (src/locale)
// ---------------------------------------------------------------------------------------------

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
  account_protected: { since: string; reason: string };
  'account_protected.unreadable': Record<string, never>;
  dormant_account: { days: number; preset: string; limitDays: number };
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
  'protected_hide_data',
  'protected_ask_non_sms_check',
  'protected_keep_sms_off',
] as const;
export type AdviceStepId = (typeof ADVICE_STEP_IDS)[number];

// ---------------------------------------------------------------------------------------------
/**
 * Telemetry: what the guard tells an observer (the OpenTelemetry hooks of `recycled-number-guard/opentelemetry`,
 * or the host's own): never a phone number, address or account id, only what the guard decided,
 * with which evidence, and how its carrier providers fared.
 */
/** One carrier provider call (or a call the circuit breaker refused): login checks, recipient checks and sweeps alike. */
export interface ProviderCall {
  provider: string;
  /** `answered`, or the unavailable code: `timeout`, `error`, `circuit_open`, `IDENTIFIER_NOT_FOUND`, ... */
  outcome: string;
  /** Whether the outcome counts as the provider failing (a timeout, a 5xx), not as "cannot answer for this number". */
  failed: boolean;
  /** Time the call took, in ms (0 when the breaker refused it). */
  latencyMs: number;
}

/** Filled in by `assess` while it runs; the observer reads it when the decision is made. */
export interface AssessFacts {
  /** The carrier step of this assessment, when one ran or its cache answered. */
  carrier?: {
    status: SignalStatus | 'cached';
    /** Wall time of the carrier step, in ms, single-flight waits included. */
    latencyMs: number;
    /** Per provider asked: `answered` or the unavailable code. */
    outcomes: { provider: string; outcome: string }[];
  };
}

/** Filled in by `recordOutcome` once the outcome parsed. */
export interface OutcomeFacts {
  preset: string;
  policyVersion: string;
  checks?: StepUpCheck[];
  passed?: boolean;
}

/**
 * Observes the guard's operations. Each method wraps the operation (so a span can be the active
 * one while it runs) and must return what `run` returns, or rethrow what it throws.
 */
export interface GuardTelemetry {
  assess(run: (facts: AssessFacts) => Promise<Decision>): Promise<Decision>;
  recordOutcome(run: (facts: OutcomeFacts) => Promise<OutcomeResult>, facts: OutcomeFacts): Promise<OutcomeResult>;
  providerCall(call: ProviderCall): void;
}
