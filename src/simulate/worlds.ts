/**
 * Shifted worlds: the generator's parameters drawn at random within documented ranges around the
 * sourced values, so the evaluation is not a measurement of one world tuned alongside the engine.
 * Also the measurements that do not depend on the guard (the unavoidable friction) and the
 * tallies the world suite keeps per guard variant: first-login and per-attempt stop rates by
 * scenario and attacker strategy, owner friction per account, and risk reliability bins.
 *
 * Everything here is deterministic for a draw seed; nothing reads the clock.
 */
import { DEFAULT_MIN_AGING_DAYS } from '../core/policy.js';
import type { DecisionAction, StepUpCheck } from '../types/index.js';
import { phoneLibrary } from '../util/lazy-deps.js';
import { ATTACKER_STRATEGIES, DAY_MS, defaultConfig, type AttackerStrategy, type ProfileName, type SimConfig } from './config.js';
import { optionPassed, type SimEvent } from './events.js';
import { Rng } from './random.js';

// ---------------------------------------------------------------------------------------------
// Parameter ranges
// ---------------------------------------------------------------------------------------------

export interface WorldRange {
  id: string;
  what: string;
  /** Low and high per profile (the same for both when `cn` is absent). */
  us: [number, number];
  cn?: [number, number];
  /** Log-uniform for rates spanning an order of magnitude, else uniform. */
  log?: boolean;
  /** Where the range comes from, by the source's own name. */
  source: string;
  apply: (config: SimConfig, value: number) => void;
}

const scaleClassGaps = (config: SimConfig, factor: number) => {
  config.classes = config.classes.map((k) => ({ ...k, meanGapDays: k.meanGapDays * factor }));
};

/**
 * The documented ranges (docs/evaluation.md prints this table). A draw takes each parameter
 * independently from its range; the defaults of `defaultConfig` lie inside every range.
 */
