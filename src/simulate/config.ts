/**
 * The simulator's configuration: every number that shapes the synthetic world, with where it
 * comes from. The parameter ids (P1-P20, S1-S14) are this file's own and name the rows of
 * docs/evaluation.md's parameter table. Tags: [V] verified figure, [D]
 * derived by arithmetic, [F] read from a published figure, [U] unverified, [A] our assumption
 * (swept in the evaluation when it has no published measurement).
 *
 * FROZEN: the evaluation in docs/evaluation.md was run on GENERATOR_VERSION below. Changing any
 * default changes every published figure, so bump the version and re-run the evaluation.
 */
import type { LegitScenario, TakeoverScenario } from '../backtest/scenarios.js';

export const GENERATOR_VERSION = 'sim-1.2.0';

export type ProfileName = 'us' | 'cn';
// The scenarios are the backtest's label vocabulary: its report titles them.
export { SCENARIO_TITLES, type LegitScenario, type Scenario, type TakeoverScenario } from '../backtest/scenarios.js';
export type EvidenceSignal = 'exact' | 'coarse' | 'missing';

export const LEGIT_SCENARIOS: readonly LegitScenario[] = ['L0', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'L7', 'L8', 'L9'];
export const TAKEOVER_SCENARIOS: readonly TakeoverScenario[] = ['A1', 'A2', 'A3', 'A4', 'A5'];
/** Recycled-number takeovers proper; A4 (SIM swap) is an out-of-scope control, reported apart. */
export const RECYCLING_SCENARIOS: readonly TakeoverScenario[] = ['A1', 'A2', 'A3', 'A5'];

/**
 * How a deliberate attacker (A2, A3, A5) goes about it. `plain` is the scenario's own behaviour
 * (section 7.5 of the benchmark design); the others know the guard's signals and override the one
 * dimension they name, keeping the rest of the scenario (its timing, its step-up pass rate). A1
 * accidental new holders and A4 SIM swappers are always `plain`.
 */
export type AttackerStrategy = 'plain' | 'mimic' | 'early' | 'usual-time' | 'retry' | 'register-retry' | 'common-phone' | 'all';
export const ADAPTIVE_STRATEGIES: readonly AttackerStrategy[] = ['mimic', 'early', 'usual-time', 'retry', 'register-retry', 'common-phone', 'all'];
export const ATTACKER_STRATEGIES: readonly AttackerStrategy[] = ['plain', ...ADAPTIVE_STRATEGIES];

export const STRATEGY_TITLES: Record<AttackerStrategy, string> = {
  plain: "the scenario's own behaviour",
  mimic: "owner's last user agent and Client Hints, from the owner's city and home ISP, no device token",
  early: 'first attempt within hours of the reissue',
  'usual-time': "the owner's usual weekday and local hour",
  retry: 'several attempts days apart, one device token kept throughout',
  'register-retry': '"register" first, then several attempts days apart',
  'common-phone': "the region's most common phone, fresh browser, no device token",
  all: 'all of the above at once',
};

export interface FrequencyClass {
  name: 'daily' | 'several_days' | 'weekly' | 'several_weeks' | 'monthly_or_less';
  share: number;
  /** Mean gap between days of activity (exponential). */
  meanGapDays: number;
}

