/**
 * Likelihood ratios: P(evidence | holder is NOT the owner) / P(evidence | holder is the owner).
 * The scorer adds their natural logs to the prior's log-odds. docs/scoring.md explains each value
 * and the figure it rests on (`../shared/research/evaluation-data.md`, cited by section there).
 * Values marked [A] are our assumptions; the evaluation sweeps them.
 */
export interface Weights {
  /** Carrier says the number changed subscriber after `since`. FP only from carrier error or the
   * owner re-subscribing the same number. [A] P(yes|owner) ~ 0.1%, P(yes|new holder) ~ 95%. */
  numberReissued: number;
  /** Carrier says it did not. A new holder can only get "no" through carrier error. [A] */
  numberNotReissued: number;
  /** Tenure at the current operator covers `since`. Weaker: answers about the operator, not the number. */
  tenureCovers: number;
  /** Tenure starts after `since`: a new subscriber, or the owner ported in (that is why it is weak). */
  tenureAfter: number;
  /** A new subscription always counts as a SIM change, so a new holder always shows one. Owners
   * change SIMs too (new phone with eSIM): replacement cycle 21-33 months, §4. */
  simChangedAfterBinding: number;
  /** No SIM change since binding: recycling is then practically impossible. */
  simUnchanged: number;
  /** SIM changed within `recentSimChangeDays`: the SIM-swap signature (S2, §2.3). */
  recentSimChange: number;
  /** Device change reported by the operator after `since` (phones are replaced every ~2 years). */
  carrierDeviceChanged: number;
  /** KYC Match: the operator's subscriber is not the identity the host holds. Family plans make
   * honest mismatches common, so this is strong but not decisive. [A] */
  identityMismatch: number;
  identityMatch: number;
  /** Last proof that the owner held the number is within the aging period: a reissue since then is
   * impossible under the aging rules (US 45 days: §2.2; China >= 90 days: §2.6). Only SIM swap
   * remains, which is not recycling. */
  recentOwnerProof: number;
  /** Dormancy beyond the aging period: log LR = base + slope * ln(dormancy / aging), capped. Owners
   * who come back after months exist (login-frequency classes, §7.3 P3/P4); new holders can only
   * appear after the aging period, usually months later (§7.3 P14-P16). */
  dormancyBase: number;
  dormancySlope: number;
  dormancyCap: number;
  /** Host device token seen before / seen before and vouched by a passed step-up. */
  knownDeviceToken: number;
  vouchedDeviceToken: number;
  /** Device class (OS, type, browser, model) seen before, no token: popular phones collide. */
  knownDeviceClass: number;
  /** New token but a class the owner uses (cookies cleared, app reinstalled, same phone model). */
  newTokenKnownClass: number;
  /** Device class never seen on this account. Phones are replaced every 21-33 months (§4). */
  newDeviceClass: number;
  /** OS family or device type differs from every known device (iPhone -> Android). */
  deviceClassChange: number;
  /** Region seen before / new region in a known country / new country. About 1 in 8 logins comes
   * from a new IP (FxA, §3.4), most of them from the same region. */
  knownRegion: number;
  newRegion: number;
  newCountry: number;
  /** Speed between the last login and this one beyond any flight; VPN toggles are the known false
   * positive (§4), so the weight is moderate. */
  impossibleTravel: number;
  /** The number's country differs from the IP's country, in a country this account never used. */
  numberCountryMismatch: number;
  /** "Register" with a number that is already bound: the holder does not know the account exists.
   * Owners who forgot they registered do this too, rarely. [A] */
  registerOnBoundNumber: number;
  recoveryAttempt: number;
  /** Per failed step-up in the last 7 days, up to three. */
  failedStepUp: number;
}

export const DEFAULT_WEIGHTS: Weights = {
  numberReissued: Math.log(1000),
  numberNotReissued: Math.log(0.03),
  tenureCovers: Math.log(0.15),
  tenureAfter: Math.log(6),
  simChangedAfterBinding: Math.log(3),
  simUnchanged: Math.log(0.1),
  recentSimChange: Math.log(4),
  carrierDeviceChanged: Math.log(1.5),
  identityMismatch: Math.log(20),
  identityMatch: Math.log(0.05),
  recentOwnerProof: Math.log(0.02),
  dormancyBase: Math.log(2),
  dormancySlope: 1.6,
  dormancyCap: Math.log(40),
  knownDeviceToken: Math.log(0.08),
  vouchedDeviceToken: Math.log(0.03),
  knownDeviceClass: Math.log(0.6),
  newTokenKnownClass: Math.log(2.5),
  newDeviceClass: Math.log(6),
  deviceClassChange: Math.log(2),
  knownRegion: Math.log(0.7),
  newRegion: Math.log(1.6),
  newCountry: Math.log(3),
  impossibleTravel: Math.log(3),
  numberCountryMismatch: Math.log(1.5),
  registerOnBoundNumber: Math.log(20),
  recoveryAttempt: Math.log(1.5),
  failedStepUp: Math.log(2),
};
