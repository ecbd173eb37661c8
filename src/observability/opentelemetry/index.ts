// recycled-number-guard/opentelemetry: spans and metrics through @opentelemetry/api (an optional
// peer dependency, imported only by this subpath). `createGuard({ telemetry: openTelemetry() })`.
//
// Privacy: no attribute or metric label carries a phone number, an address, an account id, a
// device token or a provider's free text; only what the guard decided, on which evidence, and how
// its carrier providers fared (provider names and the codes the adapters write).
import { context, metrics, SpanStatusCode, trace, type Attributes, type Meter, type Span, type Tracer } from '@opentelemetry/api';
import type { Decision, OutcomeResult } from '../../types/index.js';
import type { AssessFacts, GuardTelemetry, OutcomeFacts, ProviderCall } from '../../types/index.js';

/** The instrumentation scope name: tracers and meters are looked up under it. */
export const INSTRUMENTATION_SCOPE = 'recycled-number-guard';

/** Span and metric names, for dashboards and tests. */
export const TELEMETRY_NAMES = {
  assessSpan: 'recycled_number_guard.assess',
  outcomeSpan: 'recycled_number_guard.record_outcome',
  /** Counter: every decision, by action, would-be action, preset, mode, history and carrier evidence. */
  decisions: 'recycled_number_guard.decisions',
  /** Counter: the top reason codes of each decision, by action. */
  decisionReasons: 'recycled_number_guard.decision.reasons',
  /** Histogram, ms: assess wall time, by action. */
  assessDuration: 'recycled_number_guard.assess.duration',
  /** Counter: assess calls that threw (bad input), by error code. */
  assessErrors: 'recycled_number_guard.assess.errors',
  /** Counter: step-up outcomes, by result (allow, deny, rejected), checks and rejection reason. */
  stepUpOutcomes: 'recycled_number_guard.step_up.outcomes',
  /** Counter: carrier provider calls, by provider, outcome and whether the provider failed. */
  providerCalls: 'recycled_number_guard.provider.calls',
  /** Counter: carrier provider calls that failed (timeouts, errors, open circuits), by provider and outcome. */
  providerErrors: 'recycled_number_guard.provider.errors',
  /** Histogram, ms: carrier provider call latency, by provider and outcome. */
  providerDuration: 'recycled_number_guard.provider.duration',
} as const;

const A = 'recycled_number_guard.';

export interface OpenTelemetryOptions {
  /** Default: `trace.getTracer('recycled-number-guard')` from the global provider (a no-op until one is registered). */
  tracer?: Tracer;
  /** Default: `metrics.getMeter('recycled-number-guard')` from the global provider. */
  meter?: Meter;
  /** How many of a decision's strongest reasons go on the span and the reason counter. Default 3. */
  topReasons?: number;
}

/** A safe label from a thrown error: its library code (`INVALID_INPUT`) or class name, never its message. */
function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code)) return code;
  const name = error instanceof Error ? error.name : typeof error;
  return /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name) ? name : 'Error';
}

