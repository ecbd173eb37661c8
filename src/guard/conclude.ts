/**
 * From gathered evidence to a decision and what to store: the step between "gather evidence" and
 * "persist", without I/O. The live guard (create-guard.ts) and the backtest's replay engine
 * (backtest/replay.ts) both come through here, so a replay decides exactly as the guard would.
 */
import { evaluate, type CoreResult } from '../core/evaluate.js';
import type { LoginInput, Subject } from '../core/signals/index.js';
import type { CarrierEvidence } from '../evidence/number-intel/gather.js';
import { randomId128 } from '../persist/keys.js';
import type { AccountProfile, DeviceRecord, NumberEvent, PendingDecision, ProtectionReason, StoreKeys, StoreSnapshot, StoreWrite } from '../persist/types.js';
import type {
  Decision,
  DecisionAction,
  StepUpDecision,
  DeviceFacts,
  GeoLookup,
  GeoResult,
  NormalizedAttempt,
  SignalStatus,
  StepUpCheck,
} from '../types/index.js';
import { localizeAdvice, localizeReasons } from '../locale/index.js';
import { isoTime } from '../util/iso-time.js';
import { coreSubject } from './core-input.js';
import { proofMeets } from './proof.js';
import type { ResolvedOptions } from './options.js';

/** How long the store keeps a pending step-up beyond its window, so a late outcome is told EXPIRED, not UNKNOWN. */
export const PENDING_GRACE_MS = 5 * 60_000;

export type Place = { status: SignalStatus; result: GeoResult | null; error?: string };

/** A geolocation answer as the core sees it: a two-letter country, or unavailable with the reason. */
export function placeOf(result: GeoResult | null | undefined, geo: GeoLookup): Place {
  if (!result || typeof result.country !== 'string' || !/^[A-Z]{2}$/.test(result.country)) {
    return { status: 'unavailable', result: null, error: result ? 'malformed location' : `${geo.name} has no location for this address` };
  }
  return { status: 'ok', result };
}

export interface GatheredEvidence {
  keys: StoreKeys;
  /** The number's hashes under retired keys (empty without key rotation). */
  phoneAliases: string[];
  device: DeviceFacts | null;
  /** `null`: the store could not be read (`historyError` says why). */
  snapshot: StoreSnapshot | null;
  historyError?: string;
  /** The profile as scored (a device re-keyed after a token-key rotation). */
  profile: AccountProfile | null;
  /** The device record carried over from a retired token key, if any. */
  carriedDevice?: DeviceRecord;
  place: Place;
  since: number;
  carrier: CarrierEvidence;
  numberEvents: NumberEvent[];
  /** The account's protection (absent: not protected, or the store cannot hold one). */
  protection?: Subject['protection'];
}

export interface Conclusion {
  decision: Decision;
  result: CoreResult;
  /** What the store should learn: the profile patch on allow, the pending step-up, fresh carrier answers. */
  write: StoreWrite;
}

type DecisionSettings = Pick<ResolvedOptions, 'policy' | 'mode' | 'checks' | 'stepUpTtlMs'> & Partial<Pick<ResolvedOptions, 'locale'>>;

