/**
 * One account's story over the horizon: the owner's activity and SMS logins (sessions, devices,
 * networks, trips, VPN, breaks, number changes), the carrier's record of the number, and, when
 * the owner dropped the number without updating it here, the new holder's attempts.
 *
 * Everything is drawn from the account's own random stream (random.ts), so an account's events do
 * not depend on any other account. Events come back sorted by time.
 */
import type { AttemptAction, VerifiedFactor } from '../types/index.js';
import {
  ADAPTIVE_STRATEGIES,
  DAY_MS,
  type AttackerStrategy,
  type EvidenceSignal,
  type FrequencyClass,
  type LegitScenario,
  type ProfileName,
  type SimConfig,
  type TakeoverScenario,
} from './config.js';
import { clientHintsAt, deviceCatalog, mostCommonDevice, newDevice, newToken, userAgentAt, type Device, type DeviceModel } from './devices.js';
import type { Actor, EventLabel, NumberTruth, SimChangeKind, SimEvent } from './events.js';
import { TRAVEL_DESTINATIONS, VPN_EXITS, addressIn, distanceKmBetween, homeCities, locationByName, type Location, type NetworkKind } from './locations.js';
import { phoneNumberFor } from './phones.js';
import { Rng, hash32 } from './random.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const YEAR_DAYS = 365.25;

/** Shared, read-only facts for every account of one run. */
export interface RunContext {
  config: SimConfig;
  start: number;
  end: number;
  warmupEnd: number;
  salt: number;
  cities: Location[];
  cityWeights: number[];
  classWeights: number[];
  hourCumulative: number[];
  primary: DeviceModel[];
  primaryWeights: number[];
  secondary: DeviceModel[];
  secondaryWeights: number[];
}

export function runContext(config: SimConfig): RunContext {
  const start = Date.parse(config.startDate);
  const cities = homeCities(config.profile);
  const total = config.hourWeights.reduce((a, b) => a + b, 0);
  let acc = 0;
  const hourCumulative = config.hourWeights.map((w) => (acc += w / total));
  const { primary, secondary } = deviceCatalog(config.profile);
  return {
    config,
    start,
    end: start + config.horizonDays * DAY_MS,
    warmupEnd: start + config.warmupDays * DAY_MS,
    salt: hash32(`${config.profile}:${config.seed}:numbers`),
    cities,
    cityWeights: cities.map((city) => city.weight),
    classWeights: config.classes.map((k) => k.share),
    hourCumulative,
    primary,
    primaryWeights: primary.map((model) => model.weight),
    secondary,
    secondaryWeights: secondary.map((model) => model.weight),
  };
}

// ---------------------------------------------------------------------------------------------
// The number and the carrier's record of it
// ---------------------------------------------------------------------------------------------

interface HolderChange {
  disconnectedAt: number;
  reissuedAt: number;
}

interface NumberState {
  phone: string;
  /** Where the number was bought (numbers are sold regionally). */
  homeCity: Location;
  boundAt: number;
  signal: EvidenceSignal;
  changes: HolderChange[];
  sims: { at: number; kind: SimChangeKind }[];
}

const iso = (ms: number) => new Date(ms).toISOString();

function truthAt(number: NumberState, at: number): NumberTruth {
  let change: HolderChange | undefined;
  for (const candidate of number.changes)
    if (candidate.disconnectedAt <= at && (!change || candidate.disconnectedAt > change.disconnectedAt)) change = candidate;
  const sims = number.sims
    .filter((sim) => sim.at <= at)
    .sort((a, b) => a.at - b.at)
    .slice(-4);
  return {
    disconnectedAt: change ? iso(change.disconnectedAt) : null,
    reissuedAt: change && change.reissuedAt <= at ? iso(change.reissuedAt) : null,
    signal: number.signal,
    simChanges: sims.map((sim) => ({ at: iso(sim.at), kind: sim.kind })),
  };
}

/** Days from permanent disconnection to reissue (P14 US, P14' CN freeze). */
function agingDays(config: SimConfig, rng: Rng): number {
  if (config.profile === 'us') return Math.min(config.agingUs.maxDays, config.agingUs.minDays + rng.exp(config.agingUs.meanExtraDays));
  return config.agingCn.freezeMinDays + rng.exp(config.agingCn.freezeMeanExtraDays);
}

/** Days from the owner's last payment to permanent disconnection (CN suspension; US: none). */
function suspensionDays(config: SimConfig, rng: Rng): number {
  return config.profile === 'us' ? 0 : rng.uniform(config.agingCn.suspensionDays[0], config.agingCn.suspensionDays[1]);
}

function evidenceSignal(config: SimConfig, rng: Rng): EvidenceSignal {
  const { exact, coarse, missing } = config.evidence;
  return (['exact', 'coarse', 'missing'] as const)[rng.weightedIndex([exact, coarse, missing])]!;
}

// ---------------------------------------------------------------------------------------------
// Time helpers
// ---------------------------------------------------------------------------------------------

function sampleHour(ctx: RunContext, rng: Rng): number {
  const u = rng.next();
  for (let h = 0; h < 24; h++) if (u < ctx.hourCumulative[h]!) return h;
  return 23;
}

