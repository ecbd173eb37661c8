/**
 * The store contract. Every store holds the same three things:
 *  - one profile per account (devices, regions, last login, proofs, failed step-ups),
 *  - pending step-up decisions (single use, expiring),
 *  - per-number data keyed by the keyed phone hash: cached carrier answers and ingested events.
 *
 * Profiles change only through `ProfilePatch`, merged by `mergeProfile` (src/core/profile.ts).
 * The merge is commutative for everything it keeps, so a backend can apply it atomically on its
 * side (Lua in Redis, one upsert in PostgreSQL) and two app servers never lose each other's update.
 */

/** A device as remembered. Fingerprint keys never include versions, so updates do not look new. */
export interface DeviceRecord {
  key: string;
  fromToken: boolean;
  classKey: string;
  osFamily?: string;
  deviceType: string;
  firstSeen: number;
  lastSeen: number;
  /** A step-up check passed on this device. */
  vouched: boolean;
  count: number;
}

/** A coarse place: no IP address, coordinates rounded to about 10 km. */
export interface LocationRecord {
  /** `country|region|city` */
  key: string;
  country: string;
  region?: string;
  lat?: number;
  lon?: number;
  firstSeen: number;
  lastSeen: number;
  count: number;
}

export interface LastLogin {
  at: number;
  country?: string;
  region?: string;
  lat?: number;
  lon?: number;
  accuracyKm?: number;
}

export interface FailedStepUp {
  at: number;
  checks: string[];
}

export interface AccountProfile {
  v: 1;
  /** Keyed hash of the number the proofs below refer to. */
  phoneHash?: string;
  devices: DeviceRecord[];
  locations: LocationRecord[];
  lastLogin?: LastLogin;
  /** Last time the owner provably held the number (an allowed SMS login, a passed step-up). */
  ownerProofAt?: number;
  /** Last time the owner re-established trust by a non-SMS check while proving the number (SMS code). */
  strongProofAt?: number;
  failedStepUps: FailedStepUp[];
  updatedAt: number;
}

/** An additive change to a profile. Applying it twice is harmless except for the counters. */
export interface ProfilePatch {
  at: number;
  phoneHash: string;
  /**
   * The same number's hashes under retired keys (key rotation). A profile holding one of them is
   * about the same number: its proofs stay, and its `phoneHash` moves to `phoneHash`.
   */
  phoneHashAliases?: string[];
  device?: Omit<DeviceRecord, 'firstSeen' | 'lastSeen' | 'count'>;
  location?: Omit<LocationRecord, 'firstSeen' | 'lastSeen' | 'count'>;
  lastLogin?: LastLogin;
  ownerProofAt?: number;
  strongProofAt?: number;
  failedStepUp?: FailedStepUp;
}

export interface ProfileLimits {
  maxDevices: number;
  maxLocations: number;
  maxFailedStepUps: number;
  /** History older than this (relative to the newest event) is dropped. */
  retentionMs: number;
}

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
}

/** A carrier answer remembered for the number, valid until `expiresAt` (guard clock). */
export interface CachedIntel {
  answers: import('../types.js').NumberIntelAnswer[];
  /** The `since` the answers were asked for; a later `since` needs a new question. */
  since: number;
  fetchedAt: number;
  /** Guard-clock deadline, checked by the guard. */
  expiresAt: number;
  /** How long the store keeps it (its own clock). */
  ttlMs: number;
  /**
   * Set when an answer is about one account's holder (KYC Match): the keyed hash of that account.
   * The entry is then reused for that account only.
   */
  account?: string;
}

/** A reissue or deactivation event the host ingested (carrier file, renewal notice, own records). */
export interface NumberEvent {
  type: 'disconnected' | 'reissued' | 'ported' | 'sim_change';
  at: number;
  source: string;
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
  close?(): Promise<void>;
}