export function conclude(settings: DecisionSettings, attempt: NormalizedAttempt, evidence: GatheredEvidence, now: number): Conclusion {
  const { snapshot, profile, phoneAliases, keys } = evidence;
  const coreInput: LoginInput = {
    subject: coreSubject(attempt, {
      phoneHash: keys.phone,
      phoneAliases,
      snapshot,
      ...(evidence.historyError ? { historyError: evidence.historyError } : {}),
      profile,
      carrier: evidence.carrier,
      since: evidence.since,
      numberEvents: evidence.numberEvents,
      ...(evidence.protection ? { protection: evidence.protection } : {}),
    }),
    login: { action: attempt.action, verified: attempt.verified, device: evidence.device, geo: evidence.place },
    policy: settings.policy,
    checks: settings.checks,
  };
  const result = evaluate(coreInput);
  const decision = toDecision(settings, attempt, result, coreInput, now);
  if (phoneAliases.length > 0 || evidence.carriedDevice) {
    // Writes move history to the current key: the patch names the retired hashes, and a device
    // vouched for under a retired key stays vouched.
    for (const patch of [result.learn.onAllow, result.learn.onPass]) {
      if (phoneAliases.length > 0) patch.phoneHashAliases = phoneAliases;
      if (evidence.carriedDevice?.vouched && patch.device) patch.device = { ...patch.device, vouched: true };
    }
  }

  const write: StoreWrite = { keys };
  if (decision.wouldBe === 'allow') write.patch = result.learn.onAllow;
  if (decision.wouldBe === 'step_up' && decision.stepUp) {
    write.pending = {
      decisionId: decision.id,
      accountId: attempt.accountId,
      accountKey: keys.account,
      anyOf: decision.stepUp.anyOf,
      expiresAt: now + settings.stepUpTtlMs,
      ttlMs: settings.stepUpTtlMs + PENDING_GRACE_MS,
      onPass: result.learn.onPass,
      reissuePossible: result.reissuePossible,
      ...(evidence.protection?.state === 'protected' && SELF_LIFTED.has(evidence.protection.reason) ? { liftsProtection: true } : {}),
    };
  }
  if (evidence.carrier.fresh) write.intel = evidence.carrier.fresh;
  return { decision, result, write };
}

function toDecision(settings: DecisionSettings, attempt: NormalizedAttempt, result: CoreResult, input: LoginInput, now: number): Decision {
  return newDecision(
    settings,
    attempt,
    result.action,
    {
      risk: result.risk,
      prior: result.prior,
      reasons: result.reasons,
      numberChangedHands: result.numberChangedHands,
      advice: result.advice,
      evidence: {
        history: input.subject.history.status,
        geo: input.login.geo.status,
        device: input.login.device ? 'ok' : 'unavailable',
        numberIntel: input.subject.intel.status,
        intelSources: input.subject.intel.answers.map((answer) => answer.source),
      },
      persisted: true,
    },
    result.stepUp,
    now,
  );
}

/**
 * Every decision is made here, scored or failed closed: a fresh id, the mode applied (dry run
 * enforces nothing: `action` is allow, `wouldBe` says what enforcing would have done), the policy
 * that decided, and the step-up window from `now`.
 */
export function newDecision(
  settings: DecisionSettings,
  attempt: NormalizedAttempt,
  wouldBe: DecisionAction,
  body: Pick<Decision, 'risk' | 'prior' | 'reasons' | 'numberChangedHands' | 'advice' | 'evidence' | 'persisted'>,
  stepUp: StepUpCheck[][] | undefined,
  now: number,
): Decision {
  const locale = settings.locale ?? 'en';
  // One object literal, in one property order, for every decision: spreading a shared base into
  // three shapes made every later reader polymorphic and cost about a sixth of an assess.
  const decision = {
    id: `dec_${randomId128()}`,
    accountId: attempt.accountId,
    action: settings.mode === 'dry_run' ? 'allow' : wouldBe,
    wouldBe,
    mode: settings.mode,
    risk: body.risk,
    prior: body.prior,
    // The core speaks English; a guard set to another locale renders the same templates in it.
    reasons: locale === 'en' ? body.reasons : localizeReasons(body.reasons, locale),
    numberChangedHands: body.numberChangedHands,
    advice: locale === 'en' ? body.advice : localizeAdvice(body.advice, locale),
    evidence: body.evidence,
    preset: settings.policy.preset,
    policyVersion: settings.policy.version,
    at: isoTime(attempt.at),
    persisted: body.persisted,
  } as Decision;
  if (wouldBe === 'step_up') {
    // A step-up without a way to satisfy it would strand the user: the core always names the checks.
    if (!stepUp || stepUp.length === 0) throw new Error('a step-up decision without any sufficient check');
    (decision as StepUpDecision).stepUp = { anyOf: stepUp, expiresAt: isoTime(now + settings.stepUpTtlMs) };
  }
  return decision;
}

