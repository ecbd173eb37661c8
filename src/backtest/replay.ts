/**
 * Replays logged attempts in time order, deciding each as the guard would have decided it then:
 * the clock is the event time, history lives in a memory store that expires on that clock,
 * carrier answers come from the event's own ground truth (simulator output), and a step-up is
 * completed the way the actor would have completed it (`label.passesStepUp`, and
 * `label.passesIdentityCheck` for ID, face and device checks), so the replay
 * learns exactly what the guard would have learned in production.
 *
 * It is the guard's pipeline with the live-login machinery left out: validation, hashing, device
 * parsing, the core and the profile merge are the guard's own functions (the decision is made by
 * `conclude`, as in `assess`), but the store, the geolocation and the carrier are in-process and
 * called synchronously, so there is no promise, time budget, abort signal or circuit breaker per
 * event. A test replays simulated logins through both this and `createGuard` and compares them.
 */
import type { Thresholds } from '../core/policy.js';
import type { Weights } from '../core/weights.js';
import { intelSince } from '../core/evaluate.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { parseDevice } from '../evidence/device/parse-device.js';
import { geoipLiteLookup } from '../evidence/geo/geoip-lite.js';
import { carrierEvidenceInProcess } from '../evidence/number-intel/gather.js';
import { conclude, outcomeWrite, placeOf, type Place } from '../guard/conclude.js';
import { resolveOptions } from '../guard/options.js';
import { createHasher } from '../persist/keys.js';
import { memoryStore, type MemoryStore } from '../persist/memory-store.js';
import type { StoreKeys, StoreSnapshot } from '../persist/types.js';
import { simCarrier, type SimCarrier } from '../simulate/carrier.js';
import type { EvidenceSignal } from '../simulate/config.js';
import { attemptOf, optionPassed, type EventLabel, type NumberTruth } from '../simulate/events.js';
import type { InputIssue } from '../errors/invalid-input-error.js';
import { normalizeAttempt, toEpochMs } from '../validate/attempt.js';
import type { AttemptInput, Decision, DeviceFacts, GeoLookup, NormalizedAttempt, PresetName, StepUpCheck } from '../types/index.js';
import { ReplayInputError } from '../errors/replay-input-error.js';

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
  /**
   * Key of the replay's keyed hashes (numbers, device tokens). They never leave the process; a
   * fixed key makes runs repeatable where hashes break ties (which of two equally recent devices a
   * full profile keeps). Default: a key generated for the process, as a guard without `hashKey` has.
   */
  hashKey?: string;
}

export interface Replayer {
  /** The replay's memory store (its history after the events so far). */
  readonly store: MemoryStore;
  /** Latest event time seen: the replay's clock. */
  readonly now: number;
  /**
   * Decide one event and learn from it. Synchronous, except while the geolocation loads (the first
   * lookup of geoip-lite): then a promise. Throws `InvalidInputError` or `ReplayInputError` for a
   * bad event, which leaves the history untouched. `at`: the event's time when the caller has
   * already read it (`eventTime`). `clock`: the latest event time of the whole input up to this
   * event, when this replayer sees only part of it (a shard): the clock then moves as the
   * single-threaded run's would, out-of-order lines included.
   */
  assess(event: ReplayEvent, at?: number, clock?: number): Decision | Promise<Decision>;
}

/** The event's time, read as the guard reads an attempt's `at` (so the replay can hand it over as a number). */
export function eventTime(event: { at?: unknown }): number {
  const at = event.at;
  const issues: InputIssue[] = [];
  const ms = typeof at === 'number' || typeof at === 'string' ? toEpochMs(at, 'at', issues) : undefined;
  if (ms === undefined) {
    throw new ReplayInputError(`every line needs "at" (ISO-8601 or epoch ms): a backtest replays history in event time${issues[0] ? ` (${issues[0].message})` : ''}`);
  }
  return ms;
}

