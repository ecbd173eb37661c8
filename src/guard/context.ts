/**
 * What every guard operation shares: the resolved options, the store, the hasher, the carrier
 * runner, and the I/O helpers that keep a failing store, audit sink or listener from failing a
 * login. `createGuard` builds one context and hands it to `assess`, `recordOutcome` and the
 * number checks.
 */
import type { AuditEntry } from '../audit/index.js';
import { createIntelRunner, type IntelRunner } from '../evidence/number-intel/runner.js';
import { createHasher, type Hasher } from '../persist/keys.js';
import { memoryStore } from '../persist/memory-store.js';
import type { Store, StoreKeys, StoreSnapshot, StoreWrite } from '../persist/types.js';
import type { Decision, ErrorStage } from '../types/index.js';
import type { ProviderCall } from '../types/index.js';
import { isoTime } from '../util/iso-time.js';
import { withinDeadline, type Deadline } from '../util/deadline.js';
import { createGeoState, type GeoState } from './geo-state.js';
import { resolveOptions, type GuardOptions, type ResolvedOptions } from './options.js';

export interface GuardContext {
  readonly options: GuardOptions;
  readonly resolved: ResolvedOptions;
  readonly store: Store;
  readonly hasher: Hasher;
  /** One runner per guard: circuit breakers and single-flight span every assess, check and sweep. */
  readonly intelRunner: IntelRunner;
  readonly geo: GeoState;
  /** Carrier answers that could not be had go to `onError` only when one is set (an Error costs a stack capture). */
  readonly intelReport: { report?: (error: unknown, stage: ErrorStage) => void };
  report(error: unknown, stage: ErrorStage): void;
  /** The budget's abort signal, for stores across a network only. */
  signalFor(deadline: Deadline): AbortSignal | undefined;
  readHistory(keys: StoreKeys, deadline: Deadline): Promise<{ snapshot: StoreSnapshot | null; error?: string }>;
  /** Saves what an assessment or outcome learned; false when the store failed (reported, never thrown). */
  save(write: StoreWrite, deadline: Deadline): Promise<boolean>;
  /** Audit failures are reported, never allowed to fail or delay a login beyond the budget. */
  audit(entry: AuditEntry, deadline: Deadline): Promise<void>;
  notify(decision: Decision): Promise<void>;
  decisionEntry(decision: Decision, phoneHash: string): AuditEntry;
  /** The audit record of a fail-closed decision still names the number, unless hashing is what failed. */
  safePhoneHash(e164: string): string;
}

export function createGuardContext(options: GuardOptions): GuardContext {
  const resolved = resolveOptions(options);
  const { clock, limits } = resolved;
  const store = options.store ?? memoryStore();
  const hasher = createHasher(resolved.hashKeys);
  const report = (error: unknown, stage: ErrorStage) => {
    try {
      options.onError?.(error, stage);
    } catch {
      // A failing logger must not fail a login decision.
    }
  };
  const intelRunner = createIntelRunner(resolved.providers, {
    breaker: resolved.intelBreaker,
    onBreaker: (event) => report(new Error(`${event.provider}: circuit ${event.state}${event.why ? ` (${event.why})` : ''}`), 'number_intel'),
    ...(options.telemetry ? { onCall: (call: ProviderCall) => options.telemetry!.providerCall(call) } : {}),
  });
  // Only stores across a network can use an abort signal; creating one costs more than an in-process read.
  const signalFor = (deadline: Deadline) => (store.capabilities.shared ? deadline.signal : undefined);

  return {
    options,
    resolved,
    store,
    hasher,
    intelRunner,
    geo: createGeoState(options.geo, report),
    intelReport: options.onError ? { report } : {},
    report,
    signalFor,

    async readHistory(keys, deadline) {
      try {
        const snapshot = await withinDeadline(store.read(keys, signalFor(deadline)), deadline, `${store.name} store`);
        return { snapshot };
      } catch (error) {
        report(error, 'store_read');
        return { snapshot: null, error: error instanceof Error ? error.message : String(error) };
      }
    },

    async save(write, deadline) {
      if (!write.patch && !write.pending && !write.intel) return true;
      try {
        await withinDeadline(store.write(write, limits, signalFor(deadline)), deadline, `${store.name} store write`);
        return true;
      } catch (error) {
        report(error, 'store_write');
        return false;
      }
    },

    async audit(entry, deadline) {
      if (!options.audit) return;
      try {
        await withinDeadline(options.audit.append(entry), deadline, `${options.audit.name} audit sink`);
      } catch (error) {
        report(error, 'audit');
      }
    },

    async notify(decision) {
      if (!options.onDecision) return;
      try {
        await options.onDecision(decision);
      } catch (error) {
        report(error, 'on_decision');
      }
    },

    decisionEntry(decision, phoneHash) {
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
    },

    safePhoneHash(e164) {
      try {
        return hasher.phone(e164);
      } catch {
        return '';
      }
    },
  };
}