export interface SimConfig {
  profile: ProfileName;
  /** P1 */
  accounts: number;
  seed: number;
  /** Start of the simulated log (UTC midnight). */
  startDate: string;
  horizonDays: number;
  /** Events before start + warmupDays build history and are never scored. */
  warmupDays: number;
  /** P3 + P4 */
  classes: FrequencyClass[];
  /** Session lifetime: an SMS login happens only when the device has no live session. */
  sessionDays: { app: number; web: number };
  /** Share of devices whose logins come through the host's app (install id as device token). */
  appShare: { mobile: number; tablet: number; desktop: number };
  /** Per day of web activity: cookies cleared / private window / browser storage purge. */
  webTokenLossPerActivity: number;
  /** P5: relative weight of each local hour, 0..23. */
  hourWeights: number[];
  /** P6: new address on the home networks; set so that the overall new-IP rate of legitimate
   * logins (VPN, trips and moves included) lands on the 1 in 8 of Firefox Accounts 2017 (docs/sources.md). */
  newIpRate: number;
  /** Which network a login comes from at home. */
  networkShares: { home: number; mobile: number; work: number };
  /** Mobile logins over IPv6 (2001:db8::/32 documentation prefix). */
  mobileIpv6Share: number;
  /** P7: per month, primary phone; secondary devices use `secondaryReplacementPerMonth`. */
  deviceReplacementPerMonth: number;
  secondaryReplacementPerMonth: number;
  /** Replacement keeps the OS family (brand loyalty). */
  sameOsFamilyOnReplacement: number;
  /** P8: Android devices browsing with Chrome, whose user agent is reduced to "Android 10; K". */
  reducedAndroidShare: number;
  /** Lag between a browser/OS release and a device installing it (mean days, exponential). */
  updateLagDays: number;
  /** Chromium logins that carry the high-entropy Sec-CH-UA-Model hint (host sent Accept-CH). */
  modelHintShare: number;
  /** P9 */
  multiDeviceShare: number;
  /** Logins on the second device when there is one. */
  secondaryUseShare: number;
  /** P10: foreign trips per user-year, days. */
  foreignTripsPerYear: number;
  tripDays: [number, number];
  domesticTripsPerYear: number;
  domesticTripDays: [number, number];
  /** Trip logins through the home operator's roaming (IP geolocates home) rather than local wifi. */
  roamingShare: number;
  /** P11 */
  vpnUserShare: number;
  vpnLoginShare: number;
  /** A VPN login followed within minutes by one without it (or the reverse). */
  vpnToggleShare: number;
  /** VPN exits inside the home country (the rest abroad). */
  vpnDomesticExitShare: number;
  /** P12 */
  numberDropPerYear: number;
  /** P13 */
  staleBindingRate: number;
  /** P14 (US): aging between permanent disconnection and reissue. */
  agingUs: { minDays: number; meanExtraDays: number; maxDays: number };
  /** P14' (CN): last payment -> suspension -> cancellation -> freeze -> reissue. */
  agingCn: { suspensionDays: [number, number]; freezeMinDays: number; freezeMeanExtraDays: number };
  /** P15 */
  newHolderLoginRate: number;
  /** Takeover scenario mix (section 7.5). */
  takeoverMix: { A1: number; A2: number; A3: number; A5: number };
  /** P16: mean days from reissue to the first attempt. A5 waits out the SIM-change look-back first. */
  firstAttemptDelayDays: { A1: number; A2: number; A3: number; A5: number };
  a5ExtraWaitDays: number;
  /** A1: share who press "register", and share located in the number's home region. */
  a1RegisterShare: number;
  a1HomeRegionShare: number;
  /** A2: share using the SMS recovery flow instead of login. */
  a2RecoverShare: number;
  /** Deliberate attackers (A2, A3, A5) who use an adaptive strategy, split evenly over ADAPTIVE_STRATEGIES. */
  adaptiveShare: number;
  /** Attempts of the retrying strategies (uniform, inclusive) and days between them (uniform). */
  retryAttempts: [number, number];
  retrySpacingDays: [number, number];
  /** Attempts after the first (geometric mean) and their spacing (mean hours). */
  attackerExtraAttempts: number;
  attackerAttemptSpacingHours: number;
  /** P17 */
  evidence: { exact: number; coarse: number; missing: number };
  /** Exact provider: a port to another operator reported as a new subscriber (CAMARA answers per operator). */
  portMisreportRate: number;
  /** SIM-change look-back of the exact provider (CAMARA SIM Swap maxAge <= 2400 h). */
  simLookbackDays: number;
  /** P18: owner port-outs and SIM replacements per account-year, plus SIM changes with a new phone. */
  decoyCarrierEventsPerYear: number;
  simChangeWithNewPhone: number;
  /** P19 */
  ownerActiveOtherMethods: number;
  /** Emit P19's password-only logins as events (verified: ['password']). Off: the event schema is SMS logins. */
  emitNonSmsLogins: boolean;
  /** P20: accounts forced into the stale-binding takeover storyline, for statistical power. */
  takeoverOversample: number;
  /** A4 accounts (SIM swap while active). */
  simSwapShare: number;
  /** L5/L6: accounts that pause for a long break, its length, and the share who come back moved + new phone. */
  dormancyBreakShare: number;
  dormancyBreakDays: [number, number];
  dormantMoveShare: number;
  /** L8: accounts that bound a number reissued to them shortly before (mean days from activation to binding). */
  recycledAtBindingShare: number;
  bindDelayAfterActivationDays: number;
  /** Numbers with some earlier holder long before the binding (context only; S1: most offered numbers are recycled). */
  previouslyHeldShare: number;
  /** Existing accounts at the start; the rest sign up during the horizon. */
  existingAccountShare: number;
  accountAgeYears: number;
  /** SMS recovery flow used by owners instead of login. */
  ownerRecoverShare: number;
  /** Probability that the actor passes the step-up the guard asks for (replayed by the backtest): per
   * login for owners, once per attacker (a leaked password works every time or never). */
  stepUpPass: { owner: number; A1: number; A2: number; A3: number; A4: number; A5: number };
  /**
   * Probability that the actor passes a check of the previous holder's identity (ID document match,
   * face; a prompt on a device the owner enrolled): per login for owners, once per attacker. Drawn
   * from a stream of its own, so adding it left every other draw of the generator unchanged.
   */
  identityCheckPass: { owner: number; A1: number; A2: number; A3: number; A4: number; A5: number };
}

