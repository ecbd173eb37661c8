import { SENSITIVE_ACTIONS, type AttemptAction, type PresetName, type StepUpCheck } from '../types/index.js';
import { DEFAULT_WEIGHTS, type Weights } from './weights.js';

export interface Thresholds {
  /** Risk at or above which the guard asks for a step-up. */
  stepUp: number;
  /** Risk at or above which the guard denies outright. */
  deny: number;
}

export interface Policy {
  preset: PresetName;
  /** Bumped whenever a default changes, and written to every decision and audit record. */
  version: string;
  /** Probability that an SMS login on this kind of platform is not by the owner, before evidence. */
  prior: number;
  thresholds: Thresholds;
  /** Used for `SENSITIVE_ACTIONS`. */
  sensitiveThresholds: Thresholds;
  /** Per-action overrides, taking precedence over the two above. */
  actionThresholds: Partial<Record<AttemptAction, Thresholds>>;
  /** Actions that always need a non-SMS factor, whatever the risk. */
  alwaysStepUp: AttemptAction[];
  /** Share of non-owners each check stops. docs/scoring.md gives the sources. */
  checkStrength: Record<StepUpCheck, number>;
  /** Minimum strength a step-up must have: `base` normally, `high` when risk >= `highRiskAt` or the
   * number likely changed hands. A pair of checks of different kinds counts as 1 - (1 - a) * (1 - b)
   * (src/core/step-up.ts `CHECK_KIND`). When the person may be the number's new holder (the number
   * likely changed hands, or the carrier confirms it did), `likelyReissue` / `confirmedReissue` apply
   * whenever the host can meet them: a leaked password alone is not enough then. A host that cannot
   * gets the strongest lower bar it can meet, as before. */
  requiredStrength: { base: number; high: number; highRiskAt: number; likelyReissue: number; confirmedReissue: number };
  /**
   * The host lets a forgotten password be reset with an SMS code. Then whoever holds the number can
   * set the password, so against a possible new holder the password counts for nothing (strength 0):
   * only a check of another kind can show the owner. Default false (the host says so).
   */
  passwordResetBySms: boolean;
  /** Carrier-confirmed reissue after binding: deny instead of a strong step-up. */
  denyOnConfirmedReissue: boolean;
  /** What to do when evidence is missing. `score` = use what is there; `step_up` = at least a step-up. */
  failMode: {
    /** The store could not be read. */
    history: 'score' | 'step_up';
    /** Carrier evidence was configured but unavailable while a reissue was possible (dormant). */
    intelWhenDormant: 'score' | 'step_up';
  };
  /** Minimum aging period before a carrier may reissue a number, in days, by number country. */
  minAgingDays: Record<string, number>;
  /** For countries not in `minAgingDays`. Low on purpose: a low value only makes the guard stricter. */
  defaultMinAgingDays: number;
  /** A SIM change this recent looks like a SIM swap. */
  recentSimChangeDays: number;
  /** Impossible travel is skipped when either location is coarser than this. */
  maxTravelAccuracyKm: number;
  /** `risk` at or above this makes `numberChangedHands` "likely" when a reissue was possible. */
  likelyAt: number;
  /**
   * Dormancy rules, in days without proof of possession of the number (an SMS login allowed or a
   * step-up passed): from `smsAloneAfterDays` the SMS code alone no longer enters; from
   * `protectAfterDays` the account is due for protection (`guard.sweepDormancy` lists it). `null`
   * turns a rule off. docs/both-victims.md gives the defaults' reasons.
   */
  dormancy: { smsAloneAfterDays: number | null; protectAfterDays: number | null };
  /** Protect the account when a likely new holder of its number fails (or declines) a step-up. */
  protectOnFailedStepUp: boolean;
  weights: Weights;
}

/**
 * 2026.12.2: a possible new holder needs a check a leaked password cannot pass when the host has
 * one (`requiredStrength.likelyReissue` / `confirmedReissue`); checks of one kind no longer combine
 * as independent; `passwordResetBySms`.
 * 2026.12.3: the same scores; a protection the guard set itself (failed step-up, carrier event,
 * dormancy) ends when the owner passes a step-up at `requiredStrength.high`, so the same log replays
 * to fewer step-ups for owners once protected.
 */
export const POLICY_VERSION = '2026.12.3';

/** US: FCC minimum aging 45 days (47 CFR 52.15(f)); China: about 90 days or more after cancellation. */
export const DEFAULT_MIN_AGING_DAYS: Record<string, number> = {
  US: 45,
  CN: 90,
};

