import { lazySchema } from '../util/lazy-deps.js';
import type { AuditEntry } from '../audit/index.js';
import { NUMBER_CHANGED_HANDS_ADVICE } from '../core/decide.js';
import { intelSince } from '../core/evaluate.js';
import type { Policy } from '../core/policy.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { GeoNotReadyError } from '../errors/geo-not-ready-error.js';
import { OutcomeRejectedError } from '../errors/outcome-rejected-error.js';
import { parseDevice } from '../evidence/device/parse-device.js';
import { geoipLiteLookup } from '../evidence/geo/geoip-lite.js';
import { carrierEvidence, createIntelRunner } from '../evidence/number-intel/gather.js';
import type { NumberEventSource } from '../evidence/number-intel/ingest/index.js';
import type { BindingInput } from '../evidence/number-intel/judge.js';
import { createHasher, rekeyDevice } from '../persist/keys.js';
import { memoryStore } from '../persist/memory-store.js';
import type { PendingDecision, Store, StoreKeys, StoreSnapshot, StoreWrite } from '../persist/types.js';
import {
  STEP_UP_CHECKS,
  type AttemptInput,
  type Decision,
  type DecisionAction,
  type GeoLookup,
  type NormalizedAttempt,
  type OutcomeResult,
  type StepUpCheck,
  type StepUpOutcome,
} from '../types.js';
import { normalizeAttempt, toEpochMs, zodIssues } from '../validate/attempt.js';
import { isoTime } from '../util/iso-time.js';
import { conclude, newDecision, outcomeWrite, placeOf, type Place } from './conclude.js';
import { startDeadline, withinDeadline, type Deadline } from './deadline.js';
import { readUnderRetiredKeys } from './retired-keys.js';
import { ingestNumberEvents, type IngestOptions, type IngestResult } from './ingest.js';
import { createRecipientCheck, type RecipientCheckInput, type RecipientDecision } from './recipient.js';
import { createSweep, type SweepOptions, type SweepRun } from './sweep.js';
import { resolveOptions, type ErrorStage, type GuardOptions, type ResolvedOptions } from './options.js';

/** Clock skew tolerated for an outcome's `at`, as for an attempt's: a far-future time would age out the whole profile. */
const MAX_OUTCOME_FUTURE_MS = 24 * 3_600_000;

export interface Guard {
  /**
   * Loads what the first assessment would otherwise load: the geolocation data, the phone and
   * user-agent parsers, the input schemas. Await it at start-up; rejects when the geolocation data
   * cannot be loaded. Without it nothing fails: attempts that arrive before the geolocation data
   * has loaded are decided without a location (reason `geo_unavailable`).
   */
  ready(): Promise<void>;
  readonly policy: Policy;
  readonly store: Store;
  readonly mode: ResolvedOptions['mode'];
  /** Score one SMS login. Throws only `InvalidInputError`; every other failure degrades the evidence. */
  assess(input: AttemptInput): Promise<Decision>;
  /** Report the result of the step-up a decision asked for. Single use, own account only, before expiry. */
  recordOutcome(decisionId: string, outcome: StepUpOutcome): Promise<OutcomeResult>;
  /** Before a sensitive SMS (login link, debt notice, account notice): may it go to this bound number? */
  checkRecipient(input: RecipientCheckInput): Promise<RecipientDecision>;
  /** Nightly hygiene: the bindings whose number changed hands, with the evidence. */
  sweep(bindings: AsyncIterable<BindingInput> | Iterable<BindingInput>, options?: SweepOptions): SweepRun;
  /** Store reissue / deactivation events (CSV or JSONL file or stream, or records), hashed. */
  ingestNumberEvents(source: NumberEventSource, options?: IngestOptions): Promise<IngestResult>;
}

