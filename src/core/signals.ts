import type { AccountProfile, NumberEvent } from '../persist/types.js';
import type {
  DeviceFacts,
  GeoResult,
  NormalizedAttempt,
  NumberIntelAnswer,
  ReasonCode,
  SignalStatus,
  StepUpCheck,
} from '../types.js';
import { isoTime } from '../util/iso-time.js';
import { distanceKm } from './geo-math.js';
import { minAgingDaysFor, thresholdsFor, type Policy } from './policy.js';
import { combinedStrength, strongestStepUpStrength } from './step-up.js';

const DAY = 86_400_000;

/** One piece of evidence: its natural-log likelihood ratio and how to explain it. */
export interface Signal {
  code: ReasonCode;
  logLR: number;
  message: string;
  details?: Record<string, unknown>;
  /**
   * Evidence whoever holds the SIM can reproduce (a user agent, a device class, a city). It may
   * lower the risk only while no reissue was possible; see `collectSignals`.
   */
  forgeable?: boolean;
}

/** Everything the pure core needs. The shell gathers it; nothing here does I/O or reads a clock. */
export interface CoreInput {
  attempt: NormalizedAttempt;
  phoneHash: string;
  /** The same number's hashes under retired keys (key rotation): history under them is this number's. */
  phoneHashAliases?: string[];
  device: DeviceFacts | null;
  geo: { status: SignalStatus; result: GeoResult | null; error?: string };
  history: { status: 'ok' | 'none' | 'unavailable'; profile: AccountProfile | null; error?: string };
  intel: { status: SignalStatus | 'cached'; since: number; answers: NumberIntelAnswer[] };
  numberEvents: NumberEvent[];
  policy: Policy;
  /** Checks the host can run for a step-up. */
  checks: StepUpCheck[];
}

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

const iso = isoTime;

