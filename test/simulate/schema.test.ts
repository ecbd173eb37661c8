import { parsePhoneNumberFromString as parseMax } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { createGuard } from '../../src/guard/create-guard.js';
import { memoryStore } from '../../src/persist/memory-store.js';
import { LEGIT_SCENARIOS, TAKEOVER_SCENARIOS, type ProfileName } from '../../src/simulate/config.js';
import { attemptOf, type SimEvent } from '../../src/simulate/events.js';
import { simulationGeo } from '../../src/simulate/locations.js';
import { simulateText } from './helpers.js';

const SCENARIOS = new Set<string>([...LEGIT_SCENARIOS, ...TAKEOVER_SCENARIOS]);

async function eventsOf(
  profile: ProfileName,
  accounts: number,
  seed: number,
  overrides?: Parameters<typeof simulateText>[0]['overrides'],
): Promise<SimEvent[]> {
  const text = await simulateText({ profile, accounts, seed, ...(overrides ? { overrides } : {}) });
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as SimEvent);
}

describe.each(['us', 'cn'] as const)('simulate %s: every line is an attempt the guard accepts', (profile) => {
  it('guard.assess accepts every event, in time order, with truthful ground truth', async () => {
    const events = await eventsOf(profile, 400, 11);
    expect(events.length).toBeGreaterThan(3000);
    let clock = 0;
    const guard = createGuard({ clock: () => clock, geo: simulationGeo(), store: memoryStore({ now: () => clock }) });
    const geo = simulationGeo();
    let previous = -Infinity;
    for (const event of events) {
      const at = Date.parse(event.at);
      expect(at).toBeGreaterThanOrEqual(previous);
      previous = at;
      clock = at;
      // Throws InvalidInputError on any field the guard rejects.
      const decision = await guard.assess(attemptOf(event));
      expect(decision.evidence.geo).toBe('ok');
      expect(Date.parse(event.phoneBoundAt)).toBeLessThanOrEqual(at);
      if (event.lastSeenAt) expect(Date.parse(String(event.lastSeenAt))).toBeLessThanOrEqual(at);
      expect(geo.lookup(event.ip)).toBeTruthy();
      // Ground truth: labels are well formed and the carrier record never reaches into the future.
      expect(SCENARIOS.has(event.label.scenario)).toBe(true);
      expect(event.label.isTakeover).toBe(event.label.scenario.startsWith('A'));
      expect(event.label.actor).toBe(event.label.scenario === 'A1' ? 'new_holder' : event.label.isTakeover ? 'attacker' : 'owner');
      expect(['exact', 'coarse', 'missing']).toContain(event.number.signal);
      if (event.number.disconnectedAt) expect(Date.parse(event.number.disconnectedAt)).toBeLessThanOrEqual(at);
      if (event.number.reissuedAt) expect(Date.parse(event.number.reissuedAt)).toBeLessThanOrEqual(at);
      for (const sim of event.number.simChanges) expect(Date.parse(sim.at)).toBeLessThanOrEqual(at);
      // A takeover happens on a number that changed hands after the binding (A4 excepted: a SIM swap).
      if (event.label.isTakeover && event.label.scenario !== 'A4') {
        expect(Date.parse(event.number.reissuedAt!)).toBeGreaterThan(Date.parse(event.phoneBoundAt));
      }
      if (event.warmup) expect(at).toBeLessThan(Date.parse('2024-06-29T00:00:00Z'));
    }
  });

  it('phone numbers are valid for the profile under both libphonenumber metadata sets', async () => {
    const events = await eventsOf(profile, 300, 5);
    const phones = new Set(events.map((event) => event.phone));
    expect(phones.size).toBeGreaterThan(250);
    for (const phone of phones) {
      const parsed = parseMax(phone);
      expect(parsed?.isValid(), phone).toBe(true);
      expect(parsed?.country).toBe(profile.toUpperCase());
      if (profile === 'us') expect(phone.slice(5, 8), 'no 555 exchange').not.toBe('555');
    }
  });
});

describe('simulate: scenario coverage', () => {
  it('every legitimate and takeover scenario of section 7 appears', async () => {
    // Oversampling raised so the rare attacker types show up in a small run.
    const events = await eventsOf('us', 800, 2, { takeoverOversample: 0.25, simSwapShare: 0.05, dormancyBreakShare: 0.1 });
    const seen = new Set<string>(events.map((event) => event.label.scenario));
    for (const scenario of SCENARIOS) expect(seen.has(scenario), scenario).toBe(true);
    const actions = new Set(events.map((event) => event.action));
    expect(actions).toEqual(new Set(['login', 'register', 'recover']));
    expect(events.some((event) => event.userAgent?.includes('Android 10; K'))).toBe(true);
    expect(events.some((event) => event.clientHints?.['sec-ch-ua-model'])).toBe(true);
    expect(events.some((event) => event.ip.includes(':'))).toBe(true);
    expect(events.some((event) => event.warmup)).toBe(true);
    expect(events.some((event) => event.lastSeenAt)).toBe(true);
  });

  it('the default run has the oversampled takeover volume and a realistic login rate', async () => {
    const events = await eventsOf('cn', 1000, 4);
    const scored = events.filter((event) => !event.warmup);
    const takeoverAccounts = new Set(scored.filter((event) => event.label.isTakeover && event.label.scenario !== 'A4').map((event) => event.accountId));
    // P20: about 4% of accounts, a few of them attacked before the scored window.
    expect(takeoverAccounts.size).toBeGreaterThan(25);
    expect(takeoverAccounts.size).toBeLessThan(70);
    const legitPerAccountYear = scored.filter((event) => !event.label.isTakeover).length / 1000 / (550 / 365.25);
    // S6: about 9.5 attempts per user-year; the generator lands near it.
    expect(legitPerAccountYear).toBeGreaterThan(7);
    expect(legitPerAccountYear).toBeLessThan(16);
  });
});
