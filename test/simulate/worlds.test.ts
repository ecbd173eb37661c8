import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultConfig, type AttackerStrategy } from '../../src/simulate/config.js';
import type { SimEvent } from '../../src/simulate/events.js';
import { describeSimIp } from '../../src/simulate/locations.js';
import {
  RISK_BIN_EDGES,
  UnavoidableFriction,
  VariantCounter,
  WORLD_RANGES,
  drawWorld,
  mergeReliability,
  newReliability,
  recordRisk,
  reliability,
  riskBin,
} from '../../src/simulate/worlds.js';
import { simulateText } from './helpers.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const parse = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as SimEvent);

describe('world draws', () => {
  it('a draw seed gives the same world every time, and its simulation the same bytes', async () => {
    const a = drawWorld('us', 2007);
    const b = drawWorld('us', 2007);
    expect(b).toEqual(a);
    expect(drawWorld('us', 2008).values).not.toEqual(a.values);
    expect(drawWorld('cn', 2007).values).not.toEqual(a.values);
    const first = await simulateText({ profile: 'us', accounts: 120, seed: a.seed, overrides: a.overrides });
    const again = await simulateText({ profile: 'us', accounts: 120, seed: b.seed, overrides: b.overrides });
    expect(sha(again)).toBe(sha(first));
  });

  it('every drawn value lies in its documented range, and the defaults lie inside the ranges they shift', () => {
    for (const seed of [2001, 2002, 2003, 2004, 2005]) {
      for (const profile of ['us', 'cn'] as const) {
        const draw = drawWorld(profile, seed);
        for (const range of WORLD_RANGES) {
          const [low, high] = profile === 'cn' && range.cn ? range.cn : range.us;
          expect(draw.values![range.id], `${profile} ${range.id}`).toBeGreaterThanOrEqual(low);
          expect(draw.values![range.id], `${profile} ${range.id}`).toBeLessThanOrEqual(high);
        }
        const mix = draw.overrides.takeoverMix!;
        expect(mix.A1 + mix.A2 + mix.A3 + mix.A5).toBeCloseTo(1, 10);
        expect(draw.overrides.agingUs!.minDays).toBe(45); // the regulatory floor is never drawn away
      }
    }
    const us = defaultConfig('us');
    const inside = (id: string, value: number) => {
      const range = WORLD_RANGES.find((r) => r.id === id)!;
      expect(value, id).toBeGreaterThanOrEqual(range.us[0]);
      expect(value, id).toBeLessThanOrEqual(range.us[1]);
    };
    inside('P12', us.numberDropPerYear);
    inside('P13', us.staleBindingRate);
    inside('P15', us.newHolderLoginRate);
    inside('P14', us.agingUs.meanExtraDays);
    inside('S13a', us.stepUpPass.owner);
    inside('S15', us.adaptiveShare);
  });
});