function toMs(value: string | Date | number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Ingested carrier events become one more answer: positive only, since a file's silence proves nothing. */
export function answerFromEvents(events: NumberEvent[], since: number): NumberIntelAnswer | null {
  const change = events
    .filter((event) => (event.type === 'disconnected' || event.type === 'reissued') && event.at > since)
    .sort((a, b) => a.at - b.at)[0];
  const sim = events.filter((event) => event.type === 'sim_change').sort((a, b) => b.at - a.at)[0];
  if (!change && !sim) return null;
  const answer: NumberIntelAnswer = { source: change?.source ?? sim!.source };
  if (change) {
    answer.changedSince = true;
    answer.reissuedAt = change.at;
  }
  if (sim) answer.lastSimChange = sim.at;
  return answer;
}

/** The last moment the owner provably held the number. */
export function lastOwnerProof(input: Pick<CoreInput, 'attempt' | 'history' | 'phoneHash' | 'phoneHashAliases'>): { at: number; from: string } {
  const { attempt, history, phoneHash } = input;
  let at = attempt.phoneBoundAt;
  let from = 'binding';
  const profile = history.profile;
  const sameNumber = profile?.phoneHash !== undefined && (profile.phoneHash === phoneHash || (input.phoneHashAliases?.includes(profile.phoneHash) ?? false));
  if (profile?.ownerProofAt !== undefined && sameNumber && profile.ownerProofAt > at) {
    at = profile.ownerProofAt;
    from = 'history';
  } else if (!profile && attempt.lastSeenAt !== undefined && attempt.lastSeenAt > at) {
    at = attempt.lastSeenAt;
    from = 'host_hint';
  }
  return { at, from };
}

function numberSignals(input: CoreInput, out: Signal[]): NumberFindings {
  const { attempt, policy, intel } = input;
  const w = policy.weights;
  const since = intel.since;
  const answers = intel.answers.slice();
  const fromEvents = answerFromEvents(input.numberEvents, since);
  if (fromEvents) answers.push(fromEvents);

  for (const answer of answers) {
    if (answer.unavailable) {
      out.push({
        code: 'number_intel_unavailable',
        logLR: 0,
        message: `${answer.source} could not answer (${answer.unavailable}); carrier evidence is unknown, not clean`,
        details: { source: answer.source, why: answer.unavailable },
      });
    }
  }

  if (intel.status === 'not_configured' && !fromEvents) {
    out.push({
      code: 'number_intel_unavailable',
      logLR: 0,
      message: 'no carrier evidence configured: whether the number changed hands is judged from dormancy alone',
      details: { why: 'not_configured' },
    });
  }

  // Precedence: the first conclusive answer in the configured order; later disagreement is shown.
  const conclusive = answers.filter((answer) => !answer.unavailable && answer.changedSince !== undefined);
  const primary = conclusive[0];
  let carrierSays: NumberFindings['carrierSays'];
  if (primary) {
    carrierSays = { changed: primary.changedSince!, source: primary.source };
    const reissuedAt = toMs(primary.reissuedAt);
    if (primary.changedSince) {
      out.push({
        code: 'number_reissued_after_binding',
        logLR: w.numberReissued,
        message: `${primary.source}: the number changed subscriber after ${iso(since)}${reissuedAt ? ` (on ${iso(reissuedAt).slice(0, 10)})` : ''}`,
        details: { source: primary.source, since: iso(since), ...(reissuedAt ? { reissuedAt: iso(reissuedAt) } : {}) },
      });
    } else {
      out.push({
        code: 'number_not_reissued',
        logLR: w.numberNotReissued,
        message: `${primary.source}: the number has had the same subscriber since ${iso(since)}`,
        details: { source: primary.source, since: iso(since) },
      });
    }
    const dissent = conclusive.filter((answer) => answer.changedSince !== primary.changedSince);
    if (dissent.length > 0) {
      out.push({
        code: 'number_intel_conflict',
        logLR: 0,
        message: `providers disagree; ${primary.source} takes precedence over ${dissent.map((a) => a.source).join(', ')}`,
        details: { used: primary.source, overruled: dissent.map((a) => a.source) },
      });
    }
  }

  // Tenure, SIM, device and identity answers, from whichever provider gave them.
  let continuity = false;
  let tenureSeen = false;
  let simSeen = false;
  let identitySeen = false;
  let deviceSeen = false;
  for (const answer of answers) {
    if (answer.unavailable) continue;
    const tenureSince = toMs(answer.tenureSince);
    const covers = answer.tenureCoversSince ?? (tenureSince !== undefined ? tenureSince <= since : undefined);
    if (covers !== undefined && !tenureSeen) {
      tenureSeen = true;
      if (covers) continuity = true;
      // Recycling evidence supersedes tenure; tenure still speaks when it is all there is.
      const superseded = carrierSays !== undefined;
      out.push({
        code: covers ? 'tenure_covers_binding' : 'tenure_after_binding',
        logLR: superseded ? 0 : covers ? w.tenureCovers : w.tenureAfter,
        message: covers
          ? `${answer.source}: the current subscriber's tenure covers ${iso(since).slice(0, 10)}`
          : `${answer.source}: the current subscriber's tenure at this operator starts after ${iso(since).slice(0, 10)} (a port-in also does this)`,
        details: { source: answer.source, ...(tenureSince ? { tenureSince: iso(tenureSince) } : {}), ...(superseded ? { superseded: true } : {}) },
      });
    }
    if (answer.lastSimChange !== undefined && !simSeen) {
      simSeen = true;
      const simAt = toMs(answer.lastSimChange);
      const changed = simAt !== undefined && simAt > since;
      if (!changed) continuity = true;
      const superseded = carrierSays !== undefined;
      out.push({
        code: changed ? 'sim_changed_after_binding' : 'sim_unchanged_since_binding',
        logLR: superseded ? 0 : changed ? w.simChangedAfterBinding : w.simUnchanged,
        message: changed
          ? `${answer.source}: the SIM changed on ${iso(simAt!).slice(0, 10)}, after ${iso(since).slice(0, 10)}`
          : `${answer.source}: no SIM change since ${iso(since).slice(0, 10)}`,
        details: { source: answer.source, ...(simAt ? { lastSimChange: iso(simAt) } : {}), ...(superseded ? { superseded: true } : {}) },
      });
      if (simAt !== undefined && attempt.at - simAt >= 0 && attempt.at - simAt < policy.recentSimChangeDays * DAY) {
        out.push({
          code: 'recent_sim_change',
          logLR: w.recentSimChange,
          message: `the SIM changed ${Math.round((attempt.at - simAt) / 3_600_000)} hours ago: the SIM-swap pattern`,
          details: { source: answer.source, lastSimChange: iso(simAt) },
        });
      }
    }
    if (answer.lastDeviceChange !== undefined && !deviceSeen) {
      deviceSeen = true;
      const changedAt = toMs(answer.lastDeviceChange);
      if (changedAt !== undefined && changedAt > since) {
        out.push({
          code: 'carrier_device_changed',
          logLR: w.carrierDeviceChanged,
          message: `${answer.source}: the handset using this number changed on ${iso(changedAt).slice(0, 10)}`,
          details: { source: answer.source, lastDeviceChange: iso(changedAt) },
        });
      }
    }
    if (answer.identityMatch !== undefined && !identitySeen) {
      identitySeen = true;
      out.push({
        code: answer.identityMatch ? 'identity_match' : 'identity_mismatch',
        logLR: answer.identityMatch ? w.identityMatch : w.identityMismatch,
        message: answer.identityMatch
          ? `${answer.source}: the operator's subscriber matches the account holder's identity`
          : `${answer.source}: the operator's subscriber does not match the account holder's identity`,
        details: { source: answer.source },
      });
    }
  }

  // Dormancy: the fallback when the carrier has not answered conclusively.
  const proof = lastOwnerProof(input);
  const agingDays = minAgingDaysFor(policy, attempt.phoneCountry);
  const dormancyMs = Math.max(0, attempt.at - proof.at);
  const dormancyDays = dormancyMs / DAY;
  const reissuePossible = dormancyDays >= agingDays;
  const supersededByCarrier = carrierSays !== undefined;
  // Without an SMS code the number's holder gains nothing, so dormancy says nothing about this login.
  const smsUsed = attempt.verified.includes('sms_otp');
  const proofWord = proof.from === 'binding' ? 'the binding' : proof.from === 'host_hint' ? "the host's last-seen date" : 'the last owner login';
  if (reissuePossible) {
    const raw = w.dormancyBase + w.dormancySlope * Math.log(dormancyDays / agingDays);
    out.push({
      code: 'dormant_beyond_aging',
      logLR: supersededByCarrier || !smsUsed ? 0 : Math.min(w.dormancyCap, Math.max(0, raw)),
      message: `last proof the owner held the number was ${Math.floor(dormancyDays)} days ago (${proofWord}), beyond the ${agingDays}-day aging period for ${attempt.phoneCountry}: a reissue was possible${smsUsed ? '' : ' (not scored: this login did not use an SMS code)'}`,
      details: {
        dormancyDays: Math.floor(dormancyDays),
        agingDays,
        proofFrom: proof.from,
        proofAt: iso(proof.at),
        ...(supersededByCarrier ? { superseded: true } : {}),
        ...(smsUsed ? {} : { smsUsed: false }),
      },
    });
  } else {
    out.push({
      code: 'recent_owner_proof',
      logLR: supersededByCarrier ? 0 : w.recentOwnerProof,
      message: `the owner held the number ${Math.floor(dormancyDays)} days ago (${proofWord}), within the ${agingDays}-day aging period: no reissue can have happened since`,
      details: { dormancyDays: Math.floor(dormancyDays), agingDays, proofFrom: proof.from, proofAt: iso(proof.at), ...(supersededByCarrier ? { superseded: true } : {}) },
    });
  }

  const intelMissing = !carrierSays && !continuity && (intel.status === 'unavailable' || answers.some((answer) => answer.unavailable));
  return { carrierSays, reissuePossible, dormancyDays, agingDays, continuity, intelMissing };
}

function deviceSignals(input: CoreInput, out: Signal[]): void {
  const { device, history, policy } = input;
  const w = policy.weights;
  if (!device) {
    out.push({ code: 'device_unavailable', logLR: 0, message: 'no user agent, Client Hints or device token: the device signal is unavailable' });
    return;
  }
  const known = history.profile?.devices ?? [];
  if (known.length === 0) return; // no history: nothing to compare with (reported once as no_history)

  const byToken = device.fromToken ? known.find((record) => record.key === device.key) : undefined;
  if (byToken) {
    out.push({
      code: byToken.vouched ? 'vouched_device' : 'known_device',
      logLR: byToken.vouched ? w.vouchedDeviceToken : w.knownDeviceToken,
      message: byToken.vouched ? 'a device on which the owner passed a step-up' : 'a device token this account used before',
      details: { lastSeen: iso(byToken.lastSeen) },
    });
    return;
  }
  const sameClass = known.find((record) => sameDeviceClass(record, device));
  if (sameClass && !device.fromToken) {
    out.push({
      code: 'known_device',
      logLR: w.knownDeviceClass,
      message: `a device class this account used before (${describe(device)}); without a device token popular models collide, so this is weak`,
      details: { class: device.classKey, lastSeen: iso(sameClass.lastSeen) },
      forgeable: true,
    });
    return;
  }
  out.push({
    code: 'new_device',
    logLR: sameClass ? w.newTokenKnownClass : w.newDeviceClass,
    message: sameClass
      ? `a new device token, of a class the owner uses (${describe(device)})`
      : `a device never seen on this account (${describe(device)})`,
    details: { class: device.classKey, tokenGiven: device.fromToken },
  });
  const familiar = known.some((record) => record.osFamily === device.osFamily && record.deviceType === device.deviceType);
  if (!familiar) {
    const before = [...new Set(known.map((record) => `${record.osFamily ?? 'unknown OS'} ${record.deviceType}`))].join(', ');
    out.push({
      code: 'device_class_change',
      logLR: w.deviceClassChange,
      message: `${device.osFamily ?? 'unknown OS'} ${device.deviceType}, where the account used ${before}`,
      details: { now: `${device.osFamily ?? ''}|${device.deviceType}`, before },
    });
  }
}

function sameDeviceClass(record: { classKey: string; model?: string }, device: DeviceFacts): boolean {
  // classKey holds os|type|browser; the model only counts when both sides know it (reduced UAs hide it).
  const [recordClass, recordModel] = splitClass(record.classKey);
  const [deviceClass, deviceModel] = splitClass(device.classKey);
  return recordClass === deviceClass && (!recordModel || !deviceModel || recordModel === deviceModel);
}

function splitClass(classKey: string): [string, string] {
  const at = classKey.lastIndexOf('#');
  return at === -1 ? [classKey, ''] : [classKey.slice(0, at), classKey.slice(at + 1)];
}

function describe(device: DeviceFacts): string {
  return [device.vendor, device.model, device.osFamily, device.deviceType, device.browserFamily].filter(Boolean).join(' ');
}

function geoSignals(input: CoreInput, out: Signal[]): void {
  const { geo, history, attempt, policy } = input;
  const w = policy.weights;
  if (geo.status !== 'ok' || !geo.result) {
    out.push({
      code: 'geo_unavailable',
      logLR: 0,
      message:
        geo.status === 'not_configured'
          ? 'no IP geolocation configured: the region signal is unavailable'
          : `no location for this IP${geo.error ? ` (${geo.error})` : ''}: the region signal is unavailable, not clean`,
      ...(geo.error ? { details: { why: geo.error } } : {}),
    });
    return;
  }
  const here = geo.result;
  const places = history.profile?.locations ?? [];
  const knownCountry = places.some((place) => place.country === here.country);
  if (places.length > 0) {
    const knownRegion = places.some((place) => place.country === here.country && (place.region ?? '') === (here.region ?? ''));
    if (knownRegion) {
      out.push({ code: 'known_region', logLR: w.knownRegion, message: `${placeName(here)}, where the owner logged in before`, forgeable: true });
    } else if (knownCountry) {
      out.push({ code: 'new_region', logLR: w.newRegion, message: `${placeName(here)}: a region this account never used`, details: { country: here.country, region: here.region } });
    } else {
      out.push({
        code: 'new_country',
        logLR: w.newCountry,
        message: `${here.country}: a country this account never used (before: ${[...new Set(places.map((p) => p.country))].join(', ')})`,
        details: { country: here.country },
      });
    }
  }
  if (!knownCountry && here.country !== attempt.phoneCountry) {
    out.push({
      code: 'number_country_mismatch',
      logLR: w.numberCountryMismatch,
      message: `the IP is in ${here.country} but the number is from ${attempt.phoneCountry}`,
      details: { ipCountry: here.country, numberCountry: attempt.phoneCountry },
    });
  }
  const last = history.profile?.lastLogin;
  if (last && last.lat !== undefined && last.lon !== undefined && here.lat !== undefined && here.lon !== undefined && attempt.at > last.at) {
    const accuracy = Math.max(last.accuracyKm ?? 50, here.accuracyKm ?? 50);
    if (accuracy <= policy.maxTravelAccuracyKm) {
      const km = distanceKm(last.lat, last.lon, here.lat, here.lon) - (last.accuracyKm ?? 50) - (here.accuracyKm ?? 50);
      const hours = (attempt.at - last.at) / 3_600_000;
      // 1,000 km/h is faster than any scheduled flight door to door; 500 km of slack absorbs VPN exits nearby.
      if (km > 500 && km / Math.max(hours, 1 / 60) > 1000) {
        out.push({
          code: 'impossible_travel',
          logLR: w.impossibleTravel,
          message: `${Math.round(km)} km from the last login ${hours < 1 ? `${Math.round(hours * 60)} minutes` : `${Math.round(hours)} hours`} ago`,
          details: { km: Math.round(km), hours: Math.round(hours * 10) / 10 },
        });
      }
    }
  }
}

function placeName(geo: GeoResult): string {
  return [geo.city, geo.region, geo.country].filter(Boolean).join(', ');
}

function intentSignals(input: CoreInput, out: Signal[]): void {
  const { attempt, policy, history } = input;
  const w = policy.weights;
  if (attempt.action === 'register') {
    out.push({
      code: 'register_on_bound_number',
      logLR: w.registerOnBoundNumber,
      message: 'a "register" with a number already bound to this account: the holder does not know the account exists',
    });
  } else if (attempt.action === 'recover') {
    out.push({ code: 'recovery_attempt', logLR: w.recoveryAttempt, message: 'account recovery by SMS' });
  }
  const since = attempt.at - 7 * DAY;
  const failures = (history.profile?.failedStepUps ?? []).filter((entry) => entry.at >= since && entry.at <= attempt.at);
  if (failures.length > 0) {
    const counted = Math.min(3, failures.length);
    out.push({
      code: 'recent_failed_step_up',
      logLR: w.failedStepUp * counted,
      message: `${failures.length} failed step-up${failures.length > 1 ? 's' : ''} in the last 7 days`,
      details: { count: failures.length },
    });
  }
  for (const factor of attempt.verified) {
    if (factor === 'sms_otp') continue;
    const strength = policy.checkStrength[factor];
    // P(pass | non-owner) / P(pass | owner); owners pass a check they were enrolled in ~95% of the time.
    out.push({
      code: 'strong_factor_verified',
      logLR: Math.log(Math.max(1e-4, 1 - strength) / 0.95),
      message: `${factor.replace('_', ' ')} already passed in this attempt`,
      details: { check: factor },
    });
  }
}

/** Carrier facts about the number's current holder: they bear on a login only through its SMS code. */
export const CARRIER_HOLDER_CODES: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'number_reissued_after_binding',
  'number_not_reissued',
  'tenure_covers_binding',
  'tenure_after_binding',
  'sim_changed_after_binding',
  'sim_unchanged_since_binding',
  'recent_sim_change',
  'carrier_device_changed',
  'identity_mismatch',
  'identity_match',
]);