export const WORLD_RANGES: WorldRange[] = [
  {
    id: 'P12',
    what: 'numbers the owner gives up per year',
    us: [0.03, 0.15],
    source: 'FCC: over 35 million US numbers disconnected a year, against 270-440 million connections (CTIA 2019): 8-13%; widened',
    apply: (c, v) => (c.numberDropPerYear = v),
  },
  {
    id: 'P13',
    what: 'owner leaves the dropped number bound here (stale binding)',
    us: [0.1, 0.66],
    source:
      'Lee & Narayanan, "Security and Privacy Risks of Number Recycling at Mobile Carriers in the United States" (APWG eCrime 2021): 66% of recycled numbers still tied to an account at one of six sites, an upper bound',
    apply: (c, v) => (c.staleBindingRate = v),
  },
  {
    id: 'P15',
    what: 'new holder tries the stale account within a year',
    us: [0.05, 0.5],
    log: true,
    source: 'Lee & Narayanan 2021: about 10% of honeypot numbers received messages meant for the previous owner; widened both ways [A]',
    apply: (c, v) => (c.newHolderLoginRate = v),
  },
  {
    id: 'P14',
    what: 'US aging beyond the 45-day minimum: mean of the exponential extra (capped at 90 days in all)',
    us: [2, 45],
    source: '47 CFR 52.15(f)(1)(ii): at least 45, at most 90 days for residential numbers; Lee & Narayanan 2021: a largely fresh inventory every month',
    apply: (c, v) => (c.agingUs = { ...c.agingUs, meanExtraDays: v }),
  },
  {
    id: "P14'a",
    what: 'CN suspension before cancellation: shortest (the longest is 30 days more)',
    us: [60, 120],
    source: 'China Mobile, China Unicom, China Telecom customer-service statements (中新经纬, 2023; 科技日报, 2020): about 90-120 days of arrears suspension',
    apply: (c, v) => (c.agingCn = { ...c.agingCn, suspensionDays: [v, v + 30] }),
  },
  {
    id: "P14'b",
    what: 'CN freeze after cancellation beyond its 90-day minimum: mean of the exponential extra',
    us: [10, 120],
    source: 'MIIT-guided practice as reported by IT之家/CCTV (2025): at least 90 days frozen; China Mobile (科技日报, 2020): 6 months idle',
    apply: (c, v) => (c.agingCn = { ...c.agingCn, freezeMeanExtraDays: v }),
  },
  {
    id: 'P4',
    what: 'login frequency: every class gap multiplied by',
    us: [0.5, 2],
    log: true,
    source: 'classes from Wiefling et al., "Pump Up Password Security!" (ACM TOPS 2022); gaps [A], swept x0.5-x2',
    apply: scaleClassGaps,
  },
  {
    id: 'P3',
    what: 'share of the rarest class (monthly or less); the others scale to fill',
    us: [0.075, 0.25],
    source: 'Wiefling et al. 2022 classes; shares [A], swept +/-50%',
    apply: (c, v) => {
      const rest = c.classes.filter((k) => k.name !== 'monthly_or_less').reduce((a, k) => a + k.share, 0);
      c.classes = c.classes.map((k) => ({ ...k, share: k.name === 'monthly_or_less' ? v : (k.share * (1 - v)) / rest }));
    },
  },
  {
    id: 'S10a',
    what: 'accounts whose owner takes a long break',
    us: [0.02, 0.15],
    source: 'no published dormancy rate [A]',
    apply: (c, v) => (c.dormancyBreakShare = v),
  },
  {
    id: 'S10b',
    what: 'shortest long break, days (the longest is drawn from 400-900)',
    us: [60, 180],
    source: '[A]; breaks shorter than the aging period are ordinary gaps',
    apply: (c, v) => (c.dormancyBreakDays = [v, c.dormancyBreakDays[1]]),
  },
  {
    id: 'S10c',
    what: 'longest long break, days',
    us: [400, 900],
    source: '[A] (benchmark design: 180-720 days)',
    apply: (c, v) => (c.dormancyBreakDays = [c.dormancyBreakDays[0], v]),
  },
  {
    id: 'S1',
    what: 'session lifetime, web (app sessions last 2-4 times longer)',
    us: [7, 45],
    source: '[A]',
    apply: (c, v) => (c.sessionDays = { web: v, app: v * 2.8 }),
  },
  {
    id: 'S3',
    what: 'web device token lost per day of activity (cookies cleared, private window)',
    us: [0.003, 0.05],
    log: true,
    source: '[A]',
    apply: (c, v) => (c.webTokenLossPerActivity = v),
  },
  {
    id: 'S2',
    what: 'phones logging in through the host app (tablets 60% of it)',
    us: [0.2, 0.8],
    source: '[A]',
    apply: (c, v) => (c.appShare = { mobile: v, tablet: v * 0.6, desktop: 0 }),
  },
  {
    id: 'P11a',
    what: 'VPN users',
    us: [0.1, 0.35],
    source: 'GWI surveys: one in four internet users (2016), 27-31% (2017-2020)',
    apply: (c, v) => (c.vpnUserShare = v),
  },
  {
    id: 'P11b',
    what: "share of a VPN user's logins through the VPN",
    us: [0.1, 0.4],
    source: '[A]',
    apply: (c, v) => (c.vpnLoginShare = v),
  },
  {
    id: 'P10a',
    what: 'foreign trips per user-year',
    us: [0.05, 0.3],
    cn: [0.03, 0.2],
    source: 'UNWTO: 1.5 billion international arrivals in 2019, about 0.19 per person worldwide; [A] per profile',
    apply: (c, v) => (c.foreignTripsPerYear = v),
  },
  {
    id: 'P10b',
    what: 'domestic trips per user-year',
    us: [0.1, 0.6],
    source: '[A]',
    apply: (c, v) => (c.domesticTripsPerYear = v),
  },
  {
    id: 'P7',
    what: 'phone replacement per month',
    us: [0.03, 0.048],
    source: 'Counterpoint (21-month cycle) and Strategy Analytics (33 months, US 2019) surveys: 3.0-4.8% a month',
    apply: (c, v) => (c.deviceReplacementPerMonth = v),
  },
  {
    id: 'P7b',
    what: 'replacement keeps the OS family',
    us: [0.7, 0.95],
    source: '[A]',
    apply: (c, v) => (c.sameOsFamilyOnReplacement = v),
  },
  {
    id: 'P9',
    what: 'owners with a second device',
    us: [0.2, 0.6],
    source: '[A] (benchmark design sweep 20-60%)',
    apply: (c, v) => (c.multiDeviceShare = v),
  },
  {
    id: 'P6',
    what: 'new address on the home networks per login',
    us: [0.03, 0.1],
    source: 'Mozilla Firefox Accounts security-events history (2016-2017): about 1 in 8 logins from a new IP, all causes together',
    apply: (c, v) => (c.newIpRate = v),
  },
  {
    id: 'P8',
    what: 'Android web logins with the reduced "Android 10; K" user agent',
    us: [0.5, 0.9],
    cn: [0.1, 0.4],
    source: 'Chromium User-Agent reduction (format); shares [A]',
    apply: (c, v) => (c.reducedAndroidShare = v),
  },
  {
    id: 'S5a',
    what: 'accidental new holders (A1) among takeovers; A2, A3, A5 share the rest at random weights',
    us: [0.3, 0.75],
    source: 'benchmark design mix 60/25/10/5 [A]; the independent world of issue 14 had accidental holders, hunters and mimics',
    apply: (c, v) => (c.takeoverMix = { ...c.takeoverMix, A1: v }),
  },
  {
    id: 'S15',
    what: 'deliberate attackers using an adaptive strategy',
    us: [0.4, 1],
    source: '[A]: attackers learn; no published measurement',
    apply: (c, v) => (c.adaptiveShare = v),
  },
  {
    id: 'P16a',
    what: "mean days from reissue to an accidental holder's first login (A1)",
    us: [10, 60],
    source: '[A]',
    apply: (c, v) => (c.firstAttemptDelayDays = { ...c.firstAttemptDelayDays, A1: v }),
  },
  {
    id: 'P16b',
    what: "mean days from reissue to a hunter's or targeted attacker's first login (A2, A3)",
    us: [1, 15],
    log: true,
    source: 'Lee & Narayanan 2021: hunters pick numbers as they come back on offer [A]',
    apply: (c, v) => (c.firstAttemptDelayDays = { ...c.firstAttemptDelayDays, A2: v, A3: v }),
  },
  {
    id: 'S7',
    what: 'attempts after the first (geometric mean) for non-retrying attackers',
    us: [0.5, 3],
    source: '[A]',
    apply: (c, v) => (c.attackerExtraAttempts = v),
  },
  {
    id: 'S13a',
    what: 'owner passes a step-up (per login)',
    us: [0.9, 0.97],
    source:
      'Doerfler et al., "Evaluating Login Challenges as a Defense Against Account Takeover" (WWW 2019): 97% of challenged users get back in, 52% fail the first time',
    apply: (c, v) => (c.stepUpPass = { ...c.stepUpPass, owner: v }),
  },
  {
    id: 'S13b',
    what: 'targeted attacker (A3) passes the step-up (leaked password)',
    us: [0.15, 0.4],
    source: 'Lee & Narayanan 2021: 38.6% of sampled recycled numbers linked to leaked credentials somewhere',
    apply: (c, v) => (c.stepUpPass = { ...c.stepUpPass, A3: v }),
  },
  {
    id: 'S13c',
    what: 'hunter (A2, A5) passes the step-up',
    us: [0.03, 0.2],
    source: '[A], below the leaked-credential share: a hunter does not know whose number it holds',
    apply: (c, v) => (c.stepUpPass = { ...c.stepUpPass, A2: v, A5: v }),
  },
  {
    id: 'S8',
    what: "exact provider reports an owner's port as a new subscriber",
    us: [0.03, 0.2],
    source: 'CAMARA Number Recycling answers per operator; rate [A]',
    apply: (c, v) => (c.portMisreportRate = v),
  },
  {
    id: 'P18',
    what: 'owner port-outs and SIM replacements per account-year',
    us: [0.01, 0.05],
    source: '[A]; Lee et al., "An Empirical Study of Wireless Carrier Authentication for SIM Swaps" (SOUPS 2020): SIM changes are routine',
    apply: (c, v) => (c.decoyCarrierEventsPerYear = v),
  },
  {
    id: 'S11',
    what: 'owner bound a number reissued to them shortly before',
    us: [0.05, 0.2],
    source: '[A]; Lee & Narayanan 2021: most numbers on offer are recycled',
    apply: (c, v) => (c.recycledAtBindingShare = v),
  },
];