describe('attacker strategies do what they say', () => {
  // Only hunters, every one of them adaptive, many accounts in the takeover storyline.
  const overrides = { takeoverOversample: 0.6, adaptiveShare: 1, takeoverMix: { A1: 0, A2: 1, A3: 0, A5: 0 } };

  it("mimic copies the owner's last user agent, Client Hints, city, ISP and /24, and sends no device token", async () => {
    const events = parse(await simulateText({ profile: 'us', accounts: 400, seed: 21, overrides }));
    const byAccount = new Map<string, SimEvent[]>();
    for (const event of events) (byAccount.get(event.accountId) ?? byAccount.set(event.accountId, []).get(event.accountId)!).push(event);
    let checked = 0;
    for (const [, story] of byAccount) {
      const attacks = story.filter((event) => event.label.strategy === 'mimic');
      if (attacks.length === 0) continue;
      const ownerSms = story.filter((event) => event.label.actor === 'owner' && event.at < attacks[0]!.at);
      const last = ownerSms.at(-1)!;
      for (const attack of attacks) {
        expect(attack.userAgent).toBe(last.userAgent);
        expect(attack.clientHints).toEqual(last.clientHints);
        expect(attack.deviceId).toBeUndefined();
        const place = describeSimIp(attack.ip)!;
        expect(place.kind).toBe('isp');
        // The owner's home network: an ISP address of theirs in the same /24.
        const prefix = attack.ip.split('.').slice(0, 3).join('.');
        expect(ownerSms.some((event) => event.ip !== attack.ip && event.ip.startsWith(`${prefix}.`) && describeSimIp(event.ip)?.kind === 'isp')).toBe(true);
        expect(ownerSms.some((event) => describeSimIp(event.ip)?.location === place.location)).toBe(true);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('the other strategies: timing, retries, register first, the common phone', async () => {
    const events = parse(await simulateText({ profile: 'us', accounts: 500, seed: 22, overrides }));
    const attacks = new Map<string, SimEvent[]>();
    for (const event of events)
      if (event.label.isTakeover) (attacks.get(event.accountId) ?? attacks.set(event.accountId, []).get(event.accountId)!).push(event);
    const seen = new Set<AttackerStrategy>();
    for (const [accountId, list] of attacks) {
      const strategy = list[0]!.label.strategy!;
      seen.add(strategy);
      const first = list[0]!;
      expect(list.every((event) => event.label.strategy === strategy && event.label.passesStepUp === first.label.passesStepUp)).toBe(true);
      if (strategy === 'early' || strategy === 'all') {
        const sinceReissue = Date.parse(first.at) - Date.parse(first.number.reissuedAt!);
        // Within hours of the reissue ("all" may then wait for the owner's usual slot, at most a week).
        expect(sinceReissue).toBeLessThanOrEqual((strategy === 'all' ? 8 : 0.5) * 86_400_000 + 1000);
      }
      if (strategy === 'retry' || strategy === 'register-retry') {
        const inHorizon = Date.parse(list.at(-1)!.at) < Date.parse('2025-12-20T00:00:00Z');
        if (inHorizon) expect(list.length).toBeGreaterThanOrEqual(3);
        expect(new Set(list.map((event) => event.deviceId)).size).toBe(1);
        expect(list[0]!.deviceId).toBeDefined();
        expect(first.action).toBe(strategy === 'register-retry' ? 'register' : 'login');
      }
      if (strategy === 'common-phone') {
        for (const event of list) {
          expect(event.userAgent).toMatch(/iPhone/); // the US profile's most common phone
          expect(event.deviceId).toBeUndefined();
        }
      }
      if (strategy === 'usual-time') {
        const owner = events.filter((event) => event.accountId === accountId && event.label.actor === 'owner');
        const tz = homeTz(owner);
        const local = (event: SimEvent) => new Date(Date.parse(event.at) + tz * 3_600_000);
        const hours = new Map<number, number>();
        const weekdays = new Map<number, number>();
        for (const event of owner) {
          hours.set(local(event).getUTCHours(), (hours.get(local(event).getUTCHours()) ?? 0) + 1);
          weekdays.set(local(event).getUTCDay(), (weekdays.get(local(event).getUTCDay()) ?? 0) + 1);
        }
        for (const attempt of list) {
          expect(hours.get(local(attempt).getUTCHours())).toBe(Math.max(...hours.values()));
          expect(weekdays.get(local(attempt).getUTCDay())).toBe(Math.max(...weekdays.values()));
        }
      }
    }
    for (const strategy of ['mimic', 'early', 'usual-time', 'retry', 'register-retry', 'common-phone', 'all'] as const)
      expect(seen.has(strategy), strategy).toBe(true);
  });
});

/** The owner's home time zone: the city most of their logins come from (VPN exits aside). */
function homeTz(owner: SimEvent[]): number {
  const counts = new Map<number, number>();
  for (const event of owner) {
    const place = describeSimIp(event.ip);
    if (place && place.kind !== 'hosting') counts.set(place.location.tz, (counts.get(place.location.tz) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
}

describe('unavoidable friction, from events and labels alone', () => {
  const DAY = 86_400_000;
  const t0 = Date.parse('2025-01-01T12:00:00Z');
  const event = (accountId: string, phone: string, day: number, extra: Partial<SimEvent> = {}): SimEvent =>
    ({
      accountId,
      phone,
      phoneBoundAt: new Date(t0 - DAY).toISOString(),
      ip: '10.0.0.1',
      at: new Date(t0 + day * DAY).toISOString(),
      verified: ['sms_otp'],
      label: { isTakeover: false, scenario: 'L0', actor: 'owner' },
      number: { disconnectedAt: null, reissuedAt: null, signal: 'missing', simChanges: [] },
      ...extra,
    }) as SimEvent;
  const US = '+12125550123';
  const CN = '+8613800138000';

  it('counts an owner back after the aging period with no token used before, and nobody else', () => {
    const friction = new UnavoidableFriction();
    const stream: SimEvent[] = [
      // A: 60 days after the previous SMS login (US minimum 45), on a token never used: unavoidable.
      event('A', US, 0, { deviceId: 't1', warmup: true }),
      event('A', US, 10, { deviceId: 't1' }),
      event('A', US, 70),
      // B: 100 days, but on the token of an earlier login: a vouched-device path exists.
      event('B', US, 0, { deviceId: 'b1' }),
      event('B', US, 100, { deviceId: 'b1' }),
      // C: a CN number, 60 days: within China's 90-day minimum.
      event('C', CN, 0, { deviceId: 'c1' }),
      event('C', CN, 60, { deviceId: 'c2' }),
      // D: the first login in the log, 50 days after the host's lastSeenAt hint, new token.
      event('D', US, 5, { deviceId: 'd1', lastSeenAt: new Date(t0 - 45 * DAY).toISOString() }),
      // E: a password-only login in between does not reset the SMS gap, but its token counts as used.
      event('E', US, 0, { deviceId: 'e1' }),
      event('E', US, 30, { deviceId: 'e2', verified: ['password'] }),
      event('E', US, 80, { deviceId: 'e2' }),
      // F: the gap is measured from the warm-up login; the new holder's attempt never counts.
      event('F', US, 0, { deviceId: 'f1', warmup: true }),
      event('F', US, 50, { deviceId: 'x', label: { isTakeover: true, scenario: 'A1', actor: 'new_holder' } }),
      event('F', US, 20, { deviceId: 'f1' }),
    ];
    for (const e of stream) friction.observe(e);
    expect(Object.fromEntries(friction.owners)).toEqual({ A: true, B: false, C: false, D: true, E: false, F: false });
    expect(friction.share()).toEqual({ owners: 6, unavoidable: 2 });
    expect(friction.share(new Set(['A']))).toEqual({ owners: 5, unavoidable: 1 });
    // Scored SMS logins only: A's and F's warm-up logins and E's password login are not counted.
    expect(friction.logins).toBe(10);
    expect(friction.unavoidableLogins).toBe(2);
  });
});

describe('reliability of risk', () => {
  it("bins by half decades and compares each bin's mean risk with its observed rate", () => {
    expect(RISK_BIN_EDGES[0]).toBe(0);
    expect(riskBin(0)).toBe(0);
    expect(riskBin(5e-7)).toBe(0);
    expect(riskBin(1e-6)).toBe(1);
    expect(riskBin(2e-6)).toBe(1);
    expect(riskBin(4e-6)).toBe(2);
    expect(riskBin(0.5)).toBe(RISK_BIN_EDGES.length - 1);
    expect(riskBin(1)).toBe(RISK_BIN_EDGES.length - 1);

    const tally = newReliability();
    for (let i = 0; i < 8; i++) recordRisk(tally, 0.001, false);
    recordRisk(tally, 0.001, true);
    recordRisk(tally, 0.5, true);
    recordRisk(tally, 0.5, false);
    const r = reliability(tally);
    expect(r.rows).toHaveLength(2);
    const low = r.rows[0]!;
    expect(low.n).toBe(9);
    expect(low.meanRisk).toBeCloseTo(0.001, 12);
    expect(low.observed).toBeCloseTo(1 / 9, 12);
    expect(r.rows[1]!.observed).toBeCloseTo(0.5, 12);
    // Brier: 8 x 0.001^2 + (1 - 0.001)^2 + 0.5^2 + 0.5^2, over 11 logins.
    expect(r.brier).toBeCloseTo((8 * 1e-6 + 0.999 ** 2 + 0.25 + 0.25) / 11, 12);
    expect(r.baseRate).toBeCloseTo(2 / 11, 12);

    // A weight on takeovers counts each of them that many times.
    const weighted = newReliability();
    mergeReliability(weighted, tally, 0.5);
    const w = reliability(weighted);
    expect(w.rows[0]!.n).toBeCloseTo(8.5, 12);
    expect(w.rows[0]!.observed).toBeCloseTo(0.5 / 8.5, 12);
    expect(w.baseRate).toBeCloseTo(1 / 10, 12);
  });
});

describe('per-variant counts', () => {
  it('first login stopped, accounts let in through a passed step-up, owners ever stepped up', () => {
    const counter = new VariantCounter('v');
    const base = { phone: '+12125550123', phoneBoundAt: '2020-01-01T00:00:00.000Z', ip: '10.0.0.1', at: '2025-01-01T00:00:00.000Z' };
    const number = { disconnectedAt: null, reissuedAt: null, signal: 'missing' as const, simChanges: [] };
    const attack = (accountId: string, strategy: AttackerStrategy, passes: boolean) =>
      ({ ...base, accountId, number, label: { isTakeover: true, scenario: 'A2', actor: 'attacker', strategy, passesStepUp: passes } }) as SimEvent;
    const owner = (accountId: string) => ({ ...base, accountId, number, label: { isTakeover: false, scenario: 'L0', actor: 'owner' } }) as SimEvent;
    counter.record(attack('x', 'mimic', false), true, 'allow', 0.001); // let in outright
    counter.record(attack('y', 'retry', true), true, 'step_up', 0.2); // stopped, then passes
    counter.record(attack('z', 'retry', false), true, 'step_up', 0.2); // stopped, fails
    counter.record(attack('z', 'retry', false), false, 'deny', 0.99);
    counter.record(attack('y', 'retry', true), false, 'allow', 0.0001); // trusted after passing: not the guard's miss
    counter.record(owner('o1'), false, 'step_up', 0.01);
    counter.record(owner('o1'), false, 'allow', 0.0001);
    counter.record(owner('o2'), false, 'allow', 0.0001);
    counter.record(owner('x'), false, 'step_up', 0.01); // a victim's owner: left out of owner figures
    const tally = counter.finish(
      new Map([
        ['x', 'mimic'],
        ['y', 'retry'],
        ['z', 'retry'],
      ]),
      new Set(['x', 'y', 'z']),
    );
    expect(tally.first).toEqual({ n: 3, k: 2 });
    expect(tally.firstByStrategy.mimic).toEqual({ n: 1, k: 0 });
    expect(tally.firstByStrategy.retry).toEqual({ n: 2, k: 2 });
    expect(tally.everAllowed).toEqual({ n: 3, k: 2 });
    expect(tally.everAllowedOutright).toEqual({ n: 3, k: 1 });
    expect(tally.attempts.A2·retry).toEqual({ n: 4, stepUp: 2, deny: 1, allowed: 1, allowedUnvouched: 0, passed: 1 });
    expect(tally.attempts.A2·mimic).toEqual({ n: 1, stepUp: 0, deny: 0, allowed: 1, allowedUnvouched: 1, passed: 0 });
    expect(tally.legit).toEqual({ n: 4, stepUp: 2, deny: 0 });
    expect(tally.owners).toEqual({ n: 2, everStepUp: 1, everDeny: 0 });
  });
});