/** All signals for one attempt, in a fixed order (number, device, region, intent). */
export function collectSignals(input: CoreInput): { signals: Signal[]; findings: NumberFindings; continuity: Continuity } {
  const signals: Signal[] = [];
  if (input.history.status === 'unavailable') {
    signals.push({
      code: 'history_unavailable',
      logLR: 0,
      message: `the account's history could not be read${input.history.error ? ` (${input.history.error})` : ''}: device and region comparisons are unavailable`,
    });
  } else if (input.history.status === 'none') {
    signals.push({ code: 'no_history', logLR: 0, message: 'first time the guard sees this account: nothing to compare devices and regions with' });
  }
  const findings = numberSignals(input, signals);
  const smsUsed = input.attempt.verified.includes('sms_otp');
  if (!smsUsed) {
    // Who holds the number says nothing about a login that did not use it (a password login by the
    // previous owner after the number went to someone else): reported, not scored.
    for (const signal of signals) {
      if (!CARRIER_HOLDER_CODES.has(signal.code) || signal.logLR === 0) continue;
      signal.logLR = 0;
      signal.message += ' (not scored: this login did not use an SMS code)';
      signal.details = { ...signal.details, smsUsed: false };
    }
  }
  deviceSignals(input, signals);
  geoSignals(input, signals);
  intentSignals(input, signals);

  const continuity = ownerContinuity(input, findings, signals);
  const numberContinuity = findings.carrierSays ? !findings.carrierSays.changed : findings.continuity || !findings.reissuePossible;
  if (smsUsed && !numberContinuity) {
    // A reissue was possible (or the carrier says it happened): the person may be the number's new
    // holder, who can copy the owner's user agent, phone model and city. Such evidence must not
    // talk the risk down now.
    for (const signal of signals) {
      if (!signal.forgeable || signal.logLR >= 0) continue;
      signal.logLR = 0;
      signal.message += ' (not counted: a reissue was possible, and whoever holds the number now can copy this)';
      signal.details = { ...signal.details, forgeable: true };
    }
  }
  if (continuity.unproven) signals.push(unprovenSignal(input, findings, signals));
  return { signals, findings, continuity };
}