/**
 * Identity checks (ID match, face, a device the owner enrolled) for hosts that run them. Drawn from
 * a stream of their own after the ranges above, so every world of earlier runs is drawn the same.
 */
export const IDENTITY_RANGES: WorldRange[] = [
  {
    id: 'S16a',
    what: 'owner passes an identity check (ID match, face), per login',
    us: [0.85, 0.97],
    source: "[A], at most the owners' step-up pass rate (S13a): document capture and liveness retries fail some owners",
    apply: (c, v) => (c.identityCheckPass = { ...c.identityCheckPass, owner: v }),
  },
  {
    id: 'S16b',
    what: 'targeted attacker (A3) or SIM swapper (A4) passes an identity check',
    us: [0.005, 0.05],
    log: true,
    source: "[A]: only with the previous holder's leaked ID scan or a face deepfake that beats liveness",
    apply: (c, v) => (c.identityCheckPass = { ...c.identityCheckPass, A3: v, A4: v }),
  },
  {
    id: 'S16c',
    what: 'hunter (A2, A5) or accidental new holder (A1) passes an identity check',
    us: [0.001, 0.02],
    log: true,
    source: '[A]: a hunter does not know whose number it holds, so it holds no document or face of theirs',
    apply: (c, v) => (c.identityCheckPass = { ...c.identityCheckPass, A1: v, A2: v, A5: v }),
  },
];

