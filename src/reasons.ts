/**
 * The registry of reason codes: one entry per code, and every list of codes derives from it.
 * Adding a signal means one entry here and one function in its family file under
 * src/core/signals/ (docs/ARCHITECTURE.md); docs/scoring.md explains each code and its weight.
 */

/** Where a reason comes from: the four signal families, plus what the decision step adds. */
export type ReasonFamily = 'number' | 'device' | 'geo' | 'intent' | 'decision';

/**
 * - `weighted`: scored with the weights listed, each named after its code (`code` or `code_variant`).
 * - `derived`: scored with a value computed from the policy (a check's strength, a threshold).
 * - `report`: always effect 0; it explains (a missing signal, a raised bar, a rule applied).
 */
export type ReasonKind = 'weighted' | 'derived' | 'report';

interface Entry {
  readonly code: string;
  readonly family: ReasonFamily;
  readonly kind: ReasonKind;
  /** The weights that score it (`DEFAULT_WEIGHTS` keys); non-empty exactly when `kind` is `weighted`. */
  readonly weightKeys: readonly string[];
  /** A carrier fact about the number's current holder: it bears on a login only through its SMS code. */
  readonly carrierHolder: boolean;
  /** Speaks about the number itself, without a login: recipient checks and sweeps use it. */
  readonly number: boolean;
  /**
   * Whoever holds the SIM can reproduce it (a user agent, a phone model, a city). Evidence of this kind
   * lowers the risk only while no reissue was possible (docs/scoring.md has the table).
   */
  readonly forgeable: boolean;
}

type Flags = Partial<Pick<Entry, 'carrierHolder' | 'number' | 'forgeable'>>;
const weighted = <const C extends string, const W extends readonly [string, ...string[]]>(code: C, family: ReasonFamily, weightKeys: W, flags: Flags = {}) =>
  ({ code, family, kind: 'weighted', weightKeys, carrierHolder: false, number: false, forgeable: false, ...flags }) as const;
const derived = <const C extends string>(code: C, family: ReasonFamily, flags: Flags = {}) =>
  ({ code, family, kind: 'derived', weightKeys: [] as const, carrierHolder: false, number: false, forgeable: false, ...flags }) as const;
const report = <const C extends string>(code: C, family: ReasonFamily, flags: Flags = {}) =>
  ({ code, family, kind: 'report', weightKeys: [] as const, carrierHolder: false, number: false, forgeable: false, ...flags }) as const;

const carrier = { carrierHolder: true, number: true } as const;

export const REASONS = [
  // The number: carrier answers and ingested events.
  weighted('number_reissued_after_binding', 'number', ['number_reissued_after_binding'], carrier),
  weighted('number_not_reissued', 'number', ['number_not_reissued'], carrier),
  weighted('tenure_covers_binding', 'number', ['tenure_covers_binding'], carrier),
  weighted('tenure_after_binding', 'number', ['tenure_after_binding'], carrier),
  weighted('sim_changed_after_binding', 'number', ['sim_changed_after_binding'], carrier),
  weighted('sim_unchanged_since_binding', 'number', ['sim_unchanged_since_binding'], carrier),
  weighted('recent_sim_change', 'number', ['recent_sim_change'], carrier),
  weighted('carrier_device_changed', 'number', ['carrier_device_changed'], carrier),
  weighted('identity_mismatch', 'number', ['identity_mismatch'], carrier),
  weighted('identity_match', 'number', ['identity_match'], carrier),
  report('number_intel_unavailable', 'number', { number: true }),
  report('number_intel_conflict', 'number', { number: true }),
  // The number: the aging rules.
  weighted('dormant_beyond_aging', 'number', ['dormant_beyond_aging', 'dormant_beyond_aging_slope', 'dormant_beyond_aging_cap'], { number: true }),
  weighted('recent_owner_proof', 'number', ['recent_owner_proof'], { number: true }),
  derived('continuity_unproven', 'decision'),
  // The device.
  weighted('known_device', 'device', ['known_device']),
  weighted('known_device_class', 'device', ['known_device_class'], { forgeable: true }),
  weighted('vouched_device', 'device', ['vouched_device']),
  weighted('new_device', 'device', ['new_device', 'new_device_known_class']),
  weighted('device_class_change', 'device', ['device_class_change']),
  report('device_unavailable', 'device'),
  // The region.
  weighted('known_region', 'geo', ['known_region'], { forgeable: true }),
  weighted('new_region', 'geo', ['new_region']),
  weighted('new_country', 'geo', ['new_country']),
  weighted('impossible_travel', 'geo', ['impossible_travel']),
  weighted('number_country_mismatch', 'geo', ['number_country_mismatch']),
  report('geo_unavailable', 'geo'),
  // Intent and the attempt.
  weighted('register_on_bound_number', 'intent', ['register_on_bound_number']),
  weighted('recovery_attempt', 'intent', ['recovery_attempt']),
  report('sensitive_action', 'decision'),
  weighted('recent_failed_step_up', 'intent', ['recent_failed_step_up']),
  derived('strong_factor_verified', 'intent'),
  // What the guard had to go on, and rules it applied.
  report('no_history', 'decision'),
  report('history_unavailable', 'decision', { number: true }),
  report('fail_mode_applied', 'decision'),
  // Rules that keep the SMS code alone out, whatever the score.
  report('account_protected', 'decision'),
  report('dormant_account', 'decision'),
] as const satisfies readonly Entry[];

export type ReasonEntry = (typeof REASONS)[number];

/** Every reason the guard can give. docs/scoring.md explains each one. */
export const REASON_CODES = REASONS.map((entry) => entry.code) as readonly ReasonCode[];
export type ReasonCode = ReasonEntry['code'];

/** The name of every weight: a reason code, or a code with a variant after it. */
export type WeightKey = ReasonEntry['weightKeys'][number];
export const WEIGHT_KEYS = REASONS.flatMap((entry) => entry.weightKeys) as readonly WeightKey[];

const codesWhere = (keep: (entry: Entry) => boolean): ReadonlySet<ReasonCode> => new Set(REASONS.filter(keep).map((entry) => entry.code));

/** Carrier facts about the number's current holder: they bear on a login only through its SMS code. */
export const CARRIER_HOLDER_CODES = codesWhere((entry) => entry.carrierHolder);
/** The reasons that speak about the number itself; device, region and intent need a login. */
export const NUMBER_CODES = codesWhere((entry) => entry.number);
/** Evidence whoever holds the SIM can reproduce. */
export const FORGEABLE_CODES = codesWhere((entry) => entry.forgeable);

const byCode = new Map<string, Entry>(REASONS.map((entry) => [entry.code, entry]));
export function reasonEntry(code: ReasonCode): ReasonEntry {
  return byCode.get(code) as ReasonEntry;
}
