/**
 * Replays logged attempts in time order, deciding each as the guard would have decided it then:
 * the clock is the event time, history lives in a memory store that expires on that clock,
 * carrier answers come from a provider the caller hands in (evidence.ts: the simulator's answers
 * from each event's ground truth, or a host's own), and a step-up is
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
import {
  conclude,
  outcomeWrite,
  placeOf,
  protectionAfterDecision,
  protectionAfterOutcome,
  protectionEvidence,
  protectionLiftedByOutcome,
  type Place,
} from '../guard/conclude.js';
import { resolveOptions } from '../guard/options.js';
import { createHasher } from '../persist/keys.js';
import { memoryStore, type MemoryStore } from '../persist/memory-store.js';
import type { StoreKeys, StoreSnapshot } from '../persist/types.js';
import type { InputIssue } from '../errors/invalid-input-error.js';
import { normalizeAttempt, toEpochMs } from '../validate/attempt.js';
import type { AttemptInput, Decision, DeviceFacts, GeoLookup, NormalizedAttempt, NumberIntelProvider, PresetName, StepUpCheck } from '../types/index.js';
import type { InProcessIntel } from '../evidence/number-intel/runner.js';
import { ReplayInputError } from '../errors/replay-input-error.js';

/**
 * A carrier for replays: the `NumberIntelProvider` a host's own carrier integration implements,
 * which also answers synchronously (a replay has no time budget to spend on a promise per event).
 */
export interface ReplayNumberIntel extends NumberIntelProvider, InProcessIntel {
  /** Called with each valid event, and its phone as the guard asks about it (E.164), just before it is decided. */
  observe?(event: ReplayEvent, phone: string): void;
}

/** What a line may say about who logged in: read by the summary, and `passesStepUp` by the replay. */
export interface ReplayLabel {
  isTakeover: boolean;
  scenario?: string;
  actor?: string;
  /**
   * Would this actor pass a knowledge check the guard asks for (password, previous password, email,
   * known address)? Replayed as the step-up's outcome; also the answer for every check when
   * `passesIdentityCheck` is absent (logs that record one outcome per step-up).
   */
  passesStepUp?: boolean;
  /** Would this actor pass a check of the account holder's identity (ID match, face, trusted device)? */
  passesIdentityCheck?: boolean;
  strategy?: string;
  frequency?: string;
}

/** Checks answered by `passesIdentityCheck`; the others by `passesStepUp`. */
const IDENTITY_CHECKS: ReadonlySet<StepUpCheck> = new Set<StepUpCheck>(['id_match', 'face', 'trusted_device']);

/**
 * Which of the offered step-up options this actor completes, if any: the first (least friction)
 * set whose every check they pass. An attacker picks the set his leaked password or forged document
 * gets through; an owner the first they can do. `undefined` when the label says nothing.
 */
export function optionPassed(
  label: Pick<ReplayLabel, 'passesStepUp' | 'passesIdentityCheck'> | undefined,
  anyOf: readonly (readonly StepUpCheck[])[],
): { passed: boolean; checks: readonly StepUpCheck[] } | undefined {
  if (!label || label.passesStepUp === undefined || anyOf.length === 0) return undefined;
  const passes = (check: StepUpCheck) =>
    IDENTITY_CHECKS.has(check) && label.passesIdentityCheck !== undefined ? label.passesIdentityCheck : label.passesStepUp!;
  const done = anyOf.find((set) => set.every(passes));
  return done ? { passed: true, checks: done } : { passed: false, checks: anyOf[0]! };
}

/** One input line after parsing: the attempt, plus ground truth when the file has it. */
export interface ReplayEvent extends AttemptInput {
  at: string | number;
  label?: ReplayLabel;
  /** Ground truth about the number, for a carrier that answers from the input (`ReplayNumberIntel.observe`). */
  number?: unknown;
  warmup?: boolean;
}