/** Every documented range, in the order docs/evaluation.md prints them. */
export const ALL_WORLD_RANGES: WorldRange[] = [...WORLD_RANGES, ...IDENTITY_RANGES];

/** Design knobs the world suite fixes for every draw (statistical power, not the world). */
export const WORLD_DESIGN = {
  /** Accounts forced into the stale-binding takeover storyline: rates are conditional, so this
   * buys samples without biasing them (owner metrics leave those accounts out). */
  takeoverOversample: 0.3,
};

export interface WorldDraw {
  profile: ProfileName;
  /** The draw seed: parameters and the simulation both derive from it. */
  seed: number;
  /** `null` for the tuned default world (no parameter drawn). */
  values: Record<string, number> | null;
  overrides: Partial<SimConfig>;
}

/** The tuned default world at a seed: the frozen defaults plus the suite's design knobs. */
export function defaultWorld(profile: ProfileName, seed: number): WorldDraw {
  return { profile, seed, values: null, overrides: { ...WORLD_DESIGN } };
}

/** One shifted world: every range of WORLD_RANGES drawn from a stream of its own seed. */
export function drawWorld(profile: ProfileName, seed: number): WorldDraw {
  const rng = Rng.derive(seed, 'world', profile);
  const config = defaultConfig(profile, 1, seed);
  const values: Record<string, number> = {};
  for (const range of WORLD_RANGES) {
    const [low, high] = profile === 'cn' && range.cn ? range.cn : range.us;
    const u = rng.next();
    const value = range.log ? Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low))) : low + u * (high - low);
    values[range.id] = value;
    range.apply(config, value);
  }
  // The rest of the takeover mix: random weights for A2, A3, A5.
  const weights = [rng.uniform(0.3, 1), rng.uniform(0.1, 0.6), rng.uniform(0.05, 0.4)];
  const total = weights.reduce((a, b) => a + b, 0);
  const rest = 1 - config.takeoverMix.A1;
  config.takeoverMix = { A1: config.takeoverMix.A1, A2: (rest * weights[0]!) / total, A3: (rest * weights[1]!) / total, A5: (rest * weights[2]!) / total };
  const identityRng = Rng.derive(seed, 'world-identity', profile);
  for (const range of IDENTITY_RANGES) {
    const [low, high] = profile === 'cn' && range.cn ? range.cn : range.us;
    const u = identityRng.next();
    const value = range.log ? Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low))) : low + u * (high - low);
    values[range.id] = value;
    range.apply(config, value);
  }
  const keys: (keyof SimConfig)[] = [
    'numberDropPerYear',
    'staleBindingRate',
    'newHolderLoginRate',
    'agingUs',
    'agingCn',
    'classes',
    'dormancyBreakShare',
    'dormancyBreakDays',
    'sessionDays',
    'webTokenLossPerActivity',
    'appShare',
    'vpnUserShare',
    'vpnLoginShare',
    'foreignTripsPerYear',
    'domesticTripsPerYear',
    'deviceReplacementPerMonth',
    'sameOsFamilyOnReplacement',
    'multiDeviceShare',
    'newIpRate',
    'reducedAndroidShare',
    'takeoverMix',
    'adaptiveShare',
    'firstAttemptDelayDays',
    'attackerExtraAttempts',
    'stepUpPass',
    'identityCheckPass',
    'portMisreportRate',
    'decoyCarrierEventsPerYear',
    'recycledAtBindingShare',
  ];
  const overrides: Partial<SimConfig> = { ...WORLD_DESIGN };
  for (const key of keys) (overrides as Record<string, unknown>)[key] = config[key];
  return { profile, seed, values, overrides };
}