/** A moment on the local calendar day containing `t`, at an hour drawn from the P5 profile. */
function atLocalHour(ctx: RunContext, t: number, city: Location, rng: Rng): number {
  const offset = city.tz * HOUR;
  const localDay = Math.floor((t + offset) / DAY_MS) * DAY_MS;
  return localDay - offset + sampleHour(ctx, rng) * HOUR + rng.int(60) * MINUTE + rng.int(60) * 1000;
}

// ---------------------------------------------------------------------------------------------
// Networks: where a login comes from
// ---------------------------------------------------------------------------------------------

interface Networks {
  city: Location;
  pools: Record<'home' | 'mobile' | 'work', string[]>;
}

function homeNetworks(city: Location, config: SimConfig, rng: Rng): Networks {
  return {
    city,
    pools: {
      home: [addressIn(city, 'isp', rng)],
      mobile: [addressIn(city, 'mobile', rng, rng.chance(config.mobileIpv6Share))],
      work: [addressIn(city, 'isp', rng)],
    },
  };
}

/** P6: a new address with probability `newIpRate`, else one used before (most recent most often). */
function homeAddress(networks: Networks, config: SimConfig, rng: Rng): string {
  const { home, mobile } = config.networkShares;
  const which = (['home', 'mobile', 'work'] as const)[rng.weightedIndex([home, mobile, config.networkShares.work])]!;
  const pool = networks.pools[which];
  if (rng.chance(config.newIpRate)) {
    const kind: NetworkKind = which === 'mobile' ? 'mobile' : 'isp';
    const fresh = addressIn(networks.city, kind, rng, kind === 'mobile' && rng.chance(config.mobileIpv6Share));
    pool.unshift(fresh);
    if (pool.length > 6) pool.pop();
    return fresh;
  }
  const index = rng.chance(0.6) ? 0 : rng.int(pool.length);
  const ip = pool[index]!;
  if (index !== 0) {
    pool.splice(index, 1);
    pool.unshift(ip);
  }
  return ip;
}

// ---------------------------------------------------------------------------------------------
// The account
// ---------------------------------------------------------------------------------------------

interface Trip {
  depart: number;
  arrive: number;
  leave: number;
  back: number;
  city: Location;
  foreign: boolean;
}

interface Pending {
  at: number;
  kind: 'replace_primary' | 'replace_secondary' | 'sim_event' | 'drop' | 'swap';
}

type Story = 'normal' | 'victim' | 'swap' | 'break';

interface Owner {
  accountId: string;
  frequency: FrequencyClass;
  home: Location;
  networks: Networks;
  primary: Device;
  secondary?: Device;
  vpnExit?: Location;
  /** Exit addresses this user's VPN handed out before (servers are reused). */
  vpnPool: string[];
  number: NumberState;
  lastSmsAt?: number;
  lastUa?: string;
  lastHints?: Record<string, string>;
  /** Labels waiting for the owner's next SMS login. */
  pendingL7Until?: number;
  pendingL9: boolean;
  pendingReturn?: 'L5' | 'L6';
  /** The owner no longer receives SMS on the bound number (stale binding). */
  stale: boolean;
  passwordOnly: boolean;
}