function ownerContinuity(input: CoreInput, findings: NumberFindings, signals: Signal[]): Continuity {
  const { attempt, policy } = input;
  const passed = attempt.verified.filter((factor): factor is StepUpCheck => factor !== 'sms_otp');
  // Checks passed in this attempt show the owner when they are as strong as the step-up the guard
  // would ask for here, so the owner is let in alike whether the check came first or after a step-up.
  const strongCheck = passed.length > 0 && combinedStrength(policy, passed) >= strongestStepUpStrength(policy, input.checks, passed);
  const smsUsed = attempt.verified.includes('sms_otp');
  if (!smsUsed) {
    // The number is not in play; only the checks can show the owner.
    return { proof: strongCheck ? 'strong_check' : null, unproven: false, unprovenWithoutChecks: false };
  }
  // The carrier says the number changed subscriber: nothing the holder shows can outweigh that.
  if (findings.carrierSays?.changed === true) return { proof: null, unproven: true, unprovenWithoutChecks: true };
  let proof: OwnerProof | null = null;
  if (findings.carrierSays?.changed === false || findings.continuity) proof = 'carrier';
  else if (!findings.reissuePossible) proof = 'recent_proof';
  else if (signals.some((signal) => signal.code === 'vouched_device')) proof = 'vouched_device';
  const withoutChecks = proof === null && findings.reissuePossible && !findings.carrierSays;
  if (proof === null && strongCheck) proof = 'strong_check';
  return { proof, unproven: withoutChecks && proof === null, unprovenWithoutChecks: withoutChecks };
}