const DAY = 86_400_000;

/** S6 overview: trough 00-05h, rise 06-08h, plateau 08-20h, fall after 21h [F]. */
const HOUR_WEIGHTS = [0.35, 0.22, 0.14, 0.1, 0.1, 0.18, 0.45, 0.9, 1.5, 1.75, 1.8, 1.8, 1.8, 1.8, 1.8, 1.8, 1.8, 1.8, 1.8, 1.75, 1.6, 1.3, 0.95, 0.6];

export function defaultConfig(profile: ProfileName, accounts = 50_000, seed = 1): SimConfig {
  const cn = profile === 'cn';
  return {
    profile,
    accounts,
    seed,
    startDate: '2024-01-01T00:00:00.000Z',
    horizonDays: 730,
    warmupDays: 180,
    classes: [
      { name: 'daily', share: 0.15, meanGapDays: 1 },
      { name: 'several_days', share: 0.25, meanGapDays: 3 },
      { name: 'weekly', share: 0.25, meanGapDays: 7 },
      { name: 'several_weeks', share: 0.2, meanGapDays: 21 },
      { name: 'monthly_or_less', share: 0.15, meanGapDays: 60 },
    ],
    sessionDays: { app: 60, web: 21 },
    appShare: { mobile: 0.5, tablet: 0.3, desktop: 0 },
    webTokenLossPerActivity: 0.01,
    hourWeights: HOUR_WEIGHTS,
    newIpRate: 0.055,
    networkShares: { home: 0.55, mobile: 0.35, work: 0.1 },
    mobileIpv6Share: 0.3,
    deviceReplacementPerMonth: 0.037,
    secondaryReplacementPerMonth: 0.02,
    sameOsFamilyOnReplacement: 0.85,
    reducedAndroidShare: cn ? 0.2 : 0.7,
    updateLagDays: 21,
    modelHintShare: 0.5,
    multiDeviceShare: 0.4,
    secondaryUseShare: 0.3,
    foreignTripsPerYear: cn ? 0.1 : 0.15,
    tripDays: [3, 14],
    domesticTripsPerYear: 0.3,
    domesticTripDays: [2, 7],
    roamingShare: 0.5,
    vpnUserShare: 0.25,
    vpnLoginShare: 0.2,
    vpnToggleShare: 0.25,
    vpnDomesticExitShare: cn ? 0 : 0.7,
    numberDropPerYear: 0.08,
    staleBindingRate: 0.3,
    agingUs: { minDays: 45, meanExtraDays: 20, maxDays: 90 },
    agingCn: { suspensionDays: [90, 120], freezeMinDays: 90, freezeMeanExtraDays: 60 },
    newHolderLoginRate: 0.2,
    takeoverMix: { A1: 0.6, A2: 0.25, A3: 0.1, A5: 0.05 },
    firstAttemptDelayDays: { A1: 30, A2: 5, A3: 5, A5: 30 },
    a5ExtraWaitDays: 100,
    a1RegisterShare: 0.5,
    a1HomeRegionShare: 0.8,
    a2RecoverShare: 0.5,
    adaptiveShare: 0.7,
    retryAttempts: [3, 6],
    retrySpacingDays: [1, 10],
    attackerExtraAttempts: 1.5,
    attackerAttemptSpacingHours: 24,
    evidence: { exact: 0.6, coarse: 0.2, missing: 0.2 },
    portMisreportRate: 0.1,
    simLookbackDays: 100,
    decoyCarrierEventsPerYear: 0.02,
    simChangeWithNewPhone: 0.3,
    ownerActiveOtherMethods: 0.5,
    emitNonSmsLogins: false,
    takeoverOversample: 0.04,
    simSwapShare: 0.01,
    dormancyBreakShare: 0.05,
    dormancyBreakDays: [180, 720],
    dormantMoveShare: 0.5,
    recycledAtBindingShare: 0.1,
    bindDelayAfterActivationDays: 10,
    previouslyHeldShare: 0.5,
    existingAccountShare: 0.85,
    accountAgeYears: 6,
    ownerRecoverShare: 0.02,
    stepUpPass: { owner: 0.97, A1: 0.02, A2: 0.1, A3: 0.3, A4: 0.1, A5: 0.1 },
    identityCheckPass: { owner: 0.93, A1: 0.002, A2: 0.005, A3: 0.02, A4: 0.02, A5: 0.005 },
  };
}

