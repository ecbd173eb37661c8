// The public surface: the guard, its decisions and the errors a host can see. Everything else a
// host may rely on lives in a subpath: `/store` (store contract, memory store, profile merge),
// `/audit` (sinks, chain verification), `/geo` (geolocation lookups), `/core` (the pure scoring
// core and policies, for custom pipelines and evaluation), `/types` (every public type and
// constant), `/http`, `/testing`, the stores and the carrier adapters. test/package/api-report.test.ts
// pins every subpath's export list.

export { createGuard } from './guard/create-guard.js';
export type { Guard } from './guard/create-guard.js';
export type { ErrorStage, GuardOptions } from './guard/options.js';
export type { Store } from './persist/types.js';
export { memoryStore } from './persist/memory-store.js';

// Decisions.
export { isAllowed, isDenied, isStepUp, REASON_CODES, ATTEMPT_ACTIONS, STEP_UP_CHECKS } from './types/index.js';
export type {
  AllowDecision,
  AttemptAction,
  AttemptInput,
  Decision,
  DecisionAction,
  DenyDecision,
  NumberChangedHands,
  OutcomeResult,
  PresetName,
  Reason,
  ReasonCode,
  StepUpCheck,
  StepUpDecision,
  StepUpOutcome,
  StepUpRequirement,
  VictimAdvice,
} from './types/index.js';
export { PRESETS } from './core/policy.js';

// Evidence a host plugs in.
export type { GeoLookup, NumberIntelAnswer, NumberIntelProvider } from './types/index.js';

// Number checks outside a login.
export type { BindingInput } from './guard/number-check.js';
export type { RecipientCheckInput, RecipientDecision } from './guard/recipient.js';
export type { SweepFinding } from './guard/sweep.js';

// The language of the guard option `locale` (the catalogue and localizeDecision are in /http), and
// what `guard.evidenceFor` takes and returns (its verifier and printable page are in /audit).
export type { Locale } from './locale/index.js';
export type { EvidenceExport, EvidenceRange } from './audit/evidence.js';
// Both victims (protect, freeze, releaseNumber, ingestUnbindNotice, sweepDormancy): their inputs and
// answers are typed through Guard, e.g. Awaited<ReturnType<Guard['releaseNumber']>>; the root keeps
// only the errors they throw.

// Errors (one class per file, all extending RecycledNumberGuardError).
export { RecycledNumberGuardError } from './errors/recycled-number-guard-error.js';
export { InvalidInputError } from './errors/invalid-input-error.js';
export type { InputIssue } from './errors/invalid-input-error.js';
export { GuardConfigError } from './errors/guard-config-error.js';
export { OutcomeRejectedError } from './errors/outcome-rejected-error.js';
export { NumberEventsRejectedError } from './errors/number-events-rejected-error.js';
export { EvidenceUnavailableError } from './errors/evidence-unavailable-error.js';
export { ProtectionUnsupportedError } from './errors/protection-unsupported-error.js';
export { ProtectionFailedError } from './errors/protection-failed-error.js';
export { NoticeStoreError } from './errors/notice-store-error.js';