export function simulateAccount(ctx: RunContext, index: number): SimEvent[] {
  const { config } = ctx;
  const profile = config.profile;
  const rng = Rng.derive(config.seed, profile, 'account', index);
  // Identity-check outcomes come from a stream of their own: the rest of the account's story is
  // the same as before they were drawn.
  const identityRng = Rng.derive(config.seed, profile, 'identity-check', index);
  const accountId = `${profile}-${String(index).padStart(6, '0')}`;
  const events: SimEvent[] = [];

  const home = ctx.cities[rng.weightedIndex(ctx.cityWeights)]!;
  const frequency = config.classes[rng.weightedIndex(ctx.classWeights)]!;
  const existing = rng.chance(config.existingAccountShare);
  const signupAt = existing
    ? ctx.start - rng.uniform(30, config.accountAgeYears * YEAR_DAYS) * DAY_MS
    : ctx.start + rng.uniform(0, config.horizonDays - 30) * DAY_MS;

  // Storyline: at most one special arc per account keeps scenarios clean.
  const r = rng.next();
  let story: Story = 'normal';
  if (r < config.takeoverOversample) story = 'victim';
  else if (r < config.takeoverOversample + config.simSwapShare) story = 'swap';
  else if (r < config.takeoverOversample + config.simSwapShare + config.dormancyBreakShare) story = 'break';

  const numberFor = (city: Location, boundAt: number): NumberState => {
    const k = ownerNumberCount++;
    const phone = phoneNumberFor(profile, city, index * 8 + Math.min(k, 7), ctx.salt);
    const state: NumberState = { phone, homeCity: city, boundAt, signal: evidenceSignal(config, rng), changes: [], sims: [] };
    if (rng.chance(config.recycledAtBindingShare)) {
      // L8: a number reissued to this owner shortly before binding it.
      const reissuedAt = boundAt - rng.exp(config.bindDelayAfterActivationDays) * DAY_MS;
      state.changes.push({ disconnectedAt: reissuedAt - agingDays(config, rng) * DAY_MS, reissuedAt });
      state.sims.push({ at: reissuedAt, kind: 'new_subscription' });
    } else if (rng.chance(config.previouslyHeldShare)) {
      const reissuedAt = boundAt - rng.uniform(0.5, 8) * YEAR_DAYS * DAY_MS;
      state.changes.push({ disconnectedAt: reissuedAt - agingDays(config, rng) * DAY_MS, reissuedAt });
      state.sims.push({ at: reissuedAt, kind: 'new_subscription' });
    } else {
      state.sims.push({ at: boundAt - rng.uniform(0, 5) * YEAR_DAYS * DAY_MS, kind: 'new_subscription' });
    }
    return state;
  };
  let ownerNumberCount = 0;
  const l8 = (number: NumberState) => number.changes.some((change) => change.reissuedAt <= number.boundAt && number.boundAt - change.reissuedAt < 180 * DAY_MS);

  // Devices, bought before the account's first day in the log.
  const firstDay = Math.max(ctx.start, signupAt);
  const primaryModel = ctx.primary[rng.weightedIndex(ctx.primaryWeights)]!;
  const owner: Owner = {
    accountId,
    frequency,
    home,
    networks: homeNetworks(home, config, rng),
    primary: newDevice(primaryModel, config, rng, firstDay - rng.uniform(0, 720) * DAY_MS),
    number: undefined as unknown as NumberState,
    pendingL9: false,
    vpnPool: [],
    stale: false,
    passwordOnly: false,
  };
  owner.number = numberFor(home, signupAt);
  if (rng.chance(config.multiDeviceShare)) {
    owner.secondary = newDevice(ctx.secondary[rng.weightedIndex(ctx.secondaryWeights)]!, config, rng, firstDay - rng.uniform(0, 900) * DAY_MS);
  }
  const hintModel = new WeakMap<Device, boolean>();
  const wantsModelHint = (device: Device) => {
    let value = hintModel.get(device);
    if (value === undefined) {
      value = rng.chance(config.modelHintShare);
      hintModel.set(device, value);
    }
    return value;
  };
  if (rng.chance(config.vpnUserShare)) {
    const exits = VPN_EXITS[profile];
    const domestic = exits.domestic.length > 0 && rng.chance(config.vpnDomesticExitShare);
    owner.vpnExit = locationByName(rng.pick(domestic ? exits.domestic : exits.foreign));
  }

  // Sessions alive at the start: the owner's last SMS login before the log began (host hint).
  let preStartLastSms: number | undefined;
  const sessionDays = (device: Device) => (device.channel === 'app' ? config.sessionDays.app : config.sessionDays.web);
  for (const device of [owner.primary, owner.secondary]) {
    if (!device) continue;
    if (existing) {
      const lastLogin = ctx.start - rng.uniform(0, Math.max(sessionDays(device), frequency.meanGapDays * 2)) * DAY_MS;
      device.sessionUntil = lastLogin + sessionDays(device) * DAY_MS;
      device.lastUa = userAgentAt(device, lastLogin);
      preStartLastSms = Math.max(preStartLastSms ?? -Infinity, lastLogin);
    } else {
      device.sessionUntil = signupAt;
    }
  }
  owner.lastSmsAt = preStartLastSms;

  // -------------------------------------------------------------------------------------------
  // Schedules
  // -------------------------------------------------------------------------------------------
  const pending: Pending[] = [];
  const poisson = (perDay: number, kind: Pending['kind'], from: number) => {
    if (perDay <= 0) return;
    for (let t = from + rng.exp(1 / perDay) * DAY_MS; t < ctx.end; t += rng.exp(1 / perDay) * DAY_MS) pending.push({ at: t, kind });
  };
  poisson(config.deviceReplacementPerMonth / 30.44, 'replace_primary', firstDay);
  if (owner.secondary) poisson(config.secondaryReplacementPerMonth / 30.44, 'replace_secondary', firstDay);
  poisson(config.decoyCarrierEventsPerYear / YEAR_DAYS, 'sim_event', firstDay);

  // Trips (P10): foreign ones at flight speed, domestic ones to another region when possible.
  const trips: Trip[] = [];
  const addTrips = (perYear: number, foreign: boolean, days: [number, number]) => {
    if (perYear <= 0) return;
    for (let t = firstDay + rng.exp(YEAR_DAYS / perYear) * DAY_MS; t < ctx.end; t += rng.exp(YEAR_DAYS / perYear) * DAY_MS) {
      const city = foreign ? locationByName(rng.pick(TRAVEL_DESTINATIONS[profile])) : ctx.cities[rng.weightedIndex(ctx.cityWeights)]!;
      if (city === home) continue;
      const hours = distanceKmBetween(home, city) / 800 + 3;
      const depart = t;
      const arrive = depart + hours * HOUR;
      const leave = arrive + rng.uniform(days[0], days[1]) * DAY_MS;
      trips.push({ depart, arrive, leave, back: leave + hours * HOUR, city, foreign });
      t = leave;
    }
  };
  addTrips(config.foreignTripsPerYear, true, config.tripDays);
  addTrips(config.domesticTripsPerYear, false, config.domesticTripDays);

  // Long break (L5/L6).
  let breakStart = Infinity;
  let breakEnd = Infinity;
  let moveOnReturn = false;
  if (story === 'break') {
    const length = rng.uniform(config.dormancyBreakDays[0], config.dormancyBreakDays[1]) * DAY_MS;
    const latestStart = ctx.end - length - 7 * DAY_MS;
    if (latestStart > firstDay) {
      breakStart = rng.uniform(firstDay, latestStart);
      breakEnd = breakStart + length;
      moveOnReturn = rng.chance(config.dormantMoveShare);
    }
  }

  // Number drop (P12): natural hazard, or the forced victim storyline (P20).
  let takeover: { scenario: TakeoverScenario; strategy: AttackerStrategy; firstAt: number; number: NumberState } | undefined;
  let dropAt = Infinity;
  let dropIsStale = false;
  const scheduleTakeover = (
    number: NumberState,
    lastPayment: number,
    forced?: { scenario: TakeoverScenario; strategy: AttackerStrategy; firstAt: number; reissuedAt: number; disconnectedAt: number },
  ) => {
    const disconnectedAt = forced?.disconnectedAt ?? lastPayment + suspensionDays(config, rng) * DAY_MS;
    const reissuedAt = forced?.reissuedAt ?? disconnectedAt + agingDays(config, rng) * DAY_MS;
    number.changes.push({ disconnectedAt, reissuedAt });
    number.sims.push({ at: reissuedAt, kind: 'new_subscription' });
    if (forced) {
      takeover = { scenario: forced.scenario, strategy: forced.strategy, firstAt: forced.firstAt, number };
      return;
    }
    if (!rng.chance(config.newHolderLoginRate)) return;
    const scenario = pickScenario(config, rng);
    const strategy = pickStrategy(config, scenario, rng);
    const firstAt = reissuedAt + attemptDelayDays(config, scenario, strategy, rng) * DAY_MS;
    if (firstAt - reissuedAt <= YEAR_DAYS * DAY_MS) takeover = { scenario, strategy, firstAt, number };
  };

  if (story === 'victim') {
    for (let tries = 0; tries < 6 && dropAt === Infinity; tries++) {
      const firstAt = rng.uniform(ctx.warmupEnd + DAY_MS, ctx.end - DAY_MS);
      const scenario = pickScenario(config, rng);
      const strategy = pickStrategy(config, scenario, rng);
      const reissuedAt = firstAt - attemptDelayDays(config, scenario, strategy, rng) * DAY_MS;
      const disconnectedAt = reissuedAt - agingDays(config, rng) * DAY_MS;
      const lastPayment = disconnectedAt - suspensionDays(config, rng) * DAY_MS;
      if (lastPayment > signupAt + 14 * DAY_MS) {
        dropAt = lastPayment;
        dropIsStale = true;
        pending.push({ at: dropAt, kind: 'drop' });
        scheduleTakeover(owner.number, lastPayment, { scenario, strategy, firstAt, reissuedAt, disconnectedAt });
      }
    }
    if (dropAt === Infinity) story = 'normal';
  }
  if (story !== 'victim') {
    // Natural drops from the start of the log (earlier drops are folded into the binding date).
    const perDay = config.numberDropPerYear / YEAR_DAYS;
    for (let t = firstDay + rng.exp(1 / perDay) * DAY_MS; t < ctx.end; t += rng.exp(1 / perDay) * DAY_MS) {
      if (t >= breakStart && t <= breakEnd) continue;
      pending.push({ at: t, kind: 'drop' });
    }
  }
  // A victim whose number went before the log started: the host's last SMS login predates the drop.
  if (dropAt < firstDay && preStartLastSms !== undefined) {
    preStartLastSms = Math.max(signupAt, dropAt - rng.uniform(0, Math.max(config.sessionDays.web, frequency.meanGapDays * 2)) * DAY_MS);
    owner.lastSmsAt = preStartLastSms;
  }
  let swapAt = Infinity;
  if (story === 'swap') {
    swapAt = rng.uniform(ctx.warmupEnd + DAY_MS, ctx.end - DAY_MS);
    pending.push({ at: swapAt, kind: 'swap' });
  }
  pending.sort((a, b) => a.at - b.at);

  // -------------------------------------------------------------------------------------------
  // Emitting events
  // -------------------------------------------------------------------------------------------
  const emit = (
    at: number,
    attempt: { ip: string; userAgent?: string; clientHints?: Record<string, string>; deviceId?: string; action: AttemptAction; verified?: VerifiedFactor[] },
    number: NumberState,
    label: EventLabel,
  ) => {
    const rounded = Math.round(at / 1000) * 1000;
    // Only the rounding to whole seconds may put a login before its binding.
    if (number.boundAt > rounded + 1000) throw new Error(`simulator bug: ${accountId} logs in at ${iso(rounded)} on a number bound at ${iso(number.boundAt)}`);
    const event: SimEvent = {
      accountId,
      phone: number.phone,
      phoneBoundAt: iso(Math.min(number.boundAt, rounded)),
      ip: attempt.ip,
      ...(attempt.userAgent ? { userAgent: attempt.userAgent } : {}),
      ...(attempt.clientHints ? { clientHints: attempt.clientHints } : {}),
      ...(attempt.deviceId ? { deviceId: attempt.deviceId } : {}),
      action: attempt.action,
      verified: attempt.verified ?? ['sms_otp'],
      at: iso(rounded),
      label,
      number: truthAt(number, rounded),
    };
    if (rounded < ctx.warmupEnd) event.warmup = true;
    events.push(event);
  };

  const ownerLabel = (scenario: LegitScenario): EventLabel => ({
    isTakeover: false,
    scenario,
    actor: 'owner',
    passesStepUp: rng.chance(config.stepUpPass.owner),
    passesIdentityCheck: identityRng.chance(config.identityCheckPass.owner),
    frequency: frequency.name,
  });

  /** One SMS login by the owner on `device` at `t`, with the scenario worked out from the state. */
  const ownerLogin = (t: number, device: Device, trip: Trip | undefined, forceVpn?: boolean): boolean => {
    const isNew = device.lastUa === undefined;
    device.sessionUntil = t + sessionDays(device) * DAY_MS;
    let ip: string;
    let vpn = false;
    if (forceVpn !== undefined ? forceVpn : owner.vpnExit !== undefined && rng.chance(config.vpnLoginShare)) {
      vpn = true;
      if (owner.vpnPool.length > 0 && rng.chance(0.7)) ip = rng.pick(owner.vpnPool);
      else {
        ip = addressIn(owner.vpnExit!, 'hosting', rng);
        owner.vpnPool.push(ip);
        if (owner.vpnPool.length > 4) owner.vpnPool.shift();
      }
    } else if (trip) {
      if (trip.foreign && rng.chance(config.roamingShare)) ip = addressIn(owner.home, 'mobile', rng);
      else ip = addressIn(trip.city, trip.foreign || rng.chance(0.5) ? 'isp' : 'mobile', rng);
    } else {
      ip = homeAddress(owner.networks, config, rng);
    }
    const userAgent = userAgentAt(device, t);
    const clientHints = clientHintsAt(device, t, wantsModelHint(device));
    const dormantDays = owner.lastSmsAt === undefined ? 0 : (t - owner.lastSmsAt) / DAY_MS;

    let scenario: LegitScenario = 'L0';
    if (owner.passwordOnly || owner.lastSmsAt === undefined) scenario = 'L0';
    else if (owner.pendingReturn) scenario = owner.pendingReturn;
    else if (dormantDays >= 180) scenario = 'L5';
    else if (owner.pendingL7Until !== undefined && t <= owner.pendingL7Until) scenario = 'L7';
    else if (owner.pendingL9) scenario = 'L9';
    else if (isNew) scenario = 'L1';
    else if (vpn || forceVpn === false) scenario = 'L4';
    else if (trip) scenario = 'L3';
    else if (device.lastUa !== userAgent) scenario = 'L2';
    else if (l8(owner.number)) scenario = 'L8';
    owner.pendingReturn = undefined;
    owner.pendingL7Until = undefined;
    owner.pendingL9 = false;

    const action: AttemptAction = rng.chance(config.ownerRecoverShare) ? 'recover' : 'login';
    const verified: VerifiedFactor[] | undefined = owner.passwordOnly ? ['password'] : undefined;
    emit(
      t,
      { ip, userAgent, ...(clientHints ? { clientHints } : {}), deviceId: device.token, action, ...(verified ? { verified } : {}) },
      owner.number,
      ownerLabel(scenario),
    );
    device.lastUa = userAgent;
    owner.lastUa = userAgent;
    owner.lastHints = clientHints;
    if (!owner.passwordOnly) owner.lastSmsAt = t;
    return vpn;
  };

  const replaceDevice = (which: 'primary' | 'secondary', t: number) => {
    const current = which === 'primary' ? owner.primary : owner.secondary;
    if (!current) return;
    const pool = which === 'primary' ? ctx.primary : ctx.secondary;
    const weights = which === 'primary' ? ctx.primaryWeights : ctx.secondaryWeights;
    let model = pool[rng.weightedIndex(weights)]!;
    if (rng.chance(config.sameOsFamilyOnReplacement)) {
      const same = pool.filter((candidate) => candidate.os === current.model.os);
      model = same[rng.weightedIndex(same.map((candidate) => candidate.weight))]!;
    }
    const device = newDevice(model, config, rng, t);
    if (which === 'primary') {
      owner.primary = device;
      if (rng.chance(config.simChangeWithNewPhone)) {
        owner.number.sims.push({ at: t, kind: 'sim_replacement' });
        owner.pendingL7Until = t + 30 * DAY_MS;
      }
    } else owner.secondary = device;
  };

  // -------------------------------------------------------------------------------------------
  // The owner's activity
  // -------------------------------------------------------------------------------------------
  let t = firstDay;
  let first = true;
  let pendingIndex = 0;
  let swapRestoreAt = Infinity;
  while (t < ctx.end) {
    if (first && !existing) t = signupAt;
    else {
      // Activity on a day drawn from the class gap, at a local hour from P5; never back in time.
      let next = atLocalHour(ctx, t + rng.exp(frequency.meanGapDays) * DAY_MS, owner.home, rng);
      if (next <= t) next += DAY_MS;
      t = next;
    }
    first = false;
    if (t >= breakStart && t < breakEnd) {
      t = atLocalHour(ctx, breakEnd + rng.uniform(0, 3) * DAY_MS, owner.home, rng);
      owner.pendingReturn = moveOnReturn ? 'L6' : 'L5';
      if (moveOnReturn) {
        const others = ctx.cities.filter((city) => city.region !== owner.home.region);
        owner.home = others[rng.weightedIndex(others.map((city) => city.weight))]!;
        owner.networks = homeNetworks(owner.home, config, rng);
        replaceDevice('primary', t);
        owner.pendingL7Until = undefined;
      }
      breakStart = Infinity;
    }
    if (t >= ctx.end) break;

    // Apply what happened since the last activity, in order.
    while (pendingIndex < pending.length && pending[pendingIndex]!.at <= t) {
      const event = pending[pendingIndex++]!;
      if (owner.stale && event.kind !== 'drop') continue;
      // Carrier events dated before the current number was bound belonged to the previous one
      // (two events between two sessions: the owner re-bound at the second session).
      if ((event.kind === 'drop' || event.kind === 'sim_event' || event.kind === 'swap') && event.at < owner.number.boundAt) continue;
      switch (event.kind) {
        case 'replace_primary':
          replaceDevice('primary', event.at);
          break;
        case 'replace_secondary':
          replaceDevice('secondary', event.at);
          break;
        case 'sim_event': {
          const kind: SimChangeKind = rng.chance(0.5) ? 'port' : 'sim_replacement';
          owner.number.sims.push({ at: event.at, kind });
          owner.pendingL7Until = event.at + 30 * DAY_MS;
          break;
        }
        case 'swap':
          if (!owner.stale) {
            owner.number.sims.push({ at: event.at, kind: 'swap' });
            swapAttack(event.at);
            // The owner gets the number back within days (a replacement SIM at the store).
            swapRestoreAt = event.at + rng.uniform(1, 3) * DAY_MS;
            owner.number.sims.push({ at: swapRestoreAt, kind: 'sim_replacement' });
            owner.pendingL7Until = swapRestoreAt + 30 * DAY_MS;
          }
          break;
        case 'drop': {
          if (owner.stale) break;
          const stale = story === 'victim' ? dropIsStale : rng.chance(config.staleBindingRate);
          if (stale) {
            owner.stale = true;
            owner.passwordOnly = config.emitNonSmsLogins && rng.chance(config.ownerActiveOtherMethods);
            if (story !== 'victim') scheduleTakeover(owner.number, event.at);
          } else {
            // Updated the binding at this session (by another login method): the next SMS login uses it.
            const next = numberFor(owner.home, t);
            owner.number = next;
            owner.pendingL9 = true;
          }
          break;
        }
      }
    }
    if (owner.stale && !owner.passwordOnly) break;
    if (t < swapRestoreAt && t >= swapAt) continue; // no service during a SIM swap

    const trip = trips.find((candidate) => t >= candidate.depart && t < candidate.back);
    if (trip && t < trip.arrive) continue; // in the air
    const inTrip = trip && t < trip.leave ? trip : undefined;
    const device = owner.secondary && !inTrip?.foreign && rng.chance(config.secondaryUseShare) ? owner.secondary : owner.primary;
    if (device.channel === 'web' && rng.chance(config.webTokenLossPerActivity)) {
      device.token = newToken(rng);
      device.sessionUntil = t;
    }
    if (t < device.sessionUntil) continue;
    const vpn = ownerLogin(t, device, inTrip);
    if (vpn && rng.chance(config.vpnToggleShare)) {
      // VPN off minutes later, on the other device when there is one: apparent impossible travel (L4).
      const other = owner.secondary && device === owner.primary ? owner.secondary : device === owner.secondary ? owner.primary : device;
      ownerLogin(t + rng.uniform(2, 30) * MINUTE, other, inTrip, false);
      t += 30 * MINUTE;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Attackers
  // -------------------------------------------------------------------------------------------
  function attackerAttempts(scenario: TakeoverScenario, firstAt: number, number: NumberState, strategy: AttackerStrategy = 'plain') {
    const actor: Actor = scenario === 'A1' ? 'new_holder' : 'attacker';
    let city: Location;
    let device: Device | undefined;
    let fixedUa: string | undefined;
    let fixedHints: Record<string, string> | undefined;
    switch (scenario) {
      case 'A1': {
        // New holders live where the number is sold (80% in the number's home region [A]).
        const local = ctx.cities.filter((candidate) => candidate.region === number.homeCity.region);
        city = rng.chance(config.a1HomeRegionShare) ? local[rng.weightedIndex(local.map((c) => c.weight))]! : ctx.cities[rng.weightedIndex(ctx.cityWeights)]!;
        device = newDevice(ctx.primary[rng.weightedIndex(ctx.primaryWeights)]!, config, rng, firstAt);
        break;
      }
      case 'A2': {
        // Residential proxy in the victim's region; the population's most common user agent.
        city = number.homeCity;
        const model = mostCommonDevice(profile);
        device = { ...newDevice(model, config, rng, firstAt), channel: 'web', browser: model.os === 'ios' ? 'safari' : 'chrome' };
        break;
      }
      case 'A3': {
        // Knows the victim: same city, same phone model and channel.
        city = owner.home;
        device = { ...newDevice(owner.primary.model, config, rng, firstAt), channel: owner.primary.channel, browser: owner.primary.browser };
        break;
      }
      case 'A4':
        city = ctx.cities[rng.weightedIndex(ctx.cityWeights)]!;
        device = newDevice(ctx.primary[rng.weightedIndex(ctx.primaryWeights)]!, config, rng, firstAt);
        break;
      case 'A5':
        // Adaptive: the owner's last user agent string exactly, from the owner's home city.
        city = owner.home;
        fixedUa = owner.lastUa ?? userAgentAt(owner.primary, firstAt);
        fixedHints = owner.lastHints;
        break;
    }
    const copies = strategy === 'mimic' || strategy === 'all';
    const retries = strategy === 'retry' || strategy === 'register-retry' || strategy === 'all';
    // Who sends which device token: none for the copying and common-phone strategies (a browser
    // that keeps no cookie); one token kept across attempts for the retrying ones.
    let tokenMode: 'fresh' | 'kept' | 'none' = scenario === 'A2' || scenario === 'A5' ? 'fresh' : 'kept';
    if (strategy === 'common-phone') {
      const model = mostCommonDevice(profile);
      city = number.homeCity;
      device = { ...newDevice(model, config, rng, firstAt), channel: 'web', browser: mostCommonBrowser(model) };
      fixedUa = undefined;
      fixedHints = undefined;
      tokenMode = 'none';
    }
    let ownNetworkIp: string | undefined;
    if (copies) {
      // The owner's last user agent and Client Hints exactly, from an address next to the owner's
      // home address: the same city, ISP (ASN) and /24.
      city = owner.home;
      fixedUa = owner.lastUa ?? userAgentAt(owner.primary, firstAt);
      fixedHints = owner.lastHints;
      ownNetworkIp = neighbourAddress(owner.networks.pools.home[0]!, rng);
      tokenMode = 'none';
    }
    if (retries && !copies) tokenMode = 'kept';
    if (strategy === 'all') tokenMode = 'kept';
    if (!device && tokenMode === 'kept') device = newDevice(owner.primary.model, config, rng, firstAt);
    const keptToken = newToken(rng);

    const attempts = retries
      ? config.retryAttempts[0] + rng.int(config.retryAttempts[1] - config.retryAttempts[0] + 1)
      : 1 + rng.geometric(config.attackerExtraAttempts);
    // A SIM swapper acts within hours of the swap; the others at a local waking hour, never
    // before the number was theirs. The early strategy acts within hours, whatever the hour.
    const early = strategy === 'early' || strategy === 'all';
    let at = scenario === 'A4' || early ? firstAt : atLocalHour(ctx, firstAt, city, rng);
    if (at < firstAt) at += DAY_MS;
    const usual = strategy === 'usual-time' || strategy === 'all' ? usualSlot(events, owner.home) : undefined;
    if (usual) at = nextSlot(at, usual, owner.home, rng);
    const registerFirst = strategy === 'register-retry' || (strategy === 'all' && rng.chance(0.5));
    const passes = rng.chance(config.stepUpPass[scenario]);
    const passesIdentity = identityRng.chance(config.identityCheckPass[scenario]);
    const homeIp = addressIn(city, rng.chance(0.6) ? 'isp' : 'mobile', rng);
    for (let i = 0; i < attempts; i++) {
      if (at >= ctx.end) break;
      const ip = ownNetworkIp ?? (scenario === 'A1' || scenario === 'A4' ? homeIp : addressIn(city, 'isp', rng));
      const userAgent = fixedUa ?? userAgentAt(device!, at);
      const clientHints = fixedUa ? fixedHints : clientHintsAt(device!, at, rng.chance(config.modelHintShare));
      // Hunters start from a clean browser each time; the others keep their cookie or app id.
      const deviceId = tokenMode === 'none' ? undefined : tokenMode === 'fresh' ? newToken(rng) : retries ? keptToken : device!.token;
      let action: AttemptAction = 'login';
      if (i === 0 && scenario === 'A1' && rng.chance(config.a1RegisterShare)) action = 'register';
      if (i === 0 && registerFirst) action = 'register';
      else if (scenario === 'A2' && !retries && rng.chance(config.a2RecoverShare)) action = 'recover';
      emit(at, { ip, userAgent, ...(clientHints ? { clientHints } : {}), ...(deviceId ? { deviceId } : {}), action }, number, {
        isTakeover: true,
        scenario,
        actor,
        strategy,
        passesStepUp: passes,
        passesIdentityCheck: passesIdentity,
        frequency: frequency.name,
      });
      if (retries) at += rng.uniform(config.retrySpacingDays[0], config.retrySpacingDays[1]) * DAY_MS;
      else at += Math.max(MINUTE, rng.exp(config.attackerAttemptSpacingHours) * HOUR);
      if (usual) at = nextSlot(at, usual, owner.home, rng);
    }
  }

  function swapAttack(at: number) {
    attackerAttempts('A4', at + rng.uniform(0.5, 12) * HOUR, owner.number);
  }

  if (takeover) attackerAttempts(takeover.scenario, takeover.firstAt, takeover.number, takeover.strategy);

  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  // The host's record of the last SMS login before the log starts (used while the guard has no history).
  if (events.length > 0 && preStartLastSms !== undefined && Date.parse(events[0]!.at) > preStartLastSms) {
    const firstEvent = events[0]!;
    const withHint: SimEvent = { ...firstEvent, lastSeenAt: iso(Math.round(preStartLastSms / 1000) * 1000) };
    events[0] = withHint;
  }
  return events;
}

function pickScenario(config: SimConfig, rng: Rng): TakeoverScenario {
  const { A1, A2, A3, A5 } = config.takeoverMix;
  return (['A1', 'A2', 'A3', 'A5'] as const)[rng.weightedIndex([A1, A2, A3, A5])]!;
}

/** A deliberate attacker's strategy: `plain` or, with probability `adaptiveShare`, an adaptive one. */
function pickStrategy(config: SimConfig, scenario: TakeoverScenario, rng: Rng): AttackerStrategy {
  if (scenario === 'A1' || scenario === 'A4') return 'plain';
  return rng.chance(config.adaptiveShare) ? rng.pick(ADAPTIVE_STRATEGIES) : 'plain';
}

function attemptDelayDays(config: SimConfig, scenario: TakeoverScenario, strategy: AttackerStrategy, rng: Rng): number {
  // The earliest moment the number is theirs: within hours of the reissue.
  if (strategy === 'early' || strategy === 'all') return rng.uniform(0.02, 0.5);
  if (scenario === 'A5') return config.a5ExtraWaitDays + rng.exp(config.firstAttemptDelayDays.A5);
  if (scenario === 'A4') return 0;
  return rng.exp(config.firstAttemptDelayDays[scenario]);
}

/** The browser most owners of a model use on the web (the first of its browser list, or reduced Chrome). */
function mostCommonBrowser(model: DeviceModel): Device['browser'] {
  if (model.os === 'android') return 'chrome';
  return model.browsers.reduce((best, entry) => (entry[1] > best[1] ? entry : best), model.browsers[0]!)[0];
}

/** Another address in the same /24 as `ip` (IPv4), or a fresh one in the same /64 (IPv6). */
export function neighbourAddress(ip: string, rng: Rng): string {
  if (ip.includes(':')) {
    const parts = ip.split(':');
    return `${parts.slice(0, 4).join(':')}:${rng.int(0x10000).toString(16)}:${rng.int(0x10000).toString(16)}:${rng.int(0x10000).toString(16)}:${(1 + rng.int(0xfffe)).toString(16)}`;
  }
  const parts = ip.split('.');
  const own = Number(parts[3]);
  let last = 1 + rng.int(254);
  if (last === own) last = (last % 254) + 1;
  return `${parts[0]}.${parts[1]}.${parts[2]}.${last}`;
}

export interface LocalSlot {
  /** 0 = Sunday, local to the owner's home. */
  weekday: number;
  hour: number;
}

/** The owner's most frequent local weekday and hour of SMS login so far (ties: the earliest). */
export function usualSlot(events: readonly SimEvent[], home: Location): LocalSlot | undefined {
  const weekdays = new Array<number>(7).fill(0);
  const hours = new Array<number>(24).fill(0);
  let seen = 0;
  for (const event of events) {
    if (event.label.actor !== 'owner' || !event.verified?.includes('sms_otp')) continue;
    const local = new Date(Date.parse(event.at) + home.tz * HOUR);
    weekdays[local.getUTCDay()]!++;
    hours[local.getUTCHours()]!++;
    seen++;
  }
  if (seen === 0) return undefined;
  return { weekday: weekdays.indexOf(Math.max(...weekdays)), hour: hours.indexOf(Math.max(...hours)) };
}

/** The first moment at or after `t` that falls on the slot's local weekday and hour. */
export function nextSlot(t: number, slot: LocalSlot, home: Location, rng: Rng): number {
  const offset = home.tz * HOUR;
  const localDay = Math.floor((t + offset) / DAY_MS) * DAY_MS;
  for (let day = 0; day <= 7; day++) {
    const candidateDay = localDay + day * DAY_MS;
    const weekday = new Date(candidateDay).getUTCDay();
    if (weekday !== slot.weekday) continue;
    const candidate = candidateDay - offset + slot.hour * HOUR + rng.int(60) * MINUTE;
    if (candidate >= t) return candidate;
  }
  return localDay + 7 * DAY_MS - offset + slot.hour * HOUR;
}

export type { ProfileName };
