import type { WeightKey } from '../reasons.js';

/**
 * Likelihood ratios, as natural logs: ln P(evidence | holder is NOT the owner) / P(evidence | holder
 * is the owner). The scorer adds them to the prior's log-odds. Each weight is named after the reason
 * code it scores (src/reasons.ts); a code with several weights names the variant after the code.
 * docs/scoring.md explains each value and the figure it rests on; values it marks [A] are our
 * assumptions, and the evaluation sweeps them.
 */
export type Weights = Record<WeightKey, number>;

export const DEFAULT_WEIGHTS: Weights = {
  // The carrier says the number changed subscriber after `since`. False positives only from carrier
  // error or the owner re-subscribing the same number [A: ~0.1%]; ~95% of real reissues [A].
  number_reissued_after_binding: Math.log(1000),
  // The carrier says it did not: a new holder gets this only through carrier error [A].
  number_not_reissued: Math.log(0.03),
  // Tenure answers about the subscriber at the current operator, not the number: a port-in after the
  // binding also starts a new tenure, so it is weaker than Number Recycling.
  tenure_covers_binding: Math.log(0.15),
  tenure_after_binding: Math.log(6),
  // A new subscription always counts as a SIM change; owners change SIMs too (new phone with an
  // eSIM; phones are replaced every 21-33 months).
  sim_changed_after_binding: Math.log(3),
  // No SIM change since binding: a reissue is then practically impossible.
  sim_unchanged_since_binding: Math.log(0.1),
  // A SIM change within days of the login: the SIM-swap signature (Lee et al., "An Empirical Study
  // of Wireless Carrier Authentication for SIM Swaps", SOUPS 2020).
  recent_sim_change: Math.log(4),
  // The operator saw a handset change after `since` (phones are replaced every ~2 years).
  carrier_device_changed: Math.log(1.5),
  // KYC Match against the identity the host holds; family plans make honest mismatches common [A].
  identity_mismatch: Math.log(20),
  identity_match: Math.log(0.05),
  // The last proof of holding the number lies within the aging period: nobody else can hold it yet
  // (US 45 days, 47 CFR 52.15(f); China about 90 days after cancellation). Only SIM swap remains.
  recent_owner_proof: Math.log(0.02),
  // Beyond the aging period: ln LR = dormant_beyond_aging + slope * ln(dormancy / aging), capped.
  // Owners come back after long breaks too, hence a smooth curve rather than a cliff [A shape].
  dormant_beyond_aging: Math.log(2),
  dormant_beyond_aging_slope: 1.6,
  dormant_beyond_aging_cap: Math.log(40),
  // The host's device token seen before / seen on a login the owner was shown to make.
  known_device: Math.log(0.08),
  vouched_device: Math.log(0.03),
  // No token, a device class seen before: popular phones collide, and a new holder can copy it.
  known_device_class: Math.log(0.6),
  // A class never seen on this account / a new token of a class the owner uses (cookies cleared).
  new_device: Math.log(6),
  new_device_known_class: Math.log(2.5),
  // OS family or device type differs from every known device (iPhone -> Android).
  device_class_change: Math.log(2),
  // About 1 in 8 logins comes from a new IP, mostly in the same region (Firefox Accounts data).
  known_region: Math.log(0.7),
  new_region: Math.log(1.6),
  new_country: Math.log(3),
  // Faster than any flight; VPN toggles are the known false positive, so the weight is moderate.
  impossible_travel: Math.log(3),
  number_country_mismatch: Math.log(1.5),
  // "Register" with a bound number: the holder does not know the account exists [A].
  register_on_bound_number: Math.log(20),
  recovery_attempt: Math.log(1.5),
  // Per failed step-up in the last 7 days, up to three.
  recent_failed_step_up: Math.log(2),
};
