// The public surface. Everything a host may rely on is listed here, by name.

export { createGuard } from './guard/create-guard.js';
export type { Guard } from './guard/create-guard.js';
export type { ErrorStage, GuardOptions, IntelBreakerOptions, IntelCacheTtl } from './guard/options.js';

// Errors (one class per file).
export { RecycledNumberGuardError } from './errors/recycled-number-guard-error.js';
export { InvalidInputError } from './errors/invalid-input-error.js';
export type { InputIssue } from './errors/invalid-input-error.js';
export { GuardConfigError } from './errors/guard-config-error.js';
export { OutcomeRejectedError } from './errors/outcome-rejected-error.js';
export type { OutcomeRejection } from './errors/outcome-rejected-error.js';
export { NumberEventsRejectedError } from './errors/number-events-rejected-error.js';
export { CorruptStoreDataError } from './errors/corrupt-store-data-error.js';
export { DeactivationsAuthError } from './errors/deactivations-auth-error.js';
export { DeactivationsDateTooOldError } from './errors/deactivations-date-too-old-error.js';
export { DeactivationsTruncatedError } from './errors/deactivations-truncated-error.js';
export { DeactivationsUnavailableError } from './errors/deactivations-unavailable-error.js';
export { GeoNotReadyError } from './errors/geo-not-ready-error.js';

// Policy and the pure core, for tests, backtests and custom pipelines.
export { PRESETS, PRESET_NAMES, POLICY_VERSION, DEFAULT_MIN_AGING_DAYS } from './core/policy.js';
export type { Policy, Thresholds } from './core/policy.js';
export { DEFAULT_WEIGHTS } from './core/weights.js';
export type { Weights } from './core/weights.js';
export { evaluate } from './core/evaluate.js';
export type { CoreResult } from './core/evaluate.js';
export type { CoreInput } from './core/signals/index.js';
export { mergeProfile, emptyProfile, DEFAULT_PROFILE_LIMITS } from './persist/merge-profile.js';

// Evidence.
export { geoipLiteLookup } from './evidence/geo/geoip-lite.js';
export { mmdbGeoLookup } from './evidence/geo/mmdb.js';
export type { MmdbGeoOptions } from './evidence/geo/mmdb.js';
export { cidrGeoLookup } from './evidence/geo/cidr-geo.js';
export type { CidrGeoEntry } from './evidence/geo/cidr-geo.js';
export { parseDevice } from './evidence/device/parse-device.js';

// Carrier evidence: recipient checks, sweeps, ingested events (adapters: the camara, twilio, telesign and vonage subpaths).
export { RECIPIENT_PURPOSES, PURPOSE_STRICTNESS } from './guard/recipient.js';
export type { RecipientCheckInput, RecipientDecision, RecipientPurpose, RecipientStrictness } from './guard/recipient.js';
export type { SweepFinding, SweepOptions, SweepRun, SweepStats } from './guard/sweep.js';
export type { IngestOptions, IngestResult } from './guard/ingest.js';
export type { BindingInput } from './guard/number-check.js';
export type { AccountScopedProvider } from './evidence/number-intel/runner.js';
export { NUMBER_EVENT_TYPES } from './evidence/number-intel/ingest/index.js';
export type { IngestIssue, NumberEventFormat, NumberEventRecord, NumberEventSource } from './evidence/number-intel/ingest/index.js';

// Audit trail.
export { callbackAuditSink, canonicalJson, fileAuditSink, redactText, verifyAuditLog } from './audit/index.js';
export type { AuditChainOptions, AuditEntry, AuditRecord, AuditSink, AuditVerification } from './audit/index.js';

// Stores.
export { memoryStore } from './persist/memory-store.js';
export type { MemoryStoreOptions } from './persist/memory-store.js';
export type {
  AccountProfile,
  CachedIntel,
  DeviceRecord,
  FailedStepUp,
  LastLogin,
  LocationRecord,
  NumberEvent,
  PendingDecision,
  ProfileLimits,
  ProfilePatch,
  Store,
  StoreCapabilities,
  StoreKeys,
  StoreSnapshot,
  StoreWrite,
} from './persist/types.js';

// Shared types and constants.
export { ATTEMPT_ACTIONS, REASON_CODES, SENSITIVE_ACTIONS, STEP_UP_CHECKS } from './types/index.js';
export type {
  AttemptAction,
  AttemptInput,
  Decision,
  DecisionAction,
  DeviceFacts,
  EvidenceSummary,
  GeoLookup,
  GeoResult,
  GuardMode,
  NewHolderAdvice,
  NormalizedAttempt,
  NumberChangedHands,
  NumberIntelAnswer,
  NumberIntelProvider,
  NumberIntelRequest,
  OutcomeResult,
  PresetName,
  PreviousHolderAdvice,
  Reason,
  ReasonCode,
  SignalStatus,
  StepUpCheck,
  StepUpOutcome,
  StepUpRequirement,
  VerifiedFactor,
  VictimAdvice,
} from './types/index.js';
