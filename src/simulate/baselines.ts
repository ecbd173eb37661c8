/**
 * The baselines the evaluation compares the guard with (docs/evaluation.md), computed on the same events:
 *
 * - B0 SMS only: every correct code signs in.
 * - B1 "new device or new IP -> step up": a device (token, else user agent) or an address this
 *   account never used. Learns like a deployment would: from allowed logins and passed step-ups.
 * - B2 Freeman et al. (NDSS 2016, S5) as re-implemented here from the paper's idea: the
 *   likelihood ratio p(x | attacker) / p(x | user) for two features, IP and user agent, each with a
 *   sub-feature hierarchy (IP -> ASN -> country; UA string -> browser + OS version -> OS family +
 *   device type). The attacker distribution is the global login population; the user's is smoothed
 *   with a back-off to the parent sub-feature: p_u(x) = (c_u(x) + b * p_u(parent) * p(x | parent)) / (n_u + b).
 *   Its history is every login it has seen for the account (as in the RBA dataset, S6).
 * - B3 the reissue rule only: the carrier says the number changed hands after the binding date ->
 *   deny (exact record) or step up (coarse record); otherwise allow.
 */
import { uaParserModule } from '../util/lazy-deps.js';
import type UAParserType from 'ua-parser-js';
import type { DecisionAction } from '../types/index.js';
import { BoundedCache } from '../util/bounded-cache.js';
import { simCarrier, type SimCarrier } from './carrier.js';
import { describeSimIp } from './locations.js';
import type { SimEvent } from './events.js';

export interface BaselineVerdict {
  action: DecisionAction;
  /** Higher = more suspicious; comparable within one baseline only. */
  score: number;
}

export interface Baseline {
  readonly id: 'B0' | 'B1' | 'B2' | 'B3';
  readonly title: string;
  assess(event: SimEvent, at: number): Promise<BaselineVerdict> | BaselineVerdict;
}

export function smsOnly(): Baseline {
  return { id: 'B0', title: 'SMS code only', assess: () => ({ action: 'allow', score: 0 }) };
}

export function newDeviceOrIp(maxAccounts = 1_000_000): Baseline {
  const seen = new BoundedCache<string, { ips: Set<string>; devices: Set<string> }>(maxAccounts);
  return {
    id: 'B1',
    title: 'new device or new IP -> step-up',
    assess(event) {
      let history = seen.get(event.accountId);
      if (!history) seen.set(event.accountId, (history = { ips: new Set(), devices: new Set() }));
      const device = event.deviceId ?? event.userAgent ?? '';
      const novel = !history.ips.has(event.ip) || !history.devices.has(device);
      // An account never seen steps up too: nothing is known about it.
      const action: DecisionAction = novel ? 'step_up' : 'allow';
      if (action === 'allow' || event.label.passesStepUp) {
        history.ips.add(event.ip);
        history.devices.add(device);
        // Bounded like the guard's profile: the most recent few values.
        if (history.ips.size > 16) history.ips.delete(history.ips.values().next().value!);
        if (history.devices.size > 16) history.devices.delete(history.devices.values().next().value!);
      }
      return { action, score: novel ? 1 : 0 };
    },
  };
}

interface UaLevels {
  full: string;
  browser: string;
  os: string;
}

const uaCache = new BoundedCache<string, UaLevels>(20_000);

function uaLevels(ua: string | undefined): UaLevels {
  const key = ua ?? '';
  const hit = uaCache.get(key);
  if (hit) return hit;
  const UAParser = uaParserModule() as typeof UAParserType;
  const r = new UAParser(key).getResult();
  const major = (v: string | undefined) => (v ?? '').split('.')[0];
  const levels: UaLevels = {
    full: key,
    browser: `${r.browser.name ?? '?'} ${major(r.browser.version)} | ${r.os.name ?? '?'} ${major(r.os.version)}`,
    os: `${r.os.name ?? '?'} | ${r.device.type ?? 'desktop'}`,
  };
  uaCache.set(key, levels);
  return levels;
}