// ---------------------------------------------------------------------------------------------
// Unavoidable friction: computed from the events and labels alone, never from the guard
// ---------------------------------------------------------------------------------------------

const countryCache = new Map<string, string>();

/** The number's country (ISO 3166-1 alpha-2), '' when unknown. */
export function numberCountry(phone: string): string {
  let country = countryCache.get(phone);
  if (country === undefined) {
    country = phoneLibrary().parsePhoneNumberFromString(phone)?.country ?? '';
    if (countryCache.size > 100_000) countryCache.clear();
    countryCache.set(phone, country);
  }
  return country;
}

/** The minimum aging period of a number's country (US 45 d, CN 90 d; 30 d elsewhere, the guard's default). */
export function minAgingDaysOf(phone: string): number {
  return DEFAULT_MIN_AGING_DAYS[numberCountry(phone)] ?? 30;
}

type FrictionEvent = Pick<SimEvent, 'accountId' | 'phone' | 'phoneBoundAt' | 'at' | 'deviceId' | 'verified' | 'lastSeenAt' | 'label' | 'warmup'>;

/**
 * Owners who come back after the aging period with no device token they used before: nothing a
 * holder of the SIM cannot forge tells them from a new holder, so any guard that stops new holders
 * without carrier evidence must ask them for more. For each owner SMS login, the gap is the time
 * since the owner's previous SMS login (for the first one in the log, since the host's `lastSeenAt`
 * hint, else the binding); the login is unavoidable friction when the gap is at least the number
 * country's minimum aging and its device token (if any) never appeared on an earlier owner login.
 */
export class UnavoidableFriction {
  private readonly state = new Map<string, { lastSms?: number; tokens: Set<string> }>();
  /** Scored owners: whether any of their scored SMS logins was unavoidable friction. */
  readonly owners = new Map<string, boolean>();
  logins = 0;
  unavoidableLogins = 0;

  observe(event: FrictionEvent): void {
    if (event.label.actor !== 'owner') return;
    let state = this.state.get(event.accountId);
    if (!state) this.state.set(event.accountId, (state = { tokens: new Set() }));
    const sms = (event.verified ?? ['sms_otp']).includes('sms_otp');
    const at = Date.parse(event.at);
    if (sms) {
      const previous = state.lastSms ?? (event.lastSeenAt !== undefined ? Date.parse(String(event.lastSeenAt)) : Date.parse(event.phoneBoundAt));
      const unavoidable = (at - previous) / DAY_MS >= minAgingDaysOf(event.phone) && !(event.deviceId !== undefined && state.tokens.has(event.deviceId));
      if (!event.warmup) {
        this.logins++;
        if (unavoidable) this.unavoidableLogins++;
        this.owners.set(event.accountId, (this.owners.get(event.accountId) ?? false) || unavoidable);
      }
      state.lastSms = at;
    }
    if (event.deviceId !== undefined) state.tokens.add(event.deviceId);
  }

  /** Share of owners with at least one unavoidable login, among `owners` (default: every scored owner). */
  share(exclude?: ReadonlySet<string>): { owners: number; unavoidable: number } {
    let owners = 0;
    let unavoidable = 0;
    for (const [account, flagged] of this.owners) {
      if (exclude?.has(account)) continue;
      owners++;
      if (flagged) unavoidable++;
    }
    return { owners, unavoidable };
  }
}

// ---------------------------------------------------------------------------------------------
// Reliability of `risk`
// ---------------------------------------------------------------------------------------------

/** Half-decade bins: [0, 1e-6), [1e-6, 10^-5.5), ..., [10^-0.5, 1]. */
export const RISK_BIN_EDGES: readonly number[] = [0, ...Array.from({ length: 12 }, (_, i) => 10 ** (-6 + i / 2))];