/**
 * What the core hears about protection, from a store read. A store that holds protections but could
 * not be read (or answered without saying) is unreadable: the core then fails closed. A store that
 * cannot hold protections (written before them) has none to report.
 */
export function protectionEvidence(snapshot: StoreSnapshot | null, storeHoldsProtection: boolean): Pick<GatheredEvidence, 'protection'> {
  if (!storeHoldsProtection) return {};
  if (!snapshot || snapshot.protection === undefined) return { protection: { state: 'unreadable' } };
  return snapshot.protection ? { protection: { state: 'protected', ...snapshot.protection } } : {};
}

/**
 * The protections the guard sets by itself (enforce mode only; a dry run protects nobody):
 * after a login with the SMS code that the carrier, an ingested event or a notice says reached a new
 * holder (`carrier_event`), and after a failed step-up where a reissue was possible, when the preset
 * says so (`failed_step_up`). The live guard and the replay engine both ask here.
 */
export function protectionAfterDecision(
  settings: Pick<ResolvedOptions, 'mode'>,
  attempt: NormalizedAttempt,
  decision: Decision,
  alreadyProtected: boolean,
): ProtectionReason | undefined {
  if (settings.mode !== 'enforce' || alreadyProtected) return undefined;
  return decision.numberChangedHands === 'yes' && attempt.verified.includes('sms_otp') ? 'carrier_event' : undefined;
}

/**
 * The protections the guard set by itself, which the owner's own proof ends: a step-up satisfied at
 * the preset's high bar (the bar `unprotect` asks for) shows the owner holds the number and the
 * account again. Without this, an owner whose port the carrier once reported as a new subscriber
 * would be stepped up at every login for ever. What the owner, support, a carrier notice or a
 * release set stays until `unprotect`.
 */
const SELF_LIFTED: ReadonlySet<ProtectionReason> = new Set<ProtectionReason>(['failed_step_up', 'carrier_event', 'dormancy']);

/** Whether a recorded step-up outcome lifts the account's protection (enforce mode only). */
export function protectionLiftedByOutcome(
  settings: Pick<ResolvedOptions, 'mode' | 'policy'>,
  pending: PendingDecision,
  ran: ReadonlySet<StepUpCheck>,
  satisfied: boolean,
): boolean {
  if (settings.mode !== 'enforce' || !satisfied || pending.liftsProtection !== true) return false;
  return proofMeets(settings.policy, [...ran], settings.policy.requiredStrength.high).meets;
}

export function protectionAfterOutcome(
  settings: Pick<ResolvedOptions, 'mode' | 'policy'>,
  pending: PendingDecision,
  passed: boolean,
  satisfied: boolean,
): ProtectionReason | undefined {
  if (settings.mode !== 'enforce' || satisfied || passed || !pending.reissuePossible || !settings.policy.protectOnFailedStepUp) return undefined;
  return 'failed_step_up';
}

/**
 * What a step-up outcome teaches: a satisfied step-up applies the decision's `onPass` patch (the
 * device becomes vouched for); a failed one is remembered as a failed step-up; a passed check that
 * was not one of those asked for changes nothing.
 */
export function outcomeWrite(
  pending: PendingDecision,
  ran: ReadonlySet<StepUpCheck>,
  passed: boolean,
  outcomeAt: number,
): { satisfied: boolean; write?: StoreWrite } {
  const satisfied = passed && pending.anyOf.some((set) => set.every((check) => ran.has(check as StepUpCheck)));
  const keys: StoreKeys = { account: pending.accountKey, phone: pending.onPass.phoneHash };
  if (satisfied) return { satisfied, write: { keys, patch: pending.onPass } };
  if (passed) return { satisfied };
  // The retired hashes travel along, or a profile not yet migrated would read as another number and lose its proofs.
  const aliases = pending.onPass.phoneHashAliases ? { phoneHashAliases: pending.onPass.phoneHashAliases } : {};
  return {
    satisfied,
    write: { keys, patch: { at: outcomeAt, phoneHash: pending.onPass.phoneHash, ...aliases, failedStepUp: { at: outcomeAt, checks: [...ran] } } },
  };
}