export function createReplayer(options: ReplayOptions): Replayer {
  let now = 0;
  const clock = () => now;
  const carrier: SimCarrier | undefined = options.intel === 'truth' ? simCarrier({ clock, ...(options.signal ? { signal: options.signal } : {}), ...(options.shares ? { shares: options.shares } : {}) }) : undefined;
  const providers = carrier ? [carrier] : [];
  // The guard's own option checks and defaults (an invalid weight fails here as it would there).
  const settings = resolveOptions({
    preset: options.preset,
    clock,
    ...(options.weights ? { weights: options.weights } : {}),
    ...(options.thresholds ? { thresholds: options.thresholds } : {}),
    ...(options.checks ? { checks: options.checks } : {}),
  });
  const store = memoryStore({ now: clock, maxAccounts: options.maxAccounts ?? 1_000_000, maxNumbers: options.maxAccounts ?? 1_000_000 });
  const geo: GeoLookup | null = options.geo === false ? null : (options.geo ?? geoipLiteLookup());
  // One key for the whole replay, as a guard with a single `hashKey` has: no rotation, no aliases.
  // A replay meets every device token of the file: a cache sized for that spares an HMAC per line.
  const hasher = createHasher(options.hashKey === undefined ? undefined : [options.hashKey], { cacheSize: 1_000_000 });
  const replayOutcomes = options.replayOutcomes ?? true;

  function finish(event: ReplayEvent, at: number, attempt: NormalizedAttempt, keys: StoreKeys, device: DeviceFacts | null, snapshot: StoreSnapshot, place: Place): Decision {
    const profile = snapshot.profile;
    const since = intelSince(attempt.phoneBoundAt, profile?.strongProofAt);
    const carrierAnswers = carrierEvidenceInProcess(
      { ttl: settings.intelCacheTtl, now, accountScope: () => hasher.token(`account:${attempt.accountId}`) },
      snapshot.intel,
      { phone: attempt.phoneE164, since, accountId: attempt.accountId },
      providers,
    );
    const { decision, write } = conclude(settings, attempt, { keys, phoneAliases: [], device, snapshot, profile, place, since, carrier: carrierAnswers, numberEvents: snapshot.numberEvents }, now);
    // A step-up is completed below, from the label, not kept pending for an outcome that never comes.
    const pending = write.pending;
    write.pending = undefined;
    if (write.patch || write.intel) store.sync.write(write, settings.limits);
    const done = pending ? optionPassed(event.label, pending.anyOf as StepUpCheck[][]) : undefined;
    if (replayOutcomes && pending && done) {
      // As `recordOutcome(id, { checks, passed, at })` would, within the window: the option the actor
      // gets through, or the first one failed.
      const learned = outcomeWrite(pending, new Set(done.checks), done.passed, at).write;
      if (learned) store.sync.write(learned, settings.limits);
    }
    return decision;
  }

  return {
    store,
    get now() {
      return now;
    },
    assess(event, at = eventTime(event), clock = at) {
      // Out-of-order lines keep the clock where it is: time never runs backwards for the store.
      if (clock > now) now = clock;
      const input = attemptOf(event);
      // Read once, by the same rules as the guard's: the attempt carries it as a number.
      input.at = at;
      if (options.stripDevice) {
        delete input.userAgent;
        delete input.clientHints;
        delete input.deviceId;
      } else if (options.stripToken) {
        delete input.deviceId;
      }
      const attempt = normalizeAttempt(input, now, settings.defaultCountry);
      carrier?.use(normalizedPhone(event.phone), event.number);
      const keys: StoreKeys = { account: attempt.accountId, phone: hasher.phone(attempt.phoneE164) };
      const device = parseDevice(attempt.userAgent, attempt.clientHints, attempt.deviceId, hasher.token);
      const snapshot = store.sync.read(keys);
      if (!geo) return finish(event, at, attempt, keys, device, snapshot, { status: 'not_configured', result: null });
      const unavailable = (error: unknown): Place => ({ status: 'unavailable', result: null, error: error instanceof Error ? error.message : String(error) });
      let place: Place;
      try {
        const hit = geo.lookup(attempt.ip);
        if (hit instanceof Promise) {
          return hit.then(
            (result) => finish(event, at, attempt, keys, device, snapshot, placeOf(result, geo)),
            (error: unknown) => finish(event, at, attempt, keys, device, snapshot, unavailable(error)),
          );
        }
        place = placeOf(hit, geo);
      } catch (error) {
        place = unavailable(error);
      }
      return finish(event, at, attempt, keys, device, snapshot, place);
    },
  };
}

/** The provider is asked with the E.164 form; simulator numbers already are. */
function normalizedPhone(phone: string): string {
  return phone.replace(/[\s().-]/g, '');
}

export { InvalidInputError };

export { ReplayInputError };
