import type { AccountProfile, NumberEvent, ProtectionActor, ProtectionReason } from '../../types/profile.js';
import type { AttemptAction, DeviceFacts, GeoResult, NumberIntelAnswer, ReasonCode, SignalStatus, StepUpCheck, VerifiedFactor } from '../../types/index.js';
import type { ReasonText } from '../../types/index.js';
import type { Policy } from '../policy.js';

/** One piece of evidence: its natural-log likelihood ratio and how to explain it. */
export interface Signal {
  code: ReasonCode;
  logLR: number;
  /** The message's catalogue key and parameters; rendered in the guard's locale (src/locale). */
  text: ReasonText;
  details?: Record<string, unknown>;
}

/** The account and its bound number, as of one moment: what every judgement is about. */
export interface Subject {
  /** ISO 3166-1 alpha-2 region of the number: its aging period. */
  phoneCountry: string;
  phoneBoundAt: number;
  /** The host's last-seen hint, used while the guard has no history of the account. */
  lastSeenAt?: number;
  /** When the judgement is made: the login's event time, or the clock of a recipient check. */
  at: number;
  phoneHash: string;
  /** The same number's hashes under retired keys (key rotation): history under them is this number's. */
  phoneHashAliases?: string[];
  history: { status: 'ok' | 'none' | 'unavailable'; profile: AccountProfile | null; error?: string };
  intel: { status: SignalStatus | 'cached'; since: number; answers: NumberIntelAnswer[] };
  numberEvents: NumberEvent[];
  /**
   * The account's protection, as the store holds it: absent when not protected (or the store cannot
   * hold protections), `unreadable` when the store could not be read (the guard fails closed).
   */
  protection?: { state: 'protected'; since: number; reason: ProtectionReason; by: ProtectionActor } | { state: 'unreadable' };
}

/** A login: what the person at the door did and brought. Recipient checks and sweeps have none. */
export interface Login {
  action: AttemptAction;
  verified: VerifiedFactor[];
  device: DeviceFacts | null;
  geo: { status: SignalStatus; result: GeoResult | null; error?: string };
}

/** Everything the pure core needs. The shell gathers it; nothing here does I/O or reads a clock. */
export interface CoreInput {
  subject: Subject;
  login?: Login;
  policy: Policy;
  /** Checks the host can run for a step-up. */
  checks: StepUpCheck[];
}

/** A login to decide: the core input with its login. */
export type LoginInput = CoreInput & { login: Login };

/** What the number evidence concluded, before scoring. */
export interface NumberFindings {
  /** The carrier (or the host's ingested events) answered whether the number changed hands since `since`. */
  carrierSays?: { changed: boolean; source: string };
  /** A reissue after the last proof of possession was possible under the aging rules. */
  reissuePossible: boolean;
  dormancyDays: number;
  agingDays: number;
  /** Tenure and SIM data said the current subscriber has held the number since `since`. */
  continuity: boolean;
  intelMissing: boolean;
}

/**
 * Evidence that the person holding the number is the account's owner, of a kind a new holder of
 * the number cannot forge: the owner proved possession within the aging period (no reissue can
 * have happened since), the carrier says the subscriber is unchanged, a device token the owner
 * vouched for, or a strong check passed in this attempt.
 */
export type OwnerProof = 'recent_proof' | 'carrier' | 'vouched_device' | 'strong_check';

/** Who holds the number, as far as evidence a SIM holder cannot forge tells. */
export interface Continuity {
  /** The strongest unforgeable evidence that the holder is the owner, or null. */
  proof: OwnerProof | null;
  /**
   * A login with the SMS code where a reissue was possible and nothing unforgeable shows the owner,
   * or the carrier says the number changed subscriber: the SMS code alone must not let it in.
   */
  unproven: boolean;
  /** The same, leaving out the checks passed in this attempt (what an SMS-only attempt would face). */
  unprovenWithoutChecks: boolean;
}

export const DAY = 86_400_000;

export function toMs(value: string | Date | number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