export function riskBin(risk: number): number {
  for (let bin = RISK_BIN_EDGES.length - 1; bin >= 0; bin--) if (risk >= RISK_BIN_EDGES[bin]!) return bin;
  return 0;
}

/** Sums per bin, kept apart for owners and takeovers so a weight can be put on takeovers later. */
export interface ReliabilityTally {
  legitN: number[];
  legitRisk: number[];
  /** Sum of risk^2 (the Brier term of an owner login). */
  legitSq: number[];
  takeoverN: number[];
  takeoverRisk: number[];
  /** Sum of (1 - risk)^2. */
  takeoverSq: number[];
}

export function newReliability(): ReliabilityTally {
  const zeros = () => new Array<number>(RISK_BIN_EDGES.length).fill(0);
  return { legitN: zeros(), legitRisk: zeros(), legitSq: zeros(), takeoverN: zeros(), takeoverRisk: zeros(), takeoverSq: zeros() };
}

export function recordRisk(tally: ReliabilityTally, risk: number, takeover: boolean): void {
  const bin = riskBin(risk);
  if (takeover) {
    tally.takeoverN[bin]!++;
    tally.takeoverRisk[bin]! += risk;
    tally.takeoverSq[bin]! += (1 - risk) ** 2;
  } else {
    tally.legitN[bin]!++;
    tally.legitRisk[bin]! += risk;
    tally.legitSq[bin]! += risk ** 2;
  }
}

/** Adds `other` into `into`, counting each of its takeover logins `weight` times. */
export function mergeReliability(into: ReliabilityTally, other: ReliabilityTally, weight = 1): void {
  for (let bin = 0; bin < RISK_BIN_EDGES.length; bin++) {
    into.legitN[bin]! += other.legitN[bin]!;
    into.legitRisk[bin]! += other.legitRisk[bin]!;
    into.legitSq[bin]! += other.legitSq[bin]!;
    into.takeoverN[bin]! += weight * other.takeoverN[bin]!;
    into.takeoverRisk[bin]! += weight * other.takeoverRisk[bin]!;
    into.takeoverSq[bin]! += weight * other.takeoverSq[bin]!;
  }
}

export interface ReliabilityRow {
  low: number;
  high: number;
  n: number;
  takeovers: number;
  meanRisk: number;
  observed: number;
}

export interface Reliability {
  rows: ReliabilityRow[];
  brier: number;
  /** Brier score of always answering the observed base rate (the no-skill reference). */
  brierBaseRate: number;
  baseRate: number;
  meanRisk: number;
  /** Mean |mean risk - observed rate| over bins, weighted by logins (expected calibration error). */
  ece: number;
}

export function reliability(tally: ReliabilityTally): Reliability {
  const rows: ReliabilityRow[] = [];
  let n = 0;
  let takeovers = 0;
  let sumRisk = 0;
  let brierSum = 0;
  let eceSum = 0;
  for (let bin = 0; bin < RISK_BIN_EDGES.length; bin++) {
    const binN = tally.legitN[bin]! + tally.takeoverN[bin]!;
    if (binN === 0) continue;
    const meanRisk = (tally.legitRisk[bin]! + tally.takeoverRisk[bin]!) / binN;
    const observed = tally.takeoverN[bin]! / binN;
    rows.push({ low: RISK_BIN_EDGES[bin]!, high: RISK_BIN_EDGES[bin + 1] ?? 1, n: binN, takeovers: tally.takeoverN[bin]!, meanRisk, observed });
    n += binN;
    takeovers += tally.takeoverN[bin]!;
    sumRisk += tally.legitRisk[bin]! + tally.takeoverRisk[bin]!;
    brierSum += tally.legitSq[bin]! + tally.takeoverSq[bin]!;
    eceSum += binN * Math.abs(meanRisk - observed);
  }
  const baseRate = n > 0 ? takeovers / n : NaN;
  return { rows, brier: brierSum / n, brierBaseRate: baseRate * (1 - baseRate), baseRate, meanRisk: sumRisk / n, ece: eceSum / n };
}

// ---------------------------------------------------------------------------------------------
// What the world suite counts per guard variant
// ---------------------------------------------------------------------------------------------