export interface ReplayOptions {
  preset: PresetName;
  /** `undefined`: the guard's default geolocation; `false`: off. */
  geo: GeoLookup | false | undefined;
  /** The carrier, built on the replay's clock; none: no carrier evidence. */
  numberIntel?: ((clock: () => number) => ReplayNumberIntel) | undefined;
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
    throw new ReplayInputError(
      `every line needs "at" (ISO-8601 or epoch ms): a backtest replays history in event time${issues[0] ? ` (${issues[0].message})` : ''}`,
    );
  }
  return ms;
}

export function createReplayer(options: ReplayOptions): Replayer {
  let now = 0;
  const clock = () => now;
  const carrier = options.numberIntel?.(clock);
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

  function finish(
    event: ReplayEvent,
    at: number,
    attempt: NormalizedAttempt,
    keys: StoreKeys,
    device: DeviceFacts | null,
    snapshot: StoreSnapshot,
    place: Place,
  ): Decision {
    const profile = snapshot.profile;
    const since = intelSince(attempt.phoneBoundAt, profile?.strongProofAt);
    const carrierAnswers = carrierEvidenceInProcess(
      { ttl: settings.intelCacheTtl, now, accountScope: () => hasher.token(`account:${attempt.accountId}`) },
      snapshot.intel,
      { phone: attempt.phoneE164, since, accountId: attempt.accountId },
      providers,
    );
    const { decision, write } = conclude(
      settings,
      attempt,
      {
        keys,
        phoneAliases: [],
        device,
        snapshot,
        profile,
        place,
        since,
        carrier: carrierAnswers,
        numberEvents: snapshot.numberEvents,
        ...protectionEvidence(snapshot, true),
      },
      now,
    );
    // The protections the guard sets by itself, as assess and recordOutcome set them.
    const protectNow = protectionAfterDecision(settings, attempt, decision, snapshot.protection != null);
    if (protectNow) store.sync.protect(attempt.accountId, { since: now, reason: protectNow, by: 'carrier' });
    // A step-up is completed below, from the label, not kept pending for an outcome that never comes.
    const pending = write.pending;
    write.pending = undefined;
    if (write.patch || write.intel) store.sync.write(write, settings.limits);
    const done = pending ? optionPassed(event.label, pending.anyOf as StepUpCheck[][]) : undefined;
    if (replayOutcomes && pending && done) {
      // As `recordOutcome(id, { checks, passed, at })` would, within the window: the option the actor
      // gets through, or the first one failed.
      const { satisfied, write: learned } = outcomeWrite(pending, new Set(done.checks), done.passed, at);
      if (learned) store.sync.write(learned, settings.limits);
      if (protectionAfterOutcome(settings, pending, done.passed, satisfied))
        store.sync.protect(pending.accountId, { since: now, reason: 'failed_step_up', by: 'guard' });
      if (protectionLiftedByOutcome(settings, pending, new Set(done.checks), satisfied)) store.sync.unprotect(pending.accountId);
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
      carrier?.observe?.(event, normalizedPhone(event.phone));
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

/** The attempt part of an event: what a host would send (ground truth stripped). */
export function attemptOf(event: AttemptInput): AttemptInput {
  const attempt: AttemptInput = { accountId: event.accountId, phone: event.phone, phoneBoundAt: event.phoneBoundAt, ip: event.ip };
  if (event.userAgent !== undefined) attempt.userAgent = event.userAgent;
  if (event.clientHints !== undefined) attempt.clientHints = event.clientHints;
  if (event.deviceId !== undefined) attempt.deviceId = event.deviceId;
  if (event.action !== undefined) attempt.action = event.action;
  if (event.verified !== undefined) attempt.verified = event.verified;
  if (event.at !== undefined) attempt.at = event.at;
  if (event.lastSeenAt !== undefined) attempt.lastSeenAt = event.lastSeenAt;
  if (event.defaultCountry !== undefined) attempt.defaultCountry = event.defaultCountry;
  return attempt;
}

/** The provider is asked with the E.164 form; simulator numbers already are. */
function normalizedPhone(phone: string): string {
  return phone.replace(/[\s().-]/g, '');
}

export { InvalidInputError };

export { ReplayInputError };