/** Counts of values per level; `total` is the number of observations. */
class Counts {
  readonly values = new Map<string, number>();
  total = 0;
  add(value: string): void {
    this.values.set(value, (this.values.get(value) ?? 0) + 1);
    this.total++;
  }
  get(value: string): number {
    return this.values.get(value) ?? 0;
  }
}

interface UserHistory {
  n: number;
  levels: Map<string, number>[]; // one map per level index across both features
}

/**
 * Freeman-style score. Levels per feature, finest first:
 *   IP: address, ASN, country;   UA: full string, browser+OS versions, OS family+device type.
 */
export function freemanModel(maxAccounts = 1_000_000, smoothing = 1): Baseline & { threshold: number } {
  const globalLevels = [new Counts(), new Counts(), new Counts(), new Counts(), new Counts(), new Counts()];
  const users = new BoundedCache<string, UserHistory>(maxAccounts);

  const featureValues = (event: SimEvent): string[] => {
    const net = describeSimIp(event.ip);
    const ua = uaLevels(event.userAgent);
    return [event.ip, `AS${net?.asn ?? '?'}`, net?.location.country ?? '?', ua.full, ua.browser, ua.os];
  };

  /** Global probability of a value at a level, add-one smoothed. */
  const pGlobal = (level: number, value: string) => (globalLevels[level]!.get(value) + 1) / (globalLevels[level]!.total + globalLevels[level]!.values.size + 1);
  /** p(child | parent) from global counts. */
  const pChild = (level: number, value: string, parentLevel: number, parent: string) =>
    (globalLevels[level]!.get(value) + 1) / (globalLevels[parentLevel]!.get(parent) + globalLevels[level]!.values.size + 1);

  const pUser = (user: UserHistory | undefined, values: string[], base: number): number => {
    // base = 0 for IP levels 0..2, 3 for UA levels 3..5; back off from the coarsest level up.
    const n = user?.n ?? 0;
    const count = (level: number) => (user ? (user.levels[level]!.get(values[level]!) ?? 0) : 0);
    let p = (count(base + 2) + smoothing * pGlobal(base + 2, values[base + 2]!)) / (n + smoothing);
    p = (count(base + 1) + smoothing * p * pChild(base + 1, values[base + 1]!, base + 2, values[base + 2]!)) / (n + smoothing);
    p = (count(base) + smoothing * p * pChild(base, values[base]!, base + 1, values[base + 1]!)) / (n + smoothing);
    return p;
  };

  const model = {
    id: 'B2' as const,
    title: 'Freeman-style IP + UA likelihood ratio',
    /** Step-up at or above this score (set by the evaluation to a budget). */
    threshold: Infinity,
    assess(event: SimEvent): BaselineVerdict {
      const values = featureValues(event);
      const user = users.get(event.accountId);
      const ratioIp = pGlobal(0, values[0]!) / pUser(user, values, 0);
      const ratioUa = pGlobal(3, values[3]!) / pUser(user, values, 3);
      const score = Math.log(ratioIp) + Math.log(ratioUa);
      // Learn from every login, as a deployment that records each successful SMS login would.
      let history = user;
      if (!history) users.set(event.accountId, (history = { n: 0, levels: values.map(() => new Map<string, number>()) }));
      history.n++;
      values.forEach((value, level) => {
        const map = history!.levels[level]!;
        map.set(value, (map.get(value) ?? 0) + 1);
        globalLevels[level]!.add(value);
      });
      return { action: score >= model.threshold ? 'step_up' : 'allow', score };
    },
  };
  return model;
}

const NEVER = new AbortController().signal;

export function reissueRuleOnly(): Baseline {
  let now = 0;
  const carrier: SimCarrier = simCarrier({ clock: () => now });
  return {
    id: 'B3',
    title: 'reissue rule only (carrier record vs binding date)',
    async assess(event, at) {
      now = at;
      carrier.use(event.phone, event.number);
      const answer = await carrier.check({ phone: event.phone, since: new Date(event.phoneBoundAt), signal: NEVER });
      if (answer.changedSince !== true) return { action: 'allow', score: 0 };
      return answer.source === 'sim-number-recycling' ? { action: 'deny', score: 2 } : { action: 'step_up', score: 1 };
    },
  };
}