export interface Rate {
  n: number;
  k: number;
}

const rate = (): Rate => ({ n: 0, k: 0 });

export interface AttemptCell {
  n: number;
  stepUp: number;
  deny: number;
  /** Allowed outright. */
  allowed: number;
  /** Allowed while the attacker had passed no step-up on the account: the guard's own miss. */
  allowedUnvouched: number;
  /** Stepped up and the attacker passed one of the offered options (label.passesStepUp, passesIdentityCheck). */
  passed: number;
}

/** Counts of one guard variant on one world (JSON-serialisable, summed across worlds). */
export interface VariantTally {
  id: string;
  /** First takeover login (A1, A2, A3, A5) stopped: stepped up or denied. */
  first: Rate;
  firstByStrategy: Record<string, Rate>;
  firstByScenario: Record<string, Rate>;
  /** Takeover accounts ever let in: an attempt allowed, or stepped up and passed. */
  everAllowed: Rate;
  /** Takeover accounts let in by an attempt allowed before the attacker passed any step-up. */
  everAllowedOutright: Rate;
  everAllowedByStrategy: Record<string, Rate>;
  /** Every attempt, by "scenario·strategy". */
  attempts: Record<string, AttemptCell>;
  legit: { n: number; stepUp: number; deny: number };
  legitByScenario: Record<string, { n: number; stepUp: number; deny: number }>;
  owners: { n: number; everStepUp: number; everDeny: number };
  reliability: ReliabilityTally;
}

export function newTally(id: string): VariantTally {
  return {
    id,
    first: rate(),
    firstByStrategy: Object.fromEntries(ATTACKER_STRATEGIES.map((s) => [s, rate()])),
    firstByScenario: {},
    everAllowed: rate(),
    everAllowedOutright: rate(),
    everAllowedByStrategy: Object.fromEntries(ATTACKER_STRATEGIES.map((s) => [s, rate()])),
    attempts: {},
    legit: { n: 0, stepUp: 0, deny: 0 },
    legitByScenario: {},
    owners: { n: 0, everStepUp: 0, everDeny: 0 },
    reliability: newReliability(),
  };
}

/** Per-world working state behind a tally: which accounts were seen, let in, stepped up. */
export class VariantCounter {
  readonly tally: VariantTally;
  private readonly allowedAccounts = new Map<string, boolean>();
  private readonly allowedOutright = new Map<string, boolean>();
  /** Takeover accounts whose attacker passed a step-up: trusted from then on, by design. */
  private readonly passedStepUp = new Set<string>();
  private readonly ownerFlags = new Map<string, number>();

  constructor(id: string) {
    this.tally = newTally(id);
  }

  /**
   * One scored decision. `first`: the account's first recycled-number takeover attempt. A4 (SIM
   * swap on an active account) is a control: counted per attempt only.
   */
  record(event: SimEvent, first: boolean, action: DecisionAction, risk: number, stepUp?: readonly (readonly StepUpCheck[])[]): void {
    const label = event.label;
    const stopped = action !== 'allow';
    if (!label.isTakeover) {
      const legit = this.tally.legit;
      legit.n++;
      if (action === 'step_up') legit.stepUp++;
      if (action === 'deny') legit.deny++;
      const byScenario = (this.tally.legitByScenario[label.scenario] ??= { n: 0, stepUp: 0, deny: 0 });
      byScenario.n++;
      if (action === 'step_up') byScenario.stepUp++;
      if (action === 'deny') byScenario.deny++;
      const flags = (this.ownerFlags.get(event.accountId) ?? 0) | (action === 'step_up' ? 1 : 0) | (action === 'deny' ? 2 : 0);
      this.ownerFlags.set(event.accountId, flags);
      recordRisk(this.tally.reliability, risk, false);
      return;
    }
    const strategy: AttackerStrategy = label.strategy ?? 'plain';
    const key = `${label.scenario}·${strategy}`;
    const cell = (this.tally.attempts[key] ??= { n: 0, stepUp: 0, deny: 0, allowed: 0, allowedUnvouched: 0, passed: 0 });
    cell.n++;
    // The option the attacker gets through: a leaked password passes a password, not an ID check.
    const passes = action === 'step_up' && (stepUp ? optionPassed(label, stepUp)?.passed === true : label.passesStepUp === true);
    const letIn = action === 'allow' || passes;
    const unvouched = action === 'allow' && !this.passedStepUp.has(event.accountId);
    if (action === 'step_up') cell.stepUp++;
    if (action === 'deny') cell.deny++;
    if (action === 'allow') cell.allowed++;
    if (unvouched) cell.allowedUnvouched++;
    if (passes) {
      cell.passed++;
      this.passedStepUp.add(event.accountId);
    }
    if (label.scenario === 'A4') return;
    recordRisk(this.tally.reliability, risk, true);
    if (first) {
      this.tally.first.n++;
      if (stopped) this.tally.first.k++;
      const byStrategy = (this.tally.firstByStrategy[strategy] ??= rate());
      byStrategy.n++;
      if (stopped) byStrategy.k++;
      const byScenario = (this.tally.firstByScenario[label.scenario] ??= rate());
      byScenario.n++;
      if (stopped) byScenario.k++;
      this.allowedAccounts.set(event.accountId, letIn);
      this.allowedOutright.set(event.accountId, unvouched);
    } else if (this.allowedAccounts.has(event.accountId)) {
      if (letIn) this.allowedAccounts.set(event.accountId, true);
      if (unvouched) this.allowedOutright.set(event.accountId, true);
    }
  }