const outcomeSchema = lazySchema((z) =>
  z
  .object({
    check: z.enum(STEP_UP_CHECKS as [string, ...string[]]).optional(),
    checks: z.array(z.enum(STEP_UP_CHECKS as [string, ...string[]])).min(1).max(STEP_UP_CHECKS.length).optional(),
    passed: z.boolean(),
    accountId: z.string().min(1).max(256).optional(),
    at: z.union([z.string().max(64), z.date(), z.number()]).optional(),
  })
  .refine((value) => value.check !== undefined || value.checks !== undefined, { message: 'name the check (or checks) that ran', path: ['check'] }),
);

/** What `ready()` passes through validation and device parsing (a documentation number and address). */
const warmUpAttempt = (now: number): AttemptInput => ({
  accountId: 'warm-up',
  phone: '+14155552671',
  phoneBoundAt: new Date(now - 365 * 86_400_000).toISOString(),
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  clientHints: { 'sec-ch-ua-model': '"Pixel 8"', 'sec-ch-ua-platform': '"Android"' },
  deviceId: 'warm-up-device',
});

export function createGuard(options: GuardOptions = {}): Guard {
  const resolved = resolveOptions(options);
  const { policy, clock, limits } = resolved;
  const store = options.store ?? memoryStore();
  const geo: GeoLookup | null = options.geo === false ? null : (options.geo ?? geoipLiteLookup());
  const hasher = createHasher(resolved.hashKeys);
  const report = (error: unknown, stage: ErrorStage) => {
    try {
      options.onError?.(error, stage);
    } catch {
      // A failing logger must not fail a login decision.
    }
  };
  // One runner per guard: circuit breakers and single-flight span every assess, check and sweep.
  const intelRunner = createIntelRunner(resolved.providers, {
    breaker: resolved.intelBreaker,
    onBreaker: (event) => report(new Error(`${event.provider}: circuit ${event.state}${event.why ? ` (${event.why})` : ''}`), 'number_intel'),
  });

  // Carrier answers that could not be had are reported only to a listener: the Error costs a stack capture.
  const intelReport = options.onError ? { report } : {};
  // Only stores across a network can use an abort signal; creating one costs more than an in-process read.
  const signalFor = (deadline: Deadline) => (store.capabilities.shared ? deadline.signal : undefined);

  async function readHistory(keys: StoreKeys, deadline: Deadline): Promise<{ snapshot: StoreSnapshot | null; error?: string }> {
    try {
      const snapshot = await withinDeadline(store.read(keys, signalFor(deadline)), deadline, `${store.name} store`);
      return { snapshot };
    } catch (error) {
      report(error, 'store_read');
      return { snapshot: null, error: error instanceof Error ? error.message : String(error) };
    }
  }

  // Geolocation with data to load (geo.ready) is never waited for inside an attempt: until it has
  // loaded, attempts are decided without it, and the load starts after an attempt is decided.
  let geoLoaded = !geo?.ready;
  let geoLoading: Promise<void> | undefined;
  let geoFailure: GeoNotReadyError | undefined;
  const loadGeo = (): Promise<void> =>
    (geoLoading ??= Promise.resolve()
      .then(() => geo!.ready!())
      .then(
        () => {
          geoLoaded = true;
        },
        (error: unknown) => {
          geoFailure = new GeoNotReadyError(geo!.name, error);
          throw error;
        },
      ));
  const loadGeoLater = () => {
    if (geoLoading) return;
    // After the caller has its decision; unref: a short script may end without it.
    setTimeout(() => loadGeo().catch((error: unknown) => report(error, 'geo')), 0).unref?.();
  };

  async function locate(ip: string, deadline: Deadline): Promise<Place> {
    if (!geo) return { status: 'not_configured', result: null };
    if (!geoLoaded) {
      const why = geoFailure ?? new GeoNotReadyError(geo.name);
      report(why, 'geo');
      return { status: 'unavailable', result: null, error: why.message };
    }
    try {
      const hit = geo.lookup(ip);
      return placeOf(hit instanceof Promise ? await withinDeadline(hit, deadline, `${geo.name} geolocation`) : hit, geo);
    } catch (error) {
      report(error, 'geo');
      return { status: 'unavailable', result: null, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Carrier answers and ingested events stored under retired hashes of this number. */
  async function readRetired(current: StoreSnapshot, aliases: string[], attempt: NormalizedAttempt, deadline: Deadline) {
    const joined = await readUnderRetiredKeys(store, current, attempt.accountId, aliases, deadline, report);
    if (joined && joined.migrate.length > 0) {
      // Copy the events to the current hash so they outlive the retired key.
      store.addNumberEvents(hasher.phone(attempt.phoneE164), joined.migrate).catch((error: unknown) => report(error, 'store_write'));
    }
    return joined;
  }

  async function save(write: StoreWrite, deadline: Deadline): Promise<boolean> {
    if (!write.patch && !write.pending && !write.intel) return true;
    try {
      await withinDeadline(store.write(write, limits, signalFor(deadline)), deadline, `${store.name} store write`);
      return true;
    } catch (error) {
      report(error, 'store_write');
      return false;
    }
  }

  async function assess(input: AttemptInput): Promise<Decision> {
    const now = clock();
    const attempt = normalizeAttempt(input, now, resolved.defaultCountry);
    const total = startDeadline(resolved.budgetMs);
    // Evidence may use three quarters of the budget; the rest is kept for saving what was learned.
    const evidenceDeadline = startDeadline(Math.max(1, Math.floor(resolved.budgetMs * 0.75)));
    try {
      return await assessValid(attempt, now, evidenceDeadline, total);
    } catch (error) {
      // A bug of ours must not sign anybody in, nor crash the host's request.
      report(error, 'internal');
      const decision = failClosed(attempt, error);
      await audit(decisionEntry(decision, safePhoneHash(attempt.phoneE164)), total);
      return decision;
    } finally {
      evidenceDeadline.done();
      total.done();
      if (!geoLoaded) loadGeoLater();
    }
  }

  /**
   * Loads what the first assessment would otherwise load, then runs the whole assessment path once
   * on a throwaway guard (its own memory store; no carrier, audit or callbacks), so the first real
   * attempt meets loaded parsers and compiled code.
   */
  let warmedUp: Promise<void> | undefined;
  async function ready(): Promise<void> {
    if (geo && !geoLoaded) await loadGeo();
    warmedUp ??= (async () => {
      const scratch = createGuard({ ...options, store: memoryStore(), numberIntel: [], geo: geo ?? false, audit: undefined, onDecision: undefined, onError: undefined });
      await scratch.assess(warmUpAttempt(clock()));
      outcomeSchema();
    })();
    await warmedUp;
  }

  async function assessValid(attempt: NormalizedAttempt, now: number, evidenceDeadline: Deadline, total: Deadline): Promise<Decision> {
    const phoneHash = hasher.phone(attempt.phoneE164);
    const keys: StoreKeys = { account: attempt.accountId, phone: phoneHash };
    const device = parseDevice(attempt.userAgent, attempt.clientHints, attempt.deviceId, hasher.token);

    const [history, place] = await Promise.all([readHistory(keys, evidenceDeadline), locate(attempt.ip, evidenceDeadline)]);
    // Key rotation (hashKey: [current, ...retired]): history under the retired keys is this number's.
    const phoneAliases = hasher.phoneAliases(attempt.phoneE164);
    const rotation = phoneAliases.length > 0 && history.snapshot ? await readRetired(history.snapshot, phoneAliases, attempt, evidenceDeadline) : undefined;
    const rekeyed = device?.fromToken && attempt.deviceId ? rekeyDevice(history.snapshot?.profile ?? null, device.key, hasher.tokenAliases(attempt.deviceId).map((alias) => `t:${alias}`)) : undefined;
    const profile = rekeyed ? rekeyed.profile : (history.snapshot?.profile ?? null);
    const since = intelSince(attempt.phoneBoundAt, profile?.strongProofAt);

    const carrier = await carrierEvidence(
      { runner: intelRunner, ttl: resolved.intelCacheTtl, now, accountScope: () => hasher.token(`account:${attempt.accountId}`), ...intelReport },
      rotation?.intel ?? history.snapshot?.intel ?? null,
      { phone: attempt.phoneE164, since, accountId: attempt.accountId },
      { deadline: evidenceDeadline },
    );

    const { decision, write } = conclude(
      resolved,
      attempt,
      {
        keys,
        phoneAliases,
        device,
        snapshot: history.snapshot,
        ...(history.error ? { historyError: history.error } : {}),
        profile,
        ...(rekeyed?.carried ? { carriedDevice: rekeyed.carried } : {}),
        place,
        since,
        carrier,
        numberEvents: rotation?.numberEvents ?? history.snapshot?.numberEvents ?? [],
      },
      clock(),
    );
    decision.persisted = await save(write, total);
    await audit(decisionEntry(decision, phoneHash), total);
    await notify(decision);
    return decision;
  }

  function failClosed(attempt: NormalizedAttempt, error: unknown): Decision {
    const strong = resolved.checks.filter((check) => policy.checkStrength[check] >= policy.requiredStrength.high);
    const wouldBe: DecisionAction = strong.length > 0 ? 'step_up' : 'deny';
    // Without a pending record the step-up cannot be completed through recordOutcome, so the
    // host's step-up cannot turn into an allow here; a fresh attempt gets a fresh decision.
    return newDecision(
      resolved,
      attempt,
      wouldBe,
      {
        risk: policy.prior,
        prior: policy.prior,
        reasons: [
          {
            code: 'fail_mode_applied',
            effect: 0,
            message: `internal error while assessing (${error instanceof Error ? error.message : String(error)}): failing closed`,
          },
        ],
        numberChangedHands: 'unknown',
        advice: { newHolder: 'none', previousHolder: 'none', steps: [] },
        evidence: { history: 'unavailable', geo: 'unavailable', device: 'unavailable', numberIntel: 'unavailable', intelSources: [] },
        persisted: false,
      },
      wouldBe === 'step_up' ? strong.map((check) => [check]) : undefined,
      clock(),
    );
  }

  function decisionEntry(decision: Decision, phoneHash: string): AuditEntry {
    return {
      kind: 'decision',
      at: isoTime(clock()),
      decisionId: decision.id,
      accountId: decision.accountId,
      phoneHash,
      action: decision.action,
      wouldBe: decision.wouldBe,
      risk: decision.risk,
      numberChangedHands: decision.numberChangedHands,
      reasons: decision.reasons.map(({ code, effect, message }) => ({ code, effect, message })),
      evidenceSources: decision.evidence.intelSources,
      preset: decision.preset,
      policyVersion: decision.policyVersion,
      mode: decision.mode,
    };
  }

  /** The audit record of a fail-closed decision still names the number, unless hashing is what failed. */
  function safePhoneHash(e164: string): string {
    try {
      return hasher.phone(e164);
    } catch {
      return '';
    }
  }

  /** Audit failures are reported, never allowed to fail or delay a login beyond the budget. */
  async function audit(entry: AuditEntry, deadline: Deadline): Promise<void> {
    if (!options.audit) return;
    try {
      await withinDeadline(options.audit.append(entry), deadline, `${options.audit.name} audit sink`);
    } catch (error) {
      report(error, 'audit');
    }
  }

  async function notify(decision: Decision): Promise<void> {
    if (!options.onDecision) return;
    try {
      await options.onDecision(decision);
    } catch (error) {
      report(error, 'on_decision');
    }
  }

  async function recordOutcome(decisionId: string, outcome: StepUpOutcome): Promise<OutcomeResult> {
    if (typeof decisionId !== 'string' || !/^dec_[A-Za-z0-9_-]{22}$/.test(decisionId)) {
      throw new InvalidInputError([{ field: 'decisionId', message: 'not a decision id issued by this library' }]);
    }
    const parsed = outcomeSchema().safeParse(outcome);
    if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error));
    const issues: { field: string; message: string }[] = [];
    const outcomeAt = parsed.data.at === undefined ? clock() : toEpochMs(parsed.data.at, 'at', issues);
    if (outcomeAt === undefined) throw new InvalidInputError(issues);
    if (outcomeAt > clock() + MAX_OUTCOME_FUTURE_MS) throw new InvalidInputError([{ field: 'at', message: 'more than a day in the future' }]);
    const ran = new Set<StepUpCheck>([...(parsed.data.checks ?? []), ...(parsed.data.check ? [parsed.data.check] : [])] as StepUpCheck[]);

    const deadline = startDeadline(resolved.budgetMs);
    let pending: PendingDecision | null = null;
    try {
      try {
        pending = await withinDeadline(store.takePending(decisionId), deadline, `${store.name} store`);
      } catch (error) {
        report(error, 'store_read');
        throw new OutcomeRejectedError('STORE_UNAVAILABLE', decisionId, 'the store could not be reached; treat the step-up as failed', { cause: error });
      }
      if (!pending) throw new OutcomeRejectedError('UNKNOWN_DECISION', decisionId, 'unknown decision, or its outcome was already recorded');
      if (parsed.data.accountId !== undefined && parsed.data.accountId !== pending.accountId) {
        throw new OutcomeRejectedError('ACCOUNT_MISMATCH', decisionId, 'this decision belongs to another account');
      }
      if (clock() > pending.expiresAt) throw new OutcomeRejectedError('EXPIRED', decisionId, 'the step-up window has closed; assess the login again');

      const { satisfied, write } = outcomeWrite(pending, ran, parsed.data.passed, outcomeAt);
      if (write) await save(write, deadline);
      const result: OutcomeResult = { decisionId, accountId: pending.accountId, action: satisfied ? 'allow' : 'deny', satisfied };
      await audit(
        {
          kind: 'outcome',
          at: isoTime(clock()),
          decisionId,
          accountId: pending.accountId,
          phoneHash: pending.onPass.phoneHash,
          action: result.action,
          outcome: { checks: [...ran], passed: parsed.data.passed, satisfied },
        },
        deadline,
      );
      // Failing the owner's check on a number that may have been reissued: most likely its new holder.
      if (!satisfied && pending.reissuePossible) result.advice = NUMBER_CHANGED_HANDS_ADVICE;
      return result;
    } catch (error) {
      if (error instanceof OutcomeRejectedError) {
        // Replayed, forged, foreign or late ids leave a trace: abuse of the feedback path is auditable.
        const known = pending as PendingDecision | null;
        await audit(
          {
            kind: 'outcome',
            at: isoTime(clock()),
            decisionId,
            accountId: known?.accountId ?? parsed.data.accountId ?? '',
            phoneHash: known?.onPass.phoneHash ?? '',
            action: 'deny',
            outcome: { checks: [...ran], passed: parsed.data.passed, satisfied: false, rejected: error.reason },
          },
          deadline,
        );
      }
      throw error;
    } finally {
      deadline.done();
    }
  }

  const numberCheck = {
    store,
    hasher,
    policy,
    runner: intelRunner,
    clock,
    budgetMs: resolved.budgetMs,
    intelCacheTtl: resolved.intelCacheTtl,
    limits,
    defaultCountry: resolved.defaultCountry,
    report,
  };
  const checkRecipient = createRecipientCheck(numberCheck);
  const sweep = createSweep(numberCheck);
  const ingest = (source: NumberEventSource, ingestOptions?: IngestOptions) =>
    ingestNumberEvents({ store, hasher, clock, defaultCountry: resolved.defaultCountry }, source, ingestOptions);

  return { ready, policy, store, mode: resolved.mode, assess, recordOutcome, checkRecipient, sweep, ingestNumberEvents: ingest };
}
