/**
 * The one place gathered evidence becomes the core's input. A login (`assess`, and the backtest's
 * replay through `conclude`) and a number check (`checkRecipient`, `sweep`) describe the same
 * subject, the binding of a number to an account, from the same evidence, so they are built here
 * alike; only a login adds the attempt (`login`).
 */
import type { Subject } from '../core/signals/index.js';
import type { AccountProfile, NumberEvent, StoreSnapshot } from '../persist/types.js';
import type { NumberIntelAnswer, SignalStatus } from '../types/index.js';

/** The binding being judged: whose number, bound when, and at what time it is judged. */
export interface BindingFacts {
  phoneCountry: string;
  phoneBoundAt: number;
  lastSeenAt?: number;
  /** The login's event time, or the clock of a number check. */
  at: number;
}

/** What the guard gathered about the binding, whatever asked. */
export interface SubjectEvidence {
  phoneHash: string;
  /** The number's hashes under retired keys (empty without key rotation). */
  phoneAliases: string[];
  /** `null`: the store could not be read (`historyError` says why). */
  snapshot: StoreSnapshot | null;
  historyError?: string;
  /** The profile as scored (may differ from the snapshot's after a device re-key). */
  profile: AccountProfile | null;
  carrier: { status: SignalStatus | 'cached'; answers: NumberIntelAnswer[] };
  since: number;
  numberEvents: NumberEvent[];
  /** The account's protection (absent: not protected, or the store cannot hold one). */
  protection?: Subject['protection'];
}

export function coreSubject(binding: BindingFacts, evidence: SubjectEvidence): Subject {
  const { snapshot, profile, phoneAliases } = evidence;
  return {
    phoneCountry: binding.phoneCountry,
    phoneBoundAt: binding.phoneBoundAt,
    ...(binding.lastSeenAt !== undefined ? { lastSeenAt: binding.lastSeenAt } : {}),
    at: binding.at,
    phoneHash: evidence.phoneHash,
    ...(phoneAliases.length > 0 ? { phoneHashAliases: phoneAliases } : {}),
    history: snapshot
      ? { status: profile ? 'ok' : 'none', profile }
      : { status: 'unavailable', profile: null, ...(evidence.historyError ? { error: evidence.historyError } : {}) },
    intel: { status: evidence.carrier.status, since: evidence.since, answers: evidence.carrier.answers },
    numberEvents: evidence.numberEvents,
    ...(evidence.protection ? { protection: evidence.protection } : {}),
  };
}