  /** Closes the world: takeover accounts ever let in, and owner friction outside `exclude`. */
  finish(strategyOf: ReadonlyMap<string, AttackerStrategy>, exclude: ReadonlySet<string>): VariantTally {
    for (const [account, letIn] of this.allowedAccounts) {
      this.tally.everAllowed.n++;
      if (letIn) this.tally.everAllowed.k++;
      this.tally.everAllowedOutright.n++;
      if (this.allowedOutright.get(account)) this.tally.everAllowedOutright.k++;
      const strategy = strategyOf.get(account) ?? 'plain';
      const cell = (this.tally.everAllowedByStrategy[strategy] ??= rate());
      cell.n++;
      if (letIn) cell.k++;
    }
    for (const [account, flags] of this.ownerFlags) {
      if (exclude.has(account)) continue;
      this.tally.owners.n++;
      if (flags & 1) this.tally.owners.everStepUp++;
      if (flags & 2) this.tally.owners.everDeny++;
    }
    return this.tally;
  }
}

/** Sums `other` into `into` (rates and counts; reliability with takeovers weighted by `weight`). */
export function mergeTally(into: VariantTally, other: VariantTally, reliabilityWeight = 1): void {
  const add = (a: Rate, b: Rate) => {
    a.n += b.n;
    a.k += b.k;
  };
  add(into.first, other.first);
  add(into.everAllowed, other.everAllowed);
  add(into.everAllowedOutright, other.everAllowedOutright);
  for (const [key, value] of Object.entries(other.firstByStrategy)) add((into.firstByStrategy[key] ??= rate()), value);
  for (const [key, value] of Object.entries(other.firstByScenario)) add((into.firstByScenario[key] ??= rate()), value);
  for (const [key, value] of Object.entries(other.everAllowedByStrategy)) add((into.everAllowedByStrategy[key] ??= rate()), value);
  for (const [key, value] of Object.entries(other.attempts)) {
    const cell = (into.attempts[key] ??= { n: 0, stepUp: 0, deny: 0, allowed: 0, allowedUnvouched: 0, passed: 0 });
    cell.n += value.n;
    cell.allowedUnvouched += value.allowedUnvouched;
    cell.stepUp += value.stepUp;
    cell.deny += value.deny;
    cell.allowed += value.allowed;
    cell.passed += value.passed;
  }
  into.legit.n += other.legit.n;
  into.legit.stepUp += other.legit.stepUp;
  into.legit.deny += other.legit.deny;
  for (const [key, value] of Object.entries(other.legitByScenario)) {
    const cell = (into.legitByScenario[key] ??= { n: 0, stepUp: 0, deny: 0 });
    cell.n += value.n;
    cell.stepUp += value.stepUp;
    cell.deny += value.deny;
  }
  into.owners.n += other.owners.n;
  into.owners.everStepUp += other.owners.everStepUp;
  into.owners.everDeny += other.owners.everDeny;
  mergeReliability(into.reliability, other.reliability, reliabilityWeight);
}