const CHECK_STRENGTH: Record<StepUpCheck, number> = {
  // Face or liveness match against the enrolled owner.
  face: 0.99,
  // Document / KYC match: the new holder does not hold the previous holder's ID.
  id_match: 0.98,
  // Prompt on a device enrolled before: device challenges stop >94% of phishing and 100% of automated
  // hijacks (Google, S10).
  trusted_device: 0.97,
  // 38.6% of recycled numbers were linked to leaked credentials (S1), not all for this site.
  password: 0.9,
  previous_password: 0.85,
  // Email can itself be recovered by SMS, and 34% forget their secondary email (S11).
  email: 0.8,
  // 66% of recycled numbers hit at people-search services (S1): the address is often findable.
  known_address: 0.4,
};

const base = {
  version: POLICY_VERSION,
  actionThresholds: {},
  checkStrength: CHECK_STRENGTH,
  minAgingDays: DEFAULT_MIN_AGING_DAYS,
  defaultMinAgingDays: 30,
  recentSimChangeDays: 7,
  maxTravelAccuracyKm: 300,
  likelyAt: 0.3,
  passwordResetBySms: false,
  weights: DEFAULT_WEIGHTS,
} satisfies Partial<Policy>;

export const PRESETS: Record<PresetName, Policy> = {
  // Family photos and contracts: a new holder must not see them; friction for owners stays low.
  'cloud-drive': {
    ...base,
    preset: 'cloud-drive',
    prior: 0.001,
    // Step-up line chosen on the simulator's tuning seeds (101-103, docs/evaluation.md section 3),
    // apart from the seeds it is reported on: 0.004 is where US first logins without a conclusive
    // carrier answer stop slipping under it, for about 0.05 points more owner friction.
    thresholds: { stepUp: 0.004, deny: 0.97 },
    sensitiveThresholds: { stepUp: 0.003, deny: 0.9 },
    alwaysStepUp: [],
    // A possible new holder: a check of another kind than the password (ID match 0.98, face 0.99,
    // trusted device 0.97, or password + email 0.98) when the host has one; a carrier-confirmed
    // reissue: two kinds (password + ID match 0.998), which a new holder with a leaked password lacks.
    requiredStrength: { base: 0.8, high: 0.9, highRiskAt: 0.2, likelyReissue: 0.97, confirmedReissue: 0.995 },
    denyOnConfirmedReissue: false,
    failMode: { history: 'score', intelWhenDormant: 'score' },
    // Twice the longest common aging period (90 days: the US upper bound, China's usual one): by
    // then a reissue was possible twice over. Protected after a year without the number.
    dormancy: { smsAloneAfterDays: 180, protectAfterDays: 365 },
    protectOnFailedStepUp: true,
  },
  // Social accounts: highest login volume, most tolerance for friction-free logins.
  social: {
    ...base,
    preset: 'social',
    prior: 0.001,
    thresholds: { stepUp: 0.02, deny: 0.98 },
    sensitiveThresholds: { stepUp: 0.005, deny: 0.95 },
    alwaysStepUp: [],
    // The password alone still settles a possible new holder (one check, the least friction), but
    // not a carrier-confirmed reissue: then a check of another kind where the host has one.
    requiredStrength: { base: 0.8, high: 0.9, highRiskAt: 0.2, likelyReissue: 0.9, confirmedReissue: 0.97 },
    denyOnConfirmedReissue: false,
    failMode: { history: 'score', intelWhenDormant: 'score' },
    // Friction-free logins matter most, and nothing private is kept: a year, protection after two.
    dormancy: { smsAloneAfterDays: 365, protectAfterDays: 730 },
    protectOnFailedStepUp: false,
  },
  // Loans and payments: strictest. Deliberate hunters target money (S1), so the prior is higher.
  fintech: {
    ...base,
    preset: 'fintech',
    prior: 0.003,
    // Never above cloud-drive's line: fintech is the strictest preset for every action.
    thresholds: { stepUp: 0.004, deny: 0.9 },
    sensitiveThresholds: { stepUp: 0.002, deny: 0.8 },
    alwaysStepUp: ['change_phone', 'reset_password'],
    // A regulated lender holds the customer's identity document (KYC): a possible new holder is asked
    // for it (or face) where the host runs it.
    requiredStrength: { base: 0.9, high: 0.97, highRiskAt: 0.1, likelyReissue: 0.98, confirmedReissue: 0.995 },
    denyOnConfirmedReissue: true,
    failMode: { history: 'step_up', intelWhenDormant: 'step_up' },
    // The longest common aging period: past it the number may already be someone else's.
    dormancy: { smsAloneAfterDays: 90, protectAfterDays: 180 },
    protectOnFailedStepUp: true,
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function minAgingDaysFor(policy: Policy, country: string): number {
  return policy.minAgingDays[country] ?? policy.defaultMinAgingDays;
}

/** The thresholds that apply to an action: its own override, else the sensitive or the login pair. */
export function thresholdsFor(policy: Policy, action: AttemptAction): Thresholds {
  return policy.actionThresholds[action] ?? (SENSITIVE_ACTIONS.has(action) ? policy.sensitiveThresholds : policy.thresholds);
}
