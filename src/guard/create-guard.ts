/**
 * The guard: wires one context (options, store, hasher, carrier runner, geolocation) into the
 * operations a host calls. Each operation lives in its own file: `assess` (assess.ts),
 * `recordOutcome` (outcome.ts), `checkRecipient` and `sweep` (recipient.ts, sweep.ts over
 * number-check.ts), `ingestNumberEvents` (ingest.ts), and for both victims of a recycled number:
 * `protect` / `unprotect` (protect.ts), `freeze` (freeze.ts), `releaseNumber` (release.ts),
 * `ingestUnbindNotice` (unbind.ts), `sweepDormancy` (dormancy.ts).
 */
import type { Policy } from '../core/policy.js';
import type { NumberEventSource } from '../evidence/number-intel/ingest/index.js';
import { memoryStore } from '../persist/memory-store.js';
import type { Store } from '../persist/types.js';
import type { AttemptInput, Decision, OutcomeResult, StepUpOutcome } from '../types/index.js';
import { createAssess } from './assess.js';
import { createGuardContext } from './context.js';
import { ingestNumberEvents, type IngestOptions, type IngestResult } from './ingest.js';
import type { BindingInput } from './number-check.js';
import type { GuardOptions, ResolvedOptions } from './options.js';
import { createRecordOutcome, outcomeSchema } from './outcome.js';
import { createEvidenceFor } from './evidence.js';
import type { EvidenceExport, EvidenceRange } from '../audit/evidence.js';
import { createRecipientCheck, type RecipientCheckInput, type RecipientDecision } from './recipient.js';
import { createSweep, type SweepOptions, type SweepRun } from './sweep.js';
import { createSweepDormancy, type DormancyBatch, type DormancySweepOptions } from './dormancy.js';
import { createFreeze, type FreezeInput, type FreezeResult } from './freeze.js';
import type { CheckProof } from './proof.js';
import {
  createProtect,
  createProtectionOf,
  createUnprotect,
  type ProtectInput,
  type ProtectResult,
  type ProtectionState,
  type UnprotectResult,
} from './protect.js';
import { createReleaseNumber, type ReleaseInput, type ReleaseResult } from './release.js';
import { createIngestUnbindNotice, type UnbindNotice, type UnbindNoticeResult } from './unbind.js';

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
  /** One account's audit records for a dispute, sealed and verifiable alone (docs/evidence.md). Needs a sink that reads back. */
  evidenceFor(accountId: string, range?: EvidenceRange): Promise<EvidenceExport>;
  /**
   * Protect an account: from now on the SMS code alone never enters it (a non-SMS check must, and
   * without one the login is denied). Idempotent; the first protection is kept. Throws
   * `ProtectionUnsupportedError` when the store cannot hold protections, `ProtectionFailedError` when it failed.
   */
  protect(accountId: string, input: ProtectInput): Promise<ProtectResult>;
  /** The account's protection (for the owner's page: "SMS sign-in is off since ..."), or null. */
  protectionOf(accountId: string): Promise<ProtectionState | null>;
  /** Lift a protection; needs a passed non-SMS check at the preset's high strength. Audited. */
  unprotect(accountId: string, proof: CheckProof): Promise<UnprotectResult>;
  /** "I lost my old number": the owner freezes the account with a non-SMS check. Rate-limited per account, audited. */
  freeze(input: FreezeInput): Promise<FreezeResult>;
  /** Free the new holder of a number from stale bindings of it, where the evidence says it changed hands. Never on SMS alone. */
  releaseNumber(input: ReleaseInput): Promise<ReleaseResult>;
  /** Store an unbind / renewal notice ("N has a new subscriber since D") as a carrier-grade reissue event; replays are no-ops. */
  ingestUnbindNotice(notice: UnbindNotice): Promise<UnbindNoticeResult>;
  /** The dormancy rules over the host's bindings, in batches: accounts due for a notice, and due for protection. */
  sweepDormancy(bindings: AsyncIterable<BindingInput> | Iterable<BindingInput>, options?: DormancySweepOptions): AsyncIterable<DormancyBatch>;
}

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
  const context = createGuardContext(options);
  const { resolved, store, hasher, geo } = context;
  const { policy, clock, limits } = resolved;

  /**
   * Loads what the first assessment would otherwise load, then runs the whole assessment path once
   * on a throwaway guard (its own memory store; no carrier, audit or callbacks), so the first real
   * attempt meets loaded parsers and compiled code.
   */
  let warmedUp: Promise<void> | undefined;
  async function ready(): Promise<void> {
    if (geo.lookup && !geo.loaded) await geo.load();
    warmedUp ??= (async () => {
      const scratch = createGuard({
        ...options,
        store: memoryStore(),
        numberIntel: [],
        geo: geo.lookup ?? false,
        audit: undefined,
        onDecision: undefined,
        onError: undefined,
        telemetry: undefined,
      });
      await scratch.assess(warmUpAttempt(clock()));
      outcomeSchema();
    })();
    await warmedUp;
  }

  const numberCheck = {
    store,
    hasher,
    policy,
    runner: context.intelRunner,
    clock,
    budgetMs: resolved.budgetMs,
    intelCacheTtl: resolved.intelCacheTtl,
    limits,
    defaultCountry: resolved.defaultCountry,
    report: context.report,
    locale: resolved.locale,
  };
  const ingest = (source: NumberEventSource, ingestOptions?: IngestOptions) =>
    ingestNumberEvents({ store, hasher, clock, defaultCountry: resolved.defaultCountry }, source, ingestOptions);

  return {
    ready,
    policy,
    store,
    mode: resolved.mode,
    assess: createAssess(context),
    recordOutcome: createRecordOutcome(context),
    checkRecipient: createRecipientCheck(numberCheck),
    sweep: createSweep(numberCheck),
    ingestNumberEvents: ingest,
    evidenceFor: createEvidenceFor(options.audit, clock),
    protect: createProtect(context),
    unprotect: createUnprotect(context),
    protectionOf: createProtectionOf(context),
    freeze: createFreeze(context),
    releaseNumber: createReleaseNumber(context, numberCheck),
    ingestUnbindNotice: createIngestUnbindNotice(context),
    sweepDormancy: createSweepDormancy(context),
  };
}
