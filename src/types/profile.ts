/**
 * What the guard remembers about an account and a number: the profile and its patches, cached
 * carrier answers and ingested number events. The core reads these; every store keeps them
 * (the store contract is in src/persist/types.ts). Profiles change only through `ProfilePatch`,
 * merged by `mergeProfile` (src/persist/merge-profile.ts).
 */
import type { NumberIntelAnswer } from './index.js';

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

/** A carrier answer remembered for the number, valid until `expiresAt` (guard clock). */
export interface CachedIntel {
  answers: NumberIntelAnswer[];
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

/** Why an account is protected: SMS alone no longer enters it (see `guard.protect`). */
export type ProtectionReason =
  /** The owner asked (`guard.freeze`, or the host's own support flow). */
  | 'owner_request'
  /** A likely new holder of the number failed (or declined) a step-up. */
  | 'failed_step_up'
  /** A carrier answer or an ingested carrier event says the number changed hands after the binding. */
  | 'carrier_event'
  /** An unbind / renewal notice for the number (`guard.ingestUnbindNotice`). */
  | 'unbind_notice'
  /** The number was released to its new holder (`guard.releaseNumber`). */
  | 'number_released'
  /** No proof of possession for longer than the preset's dormancy rule allows. */
  | 'dormancy';

export const PROTECTION_REASONS: readonly ProtectionReason[] = [
  'owner_request',
  'failed_step_up',
  'carrier_event',
  'unbind_notice',
  'number_released',
  'dormancy',
];

/** Who set the protection. */
export type ProtectionActor = 'owner' | 'support' | 'guard' | 'carrier' | 'host';
export const PROTECTION_ACTORS: readonly ProtectionActor[] = ['owner', 'support', 'guard', 'carrier', 'host'];

/** A protected account: the first protection is kept (its time is when the owner was first shielded). */
export interface Protection {
  /** Guard-clock time the account was protected. */
  since: number;
  reason: ProtectionReason;
  by: ProtectionActor;
}
