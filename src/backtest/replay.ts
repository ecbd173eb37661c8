/**
 * Replays logged attempts through a real guard, in time order, as if it had run then: the guard's
 * clock is the event time, history lives in a memory store that expires on that clock, carrier
 * answers come from the event's own ground truth (simulator output) through a real provider, and a
 * step-up is completed the way the actor would have completed it (`label.passesStepUp`), so the
 * guard learns exactly what it would have learned in production.
 */
import type { Thresholds } from '../core/policy.js';
import type { Weights } from '../core/weights.js';
import { createGuard, type Guard } from '../guard/create-guard.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { memoryStore } from '../persist/memory-store.js';
import { simCarrier, type SimCarrier } from '../simulate/carrier.js';
import type { EvidenceSignal } from '../simulate/config.js';
import { attemptOf, type EventLabel, type NumberTruth } from '../simulate/events.js';
import type { AttemptInput, Decision, GeoLookup, PresetName, StepUpCheck } from '../types.js';

/** One input line after parsing: the attempt, plus ground truth when the file has it. */
export interface ReplayEvent extends AttemptInput {
  at: string | number;
  label?: EventLabel;
  number?: NumberTruth;
  warmup?: boolean;
}

export interface ReplayOptions {
  preset: PresetName;
  /** `undefined`: the guard's default geolocation; `false`: off. */
  geo: GeoLookup | false | undefined;
  /** `truth`: the simulated carrier answers from `event.number`; `none`: no carrier evidence. */
  intel: 'truth' | 'none';
  /** Answer every number as if its carrier offered this (ablations). */
  signal?: EvidenceSignal;
  /** P17 sweeps: evidence shares per number instead of the event's own signal. */
  shares?: { exact: number; coarse: number; missing: number };
  weights?: Partial<Weights>;
  /** Threshold sweeps: the login step-up / deny lines instead of the preset's. */
  thresholds?: Partial<Thresholds>;
  /** The step-up checks the simulated host can run (default: the guard's, `password`). */
  checks?: StepUpCheck[];
  /** Ablations: strip user agent, Client Hints and token / only the token. */
  stripDevice?: boolean;
  stripToken?: boolean;
  /** Complete step-ups with `label.passesStepUp` (default true). */
  replayOutcomes?: boolean;
  /** Accounts kept in the memory store (least recently used evicted beyond). */
  maxAccounts?: number;
}

export interface Replayer {
  readonly guard: Guard;
  /** Latest event time seen: the guard's clock. */
  readonly now: number;
  assess(event: ReplayEvent): Promise<Decision>;
}

export class ReplayInputError extends Error {}

export function eventTime(event: { at?: unknown }): number {
  const at = event.at;
  const ms = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : NaN;
  if (!Number.isFinite(ms)) throw new ReplayInputError('every line needs "at" (ISO-8601 or epoch ms): a backtest replays history in event time');
  return ms;
}

export function createReplayer(options: ReplayOptions): Replayer {
  let now = 0;
  const clock = () => now;
  const carrier: SimCarrier | undefined = options.intel === 'truth' ? simCarrier({ clock, ...(options.signal ? { signal: options.signal } : {}), ...(options.shares ? { shares: options.shares } : {}) }) : undefined;
  const guard = createGuard({
    preset: options.preset,
    clock,
    store: memoryStore({ now: clock, maxAccounts: options.maxAccounts ?? 1_000_000, maxNumbers: options.maxAccounts ?? 1_000_000 }),
    ...(options.geo === undefined ? {} : { geo: options.geo }),
    ...(carrier ? { numberIntel: carrier } : {}),
    ...(options.weights ? { weights: options.weights } : {}),
    ...(options.thresholds ? { thresholds: options.thresholds } : {}),
    ...(options.checks ? { checks: options.checks } : {}),
  });
  const replayOutcomes = options.replayOutcomes ?? true;

  return {
    guard,
    get now() {
      return now;
    },
    async assess(event) {
      const at = eventTime(event);
      // Out-of-order lines keep the clock where it is: time never runs backwards for the store.
      if (at > now) now = at;
      const attempt = attemptOf(event);
      if (options.stripDevice) {
        delete attempt.userAgent;
        delete attempt.clientHints;
        delete attempt.deviceId;
      } else if (options.stripToken) {
        delete attempt.deviceId;
      }
      carrier?.use(normalizedPhone(event.phone), event.number);
      const decision = await guard.assess(attempt);
      if (replayOutcomes && decision.wouldBe === 'step_up' && decision.stepUp && event.label?.passesStepUp !== undefined) {
        await guard.recordOutcome(decision.id, { checks: decision.stepUp.anyOf[0]!, passed: event.label.passesStepUp, at });
      }
      return decision;
    },
  };
}

/** The provider is asked with the E.164 form; simulator numbers already are. */
function normalizedPhone(phone: string): string {
  return phone.replace(/[\s().-]/g, '');
}

export { InvalidInputError };