/**
 * The guard's telemetry on OpenTelemetry: one span per `assess` and `recordOutcome` (active while
 * it runs, so spans your HTTP instrumentation makes for carrier calls are its children), and the
 * counters and histograms named in `TELEMETRY_NAMES`.
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): GuardTelemetry {
  const tracer = options.tracer ?? trace.getTracer(INSTRUMENTATION_SCOPE);
  const meter = options.meter ?? metrics.getMeter(INSTRUMENTATION_SCOPE);
  const topReasons = options.topReasons ?? 3;

  const decisions = meter.createCounter(TELEMETRY_NAMES.decisions, { description: 'Decisions made by assess' });
  const decisionReasons = meter.createCounter(TELEMETRY_NAMES.decisionReasons, { description: 'Top reason codes of decisions' });
  const assessDuration = meter.createHistogram(TELEMETRY_NAMES.assessDuration, { description: 'assess wall time', unit: 'ms' });
  const assessErrors = meter.createCounter(TELEMETRY_NAMES.assessErrors, { description: 'assess calls that threw' });
  const stepUpOutcomes = meter.createCounter(TELEMETRY_NAMES.stepUpOutcomes, { description: 'Step-up outcomes recorded' });
  const providerCalls = meter.createCounter(TELEMETRY_NAMES.providerCalls, { description: 'Carrier provider calls' });
  const providerErrors = meter.createCounter(TELEMETRY_NAMES.providerErrors, { description: 'Carrier provider calls that failed' });
  const providerDuration = meter.createHistogram(TELEMETRY_NAMES.providerDuration, { description: 'Carrier provider call latency', unit: 'ms' });

  /**
   * Runs `run` with `span` active (only a recording span needs to be: a no-op span has nothing for
   * children to join), then hands the result or the error to `finish` and ends the span. Plain
   * promise callbacks, not async/await: fewer ticks on every login.
   */
  function within<Facts, T>(span: Span, run: (facts: Facts) => Promise<T>, facts: Facts, finish: (result: T | undefined, error: unknown) => void): Promise<T> {
    const end = (result: T | undefined, error: unknown) => {
      try {
        finish(result, error);
      } catch {
        // A failing exporter must not fail a login decision.
      }
      span.end();
    };
    let running: Promise<T>;
    try {
      running = span.isRecording() ? context.with(trace.setSpan(context.active(), span), run, undefined, facts) : run(facts);
    } catch (error) {
      running = Promise.reject(error);
    }
    return running.then(
      (result) => {
        end(result, undefined);
        return result;
      },
      (error: unknown) => {
        end(undefined, error ?? new Error('thrown'));
        throw error;
      },
    );
  }

  function decisionAttributes(decision: Decision, facts: AssessFacts): Attributes {
    const attributes: Attributes = {
      [`${A}action`]: decision.action,
      [`${A}would_be`]: decision.wouldBe,
      [`${A}mode`]: decision.mode,
      [`${A}preset`]: decision.preset,
      [`${A}policy_version`]: decision.policyVersion,
      [`${A}risk`]: decision.risk,
      [`${A}number_changed_hands`]: decision.numberChangedHands,
      [`${A}reasons`]: decision.reasons.slice(0, topReasons).map((reason) => reason.code),
      [`${A}advice.new_holder`]: decision.advice.newHolder,
      [`${A}advice.previous_holder`]: decision.advice.previousHolder,
      [`${A}evidence.history`]: decision.evidence.history,
      [`${A}evidence.geo`]: decision.evidence.geo,
      [`${A}evidence.device`]: decision.evidence.device,
      [`${A}evidence.number_intel`]: decision.evidence.numberIntel,
      [`${A}persisted`]: decision.persisted,
    };
    if (decision.stepUp) attributes[`${A}step_up.checks`] = [...new Set(decision.stepUp.anyOf.flat())];
    if (facts.carrier) {
      attributes[`${A}provider.outcomes`] = facts.carrier.outcomes.map(({ provider, outcome }) => `${provider}:${outcome}`);
      attributes[`${A}provider.latency_ms`] = facts.carrier.latencyMs;
    }
    return attributes;
  }

  return {
    assess(run) {
      const span = tracer.startSpan(TELEMETRY_NAMES.assessSpan);
      const started = performance.now();
      const facts: AssessFacts = {};
      return within(span, run, facts, (decision, error) => {
        const elapsed = performance.now() - started;
        if (!decision) {
          const type = errorType(error);
          span.setAttribute('error.type', type);
          span.setStatus({ code: SpanStatusCode.ERROR, message: type });
          assessErrors.add(1, { error: type });
          return;
        }
        if (span.isRecording()) span.setAttributes(decisionAttributes(decision, facts));
        const labels = {
          action: decision.action,
          would_be: decision.wouldBe,
          preset: decision.preset,
          mode: decision.mode,
          history: decision.evidence.history,
          number_intel: decision.evidence.numberIntel,
        };
        decisions.add(1, labels);
        for (const reason of decision.reasons.slice(0, topReasons)) decisionReasons.add(1, { action: decision.action, reason: reason.code });
        assessDuration.record(elapsed, { action: decision.action });
      });
    },

    recordOutcome(run, facts: OutcomeFacts) {
      const span = tracer.startSpan(TELEMETRY_NAMES.outcomeSpan, { attributes: { [`${A}preset`]: facts.preset, [`${A}policy_version`]: facts.policyVersion } });
      return within(span, run, facts, (result: OutcomeResult | undefined, error) => {
        const checks = facts.checks ? [...facts.checks].sort().join(',') : 'unknown';
        if (facts.checks) span.setAttribute(`${A}step_up.checks`, facts.checks);
        if (facts.passed !== undefined) span.setAttribute(`${A}step_up.passed`, facts.passed);
        if (result) {
          span.setAttributes({ [`${A}action`]: result.action, [`${A}step_up.satisfied`]: result.satisfied });
          if (result.advice)
            span.setAttributes({ [`${A}advice.new_holder`]: result.advice.newHolder, [`${A}advice.previous_holder`]: result.advice.previousHolder });
          stepUpOutcomes.add(1, { result: result.action, checks });
          return;
        }
        const rejection = (error as { reason?: unknown } | null)?.reason;
        const type = errorType(error);
        if (typeof rejection === 'string' && /^[A-Z_]{1,32}$/.test(rejection)) {
          // Refused (replayed, late, foreign, store down): the host's answer, not our failure.
          span.setAttribute(`${A}step_up.rejected`, rejection);
          stepUpOutcomes.add(1, { result: 'rejected', checks, rejection });
        } else {
          span.setAttribute('error.type', type);
          span.setStatus({ code: SpanStatusCode.ERROR, message: type });
          stepUpOutcomes.add(1, { result: 'invalid', checks });
        }
      });
    },

    providerCall(call: ProviderCall) {
      const labels = { provider: call.provider, outcome: call.outcome };
      providerCalls.add(1, { ...labels, failed: call.failed });
      if (call.failed) providerErrors.add(1, labels);
      if (call.outcome !== 'circuit_open') providerDuration.record(call.latencyMs, labels);
    },
  };
}

export type { AssessFacts, GuardTelemetry, OutcomeFacts, ProviderCall };