/**
 * The SMS code alone may not let in a login whose number may have been reissued. Only evidence the
 * holder of the SIM cannot forge can: a vouched device, a strong check, the carrier. This signal
 * says so, and carries the risk up to the step-up line when the rest of the evidence stays below.
 */
function unprovenSignal(input: CoreInput, findings: NumberFindings, signals: Signal[]): Signal {
  const { policy, attempt } = input;
  const line = thresholdsFor(policy, attempt.action).stepUp;
  let sum = 0;
  for (const signal of signals) sum += signal.logLR;
  const logit = (p: number) => Math.log(p / (1 - p));
  // A hair above the line so the sum lands on it, not a rounding error below it.
  const lift = Math.max(0, logit(line) - logit(policy.prior) - sum + 1e-9);
  const why = findings.carrierSays?.changed
    ? `${findings.carrierSays.source} says the number changed subscriber after it was bound`
    : `no vouched device, strong check or carrier answer shows the owner, and a reissue was possible (${Math.floor(findings.dormancyDays)} days since the last proof, aging period ${findings.agingDays} days)`;
  return {
    code: 'continuity_unproven',
    logLR: lift,
    message: `${why}: the SMS code alone is not enough${lift > 0 ? '; risk raised to the step-up line' : ''}`,
    details: { dormancyDays: Math.floor(findings.dormancyDays), agingDays: findings.agingDays, ...(lift > 0 ? { raisedTo: line } : {}) },
  };
}
