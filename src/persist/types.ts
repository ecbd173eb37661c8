/**
 * The store contract. Every store holds the same three things:
 *  - one profile per account (devices, regions, last login, proofs, failed step-ups),
 *  - pending step-up decisions (single use, expiring),
 *  - per-number data keyed by the keyed phone hash: cached carrier answers and ingested events.
 *
 * Profiles change only through `ProfilePatch`, merged by `mergeProfile` (src/persist/merge-profile.ts).
 * The merge is commutative for everything it keeps, so a backend can apply it atomically on its
 * side (Lua in Redis, one upsert in PostgreSQL) and two app servers never lose each other's update.
 */
import type { AccountProfile, CachedIntel, NumberEvent, ProfileLimits, ProfilePatch, Protection } from '../types/profile.js';

export type {
  AccountProfile,
  CachedIntel,
  DeviceRecord,
  FailedStepUp,
  LastLogin,
  LocationRecord,
  NumberEvent,
  ProfileLimits,
  ProfilePatch,
  Protection,
  ProtectionActor,
  ProtectionReason,
} from '../types/profile.js';

export interface PendingDecision {
  decisionId: string;
  accountId: string;
  /** Store key of the account (see `accountKey`). */
  accountKey: string;
  anyOf: string[][];
  /** Guard-clock deadline, checked by the guard. */
  expiresAt: number;
  /** How long the store keeps it (its own clock); the guard's clock may be a test clock. */
  ttlMs: number;
  /** Applied when the step-up passes. */
  onPass: ProfilePatch;
  /** A reissue was possible at decision time: a failed step-up then points at a new holder. */
  reissuePossible: boolean;
  /**
   * The account was under a protection the guard sets by itself (a failed step-up, a carrier event,
   * dormancy): a step-up satisfied at the preset's high bar lifts it, as `unprotect` would.
   */
  liftsProtection?: boolean;
}

export interface StoreKeys {
  /** Derived from the account id (see `accountKey`). */
  account: string;
  /** Keyed hash of the phone number. */
  phone: string;
}

export interface StoreSnapshot {
  profile: AccountProfile | null;
  intel: CachedIntel | null;
  numberEvents: NumberEvent[];
  /**
   * The account's protection, read in the same call: `null` when it is not protected. Present
   * exactly when the store declares `capabilities.protection`; a store without it cannot hold one.
   */
  protection?: Protection | null;
}

export interface StoreWrite {
  keys: StoreKeys;
  patch?: ProfilePatch;
  pending?: PendingDecision;
  intel?: CachedIntel;
}

export interface StoreCapabilities {
  /** Visible to every app server (Redis, PostgreSQL); false for the in-process memory store. */
  shared: boolean;
  /** Survives a process restart. */
  persistent: boolean;
  /** Expires entries on its own. */
  ttl: boolean;
  /** Applies a patch atomically per account (no lost updates under concurrency). */
  atomicMerge: boolean;
  /**
   * Holds protected accounts and counters (`protect`, `unprotect`, `hit`; `read` returns
   * `protection`). Stores written before protection existed leave it out: they keep working,
   * `guard.protect` and `guard.freeze` then refuse with `ProtectionUnsupportedError`.
   */
  protection?: boolean;
}

export interface Store {
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  /**
   * One read per assess: the profile, cached carrier answers and ingested events. A shared store
   * gets the assess budget's `signal`, which may already have fired when the call is made: check
   * `signal.aborted` (or `signal.throwIfAborted()`) before starting work, not only the 'abort' event.
   */
  read(keys: StoreKeys, signal?: AbortSignal): Promise<StoreSnapshot>;
  /** One write per assess: merge the patch, save a pending decision, cache carrier answers. */
  write(write: StoreWrite, limits: ProfileLimits, signal?: AbortSignal): Promise<void>;
  /** Remove and return a pending decision; a second call returns null. */
  takePending(decisionId: string): Promise<PendingDecision | null>;
  /** Add ingested events for a number (deduplicated by type and time). */
  addNumberEvents(phone: string, events: NumberEvent[]): Promise<void>;
  /**
   * Protect an account. Atomic and idempotent: the first protection is kept and returned with
   * `created: false` to every later caller. Required when `capabilities.protection` is set.
   */
  protect?(account: string, protection: Protection, signal?: AbortSignal): Promise<{ created: boolean; protection: Protection }>;
  /** Lift an account's protection; false when it was not protected. */
  unprotect?(account: string, signal?: AbortSignal): Promise<boolean>;
  /**
   * Count one hit on `key` in a fixed window of `windowMs` and return the hits in the current window,
   * this one included (1 for the first). Shared stores count across app servers. Rate limits and
   * replay protection (a notice id seen before counts 2) use it.
   */
  hit?(key: string, windowMs: number, signal?: AbortSignal): Promise<number>;
  close?(): Promise<void>;
}
