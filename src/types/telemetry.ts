/**
 * What the guard tells an observer (the OpenTelemetry hooks of `recycled-number-guard/opentelemetry`,
 * or the host's own): never a phone number, address or account id, only what the guard decided,
 * with which evidence, and how its carrier providers fared.
 */
import type { Decision, OutcomeResult, SignalStatus, StepUpCheck } from './index.js';

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