export const DAY_MS = DAY;

/** A documented parameter: what it is, its default (per profile when they differ), the sweep, and the source. */
export interface ParameterDoc {
  id: string;
  what: string;
  value: (config: SimConfig) => string;
  sweep?: string;
  source: string;
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** The table published in docs/evaluation.md; `bench/evaluate.ts --params` prints it from the code. */
export const PARAMETERS: ParameterDoc[] = [
  {
    id: 'P1',
    what: 'accounts',
    value: (c) => String(c.accounts),
    source: '[A]; volume checked against Wiefling et al. 2022 (~9.5 attempts/user-year) [D], see parameter S1 below',
  },
  {
    id: 'P2',
    what: 'region profile (run separately)',
    value: () => 'us, cn',
    source: '47 CFR 52.15(f) (US), MIIT/CAICT 二次号 measures and published carrier periods (CN)',
  },
  {
    id: 'P3',
    what: 'login-frequency class shares daily / several days / weekly / several weeks / <= monthly',
    value: (c) => c.classes.map((k) => pct(k.share)).join(' / '),
    source: 'classes Wiefling et al. 2022 [V]; shares [A]',
  },
  {
    id: 'P4',
    what: 'mean gap between days of activity per class (exponential)',
    value: (c) => c.classes.map((k) => `${k.meanGapDays} d`).join(' / '),
    source: '[A]',
  },
  {
    id: 'S1',
    what: 'session lifetime app / web: an SMS login happens only when the device has no live session',
    value: (c) => `${c.sessionDays.app} d / ${c.sessionDays.web} d`,
    source: '[A], set once so the mean SMS logins per user-year lands near Wiefling et al. 2022 (9.5 attempts/user-year [D]); measured value reported',
  },
  {
    id: 'S2',
    what: 'devices using the host app (install id) mobile / tablet / desktop; web devices carry a cookie token',
    value: (c) => `${pct(c.appShare.mobile)} / ${pct(c.appShare.tablet)} / ${pct(c.appShare.desktop)}`,
    source: '[A]',
  },
  { id: 'S3', what: 'web token lost per day of activity (cookies cleared, private window)', value: (c) => pct(c.webTokenLossPerActivity), source: '[A]' },
  { id: 'P5', what: 'hour-of-day profile (local time)', value: () => 'trough 00-05h, plateau 08-20h', source: 'Wiefling et al. 2022 login overview [F]' },
  {
    id: 'P6',
    what: 'P(new IP) on home networks, set so all legit logins (VPN, trips, moves included) show the 1 in 8 of Firefox Accounts 2017 (measured value in the results); network home / mobile / work',
    value: (c) => `${pct(c.newIpRate)}; ${pct(c.networkShares.home)} / ${pct(c.networkShares.mobile)} / ${pct(c.networkShares.work)}`,
    source: 'Firefox Accounts 2017 (1 in 8) [D]; network shares [A]',
  },
  {
    id: 'P7',
    what: 'phone replacement hazard per month (secondary devices)',
    value: (c) => `${pct(c.deviceReplacementPerMonth)} (${pct(c.secondaryReplacementPerMonth)})`,
    source: 'Counterpoint / Strategy Analytics 21-33 month cycles [V]; secondary [A]',
  },
  {
    id: 'P8',
    what: 'Android logins with the reduced UA "Android 10; K" (Chrome major every 28 d, iOS yearly, update lag Exp(21 d))',
    value: (c) => `${pct(c.reducedAndroidShare)}`,
    source: 'Chromium User-Agent Reduction format [V]; cadence [U]; shares [A] (CN lower: vendor and in-app browsers)',
  },
  { id: 'S4', what: 'Chromium logins carrying Sec-CH-UA-Model', value: (c) => pct(c.modelHintShare), source: '[A]' },
  {
    id: 'P9',
    what: 'users with >= 2 devices; share of logins on the second',
    value: (c) => `${pct(c.multiDeviceShare)}; ${pct(c.secondaryUseShare)}`,
    source: '[A]',
  },
  {
    id: 'P10',
    what: 'foreign trips per user-year (days); domestic trips (flights at 800 km/h + 3 h)',
    value: (c) =>
      `${c.foreignTripsPerYear} (${c.tripDays[0]}-${c.tripDays[1]} d); ${c.domesticTripsPerYear} (${c.domesticTripDays[0]}-${c.domesticTripDays[1]} d)`,
    source: 'UNWTO [D] + [A]',
  },
  {
    id: 'P11',
    what: 'VPN users / share of their logins / toggles within minutes',
    value: (c) => `${pct(c.vpnUserShare)} / ${pct(c.vpnLoginShare)} / ${pct(c.vpnToggleShare)}`,
    source: 'GWI [V/S] + [A]',
  },
  { id: 'P12', what: 'annual number disconnection by the owner', value: (c) => pct(c.numberDropPerYear), source: 'FCC/CTIA 8-13% [D] (US); CN [A]' },
  {
    id: 'P13',
    what: 'stale binding: owner drops the number without updating it here',
    value: (c) => pct(c.staleBindingRate),
    sweep: '0.10 / 0.30 / 0.66',
    source: 'upper bound 66% Lee & Narayanan 2021 [V]; default [A], swept',
  },
  {
    id: 'P14',
    what: 'US aging before reissue',
    value: (c) => `${c.agingUs.minDays} + Exp(${c.agingUs.meanExtraDays}) d, capped ${c.agingUs.maxDays}`,
    source: '47 CFR 52.15(f) [V]; Lee & Narayanan 2021 monthly turnover [V]',
  },
  {
    id: "P14'",
    what: 'CN lifecycle: suspension, then freeze after cancellation',
    value: (c) => `${c.agingCn.suspensionDays[0]}-${c.agingCn.suspensionDays[1]} d, then ${c.agingCn.freezeMinDays} + Exp(${c.agingCn.freezeMeanExtraDays}) d`,
    source: 'China Mobile / China Unicom published periods (2023) [V]',
  },
  {
    id: 'P15',
    what: 'P(new holder tries the stale account within a year)',
    value: (c) => pct(c.newHolderLoginRate),
    sweep: '0.05 / 0.20 / 0.50',
    source: 'Lee & Narayanan 2021 ~10% of numbers still get prior-owner traffic [S]; [A], swept',
  },
  {
    id: 'P16',
    what: 'mean delay reissue -> first attempt A1 / A2 / A3 / A5 (A5 also waits out the SIM look-back)',
    value: (c) =>
      `${c.firstAttemptDelayDays.A1} / ${c.firstAttemptDelayDays.A2} / ${c.firstAttemptDelayDays.A3} / ${c.a5ExtraWaitDays} + ${c.firstAttemptDelayDays.A5} d`,
    source: '[A]',
  },
  {
    id: 'S5',
    what: 'takeover mix A1 / A2 / A3 / A5',
    value: (c) => `${pct(c.takeoverMix.A1)} / ${pct(c.takeoverMix.A2)} / ${pct(c.takeoverMix.A3)} / ${pct(c.takeoverMix.A5)}`,
    source: "default mix [A] (supersedes P15's 75/25 accidental/deliberate split)",
  },
  {
    id: 'S6',
    what: 'A1 "register" share; A1 in the number\'s home region; A2 via recovery',
    value: (c) => `${pct(c.a1RegisterShare)}; ${pct(c.a1HomeRegionShare)}; ${pct(c.a2RecoverShare)}`,
    source: 'home region 80% [A]; others [A]',
  },
  {
    id: 'S15',
    what: 'deliberate attackers (A2, A3, A5) using an adaptive strategy, split evenly; retrying strategies: attempts, days apart',
    value: (c) => `${pct(c.adaptiveShare)}; ${c.retryAttempts[0]}-${c.retryAttempts[1]}, ${c.retrySpacingDays[0]}-${c.retrySpacingDays[1]} d`,
    source: '[A] (no published measurement of how attackers adapt; issue 14: an independent world with "hunters" and "mimics")',
  },
  {
    id: 'S7',
    what: 'attacker attempts after the first (geometric mean), spacing',
    value: (c) => `${c.attackerExtraAttempts}, Exp(${c.attackerAttemptSpacingHours} h)`,
    source: '[A]',
  },
  {
    id: 'P17',
    what: 'carrier evidence per number exact / coarse / missing',
    value: (c) => `${pct(c.evidence.exact)} / ${pct(c.evidence.coarse)} / ${pct(c.evidence.missing)}`,
    sweep: 'exact 0-100%',
    source: 'FCC RND is coarse, CN 焕新 push-based [V]; shares [A], swept',
  },
  {
    id: 'S8',
    what: 'exact provider: port reported as a new subscriber; SIM-change look-back',
    value: (c) => `${pct(c.portMisreportRate)}; ${c.simLookbackDays} d`,
    source: 'CAMARA Number Recycling answers per operator [V]; rate [A]; CAMARA SIM Swap maxAge 2400 h [V]',
  },
  {
    id: 'P18',
    what: 'owner port-outs / SIM replacements per account-year; SIM change with a new phone',
    value: (c) => `${pct(c.decoyCarrierEventsPerYear)}; ${pct(c.simChangeWithNewPhone)}`,
    source: '[A]; Lee et al. 2020 (SIM changes are common)',
  },
  {
    id: 'P19',
    what: 'previous owner still active by other methods (password logins, not emitted by default)',
    value: (c) => `${pct(c.ownerActiveOtherMethods)}${c.emitNonSmsLogins ? ', emitted' : ', not emitted'}`,
    sweep: 'emitted vs not',
    source: '[A] (MIIT/CAICT 二次号 measures CoCo Lee case)',
  },
  {
    id: 'P20',
    what: 'accounts forced into the stale-binding takeover storyline (oversampling)',
    value: (c) => pct(c.takeoverOversample),
    source: 'design: >= 2,000 takeover logins per default run; precision reported at the natural prior',
  },
  { id: 'S9', what: 'A4 SIM-swap control accounts', value: (c) => pct(c.simSwapShare), source: '[A]' },
  {
    id: 'S10',
    what: 'L5/L6 long breaks: accounts, length, moved + new phone on return',
    value: (c) => `${pct(c.dormancyBreakShare)}, ${c.dormancyBreakDays[0]}-${c.dormancyBreakDays[1]} d, ${pct(c.dormantMoveShare)}`,
    source: '180-720 d [A]; shares [A] (no published dormancy rate)',
  },
  {
    id: 'S11',
    what: 'L8: bound a number reissued to them shortly before (mean days activation -> binding)',
    value: (c) => `${pct(c.recycledAtBindingShare)} (${c.bindDelayAfterActivationDays} d)`,
    source: '[A]; Lee & Narayanan 2021: most numbers on offer are recycled',
  },
  { id: 'S12', what: 'existing accounts at start / account age', value: (c) => `${pct(c.existingAccountShare)} / up to ${c.accountAgeYears} y`, source: '[A]' },
  {
    id: 'S13',
    what: 'step-up pass rate owner / A1 / A2 / A3 / A4 / A5',
    value: (c) => `${c.stepUpPass.owner} / ${c.stepUpPass.A1} / ${c.stepUpPass.A2} / ${c.stepUpPass.A3} / ${c.stepUpPass.A4} / ${c.stepUpPass.A5}`,
    source:
      'owner: Doerfler et al. 2019 97% eventually sign in [V]; attackers [A] (Lee & Narayanan 2021: 38.6% of numbers linked to leaked credentials somewhere)',
  },
  {
    id: 'S16',
    what: 'identity check (ID match, face, enrolled device) pass rate owner / A1 / A2 / A3 / A4 / A5',
    value: (c) =>
      `${c.identityCheckPass.owner} / ${c.identityCheckPass.A1} / ${c.identityCheckPass.A2} / ${c.identityCheckPass.A3} / ${c.identityCheckPass.A4} / ${c.identityCheckPass.A5}`,
    source:
      "owner [A] below FCC 18-177 (document capture and liveness retries fail some owners); attackers [A]: a new holder does not hold the previous holder's document or face; targeted attackers may hold a leaked ID scan",
  },
  {
    id: 'S14',
    what: 'horizon / warm-up (not scored)',
    value: (c) => `${c.horizonDays} d / ${c.warmupDays} d from ${c.startDate.slice(0, 10)}`,
    source: '[A]; Wiefling et al. 2022 (history beyond 6 months adds little)',
  },
];

/** Stable fingerprint of a configuration, printed with every evaluation so results name their generator. */
export function configFingerprint(config: SimConfig): string {
  const { accounts: _accounts, seed: _seed, ...rest } = config;
  const text = JSON.stringify(rest);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return `${GENERATOR_VERSION}#${(h >>> 0).toString(16).padStart(8, '0')}`;
}
