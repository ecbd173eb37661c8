import { describe, expect, it } from 'vitest';
import { createGuard, memoryStore, type AttemptInput, type Decision, type GeoLookup, type Store } from 'recycled-number-guard';
import { GeoNotReadyError } from 'recycled-number-guard/evidence';
import { recordStall } from '../../src/util/stall.js';

const AT = '2026-01-10T09:30:00Z';
const attempt = (overrides: Partial<AttemptInput> = {}): AttemptInput => ({
  accountId: 'u-cold',
  phone: '+14155552671',
  phoneBoundAt: '2022-01-01T00:00:00Z',
  ip: '8.8.8.8',
  at: AT,
  ...overrides,
});
const codes = (decision: Decision) => decision.reasons.map((reason) => reason.code);
const geoWhy = (decision: Decision) => decision.reasons.find((reason) => reason.code === 'geo_unavailable')?.message ?? '';
/** Lets the timers the guard set at 0 ms run (they were set first, so they fire first). */
const nextTimers = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A network-like store: answers after `ms`, through an I/O-phase callback as a socket would. */
function networkStore(ms: number): Store {
  const inner = memoryStore();
  const later = <T>(work: () => Promise<T>) => new Promise<void>((resolve) => setTimeout(() => setImmediate(resolve), ms)).then(work);
  return {
    name: 'network-like',
    capabilities: { ...inner.capabilities, shared: true },
    read: (keys) => later(() => inner.read(keys)),
    write: (write, limits) => later(() => inner.write(write, limits)),
    takePending: (id) => inner.takePending(id),
    addNumberEvents: (phone, events) => inner.addNumberEvents(phone, events),
  };
}

describe('cold start', () => {
  it('without ready(): the first attempt is decided without a location (geo_unavailable), not by the fail mode; the load starts after it', async () => {
    const errors: unknown[] = [];
    const guard = createGuard({ preset: 'fintech', checks: ['password', 'face'], clock: () => Date.parse(AT), onError: (error) => errors.push(error) });
    const first = await guard.assess(attempt({ verified: ['sms_otp', 'password'] }));
    expect(first.evidence.geo).toBe('unavailable');
    expect(geoWhy(first)).toMatch(/geoip-lite is still loading its data/);
    expect(first.evidence.history).toBe('none');
    expect(codes(first)).not.toContain('fail_mode_applied');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(GeoNotReadyError);
    // The load was started after the decision; ready() waits for that same load.
    await guard.ready();
    const second = await guard.assess(attempt({ verified: ['sms_otp', 'password'] }));
    expect(second.evidence.geo).toBe('ok');
  });

  it('ready() loads geolocation, parsers and schemas: the first attempt after it has its location', async () => {
    const guard = createGuard({ clock: () => Date.parse(AT) });
    await guard.ready();
    await guard.ready(); // idempotent
    const first = await guard.assess(attempt());
    expect(first.evidence.geo).toBe('ok');
    expect(codes(first)).not.toContain('geo_unavailable');
  });

  it('a lookup with data to load is not asked inside an attempt, and its load starts only once the attempt is decided', async () => {
    const calls: string[] = [];
    let finish!: () => void;
    const geo: GeoLookup = {
      name: 'slow-to-load',
      ready: () => {
        calls.push('ready');
        return new Promise<void>((resolve) => (finish = resolve));
      },
      lookup: (ip) => {
        calls.push(`lookup ${ip}`);
        return { country: 'US' };
      },
    };
    const guard = createGuard({ geo, clock: () => Date.parse(AT) });
    const decisions = await Promise.all([guard.assess(attempt()), guard.assess(attempt({ accountId: 'u-2' }))]);
    expect(decisions.map((d) => d.evidence.geo)).toEqual(['unavailable', 'unavailable']);
    expect(calls).toEqual([]);
    await nextTimers();
    expect(calls).toEqual(['ready']);
    const during = await guard.assess(attempt());
    expect(geoWhy(during)).toMatch(/slow-to-load is still loading/);
    finish();
    await guard.ready();
    expect((await guard.assess(attempt())).evidence.geo).toBe('ok');
    expect(calls).toEqual(['ready', 'lookup 8.8.8.8']);
  });

  it('time the event loop spends in a recorded synchronous load does not count against the budgets of attempts in flight', async () => {
    // The store answers in 20 ms, the budget is 1 s (room for a loaded machine's lag), and a 3 s
    // synchronous load (as geoip-lite's require, exaggerated) blocks the thread meanwhile: without the
    // excuse, the deadline timers fire first after the block and the history counts as unavailable.
    const blockFor = (ms: number) => {
      const started = performance.now();
      while (performance.now() - started < ms);
      recordStall(performance.now() - started);
    };
    const guard = createGuard({
      preset: 'fintech',
      checks: ['password', 'face'],
      geo: false,
      store: networkStore(20),
      budgetMs: 1_000,
      clock: () => Date.parse(AT),
      hashKey: 'cold-start-key-0123456789',
    });
    const inFlight = Promise.all([
      guard.assess(attempt({ verified: ['sms_otp', 'password'] })),
      guard.assess(attempt({ accountId: 'u-2', verified: ['sms_otp', 'password'] })),
    ]);
    setTimeout(() => blockFor(3_000), 1);
    const decisions = await inFlight;
    expect(decisions.map((d) => d.evidence.history)).toEqual(['none', 'none']);
    expect(decisions.map((d) => d.persisted)).toEqual([true, true]);
    for (const decision of decisions) expect(codes(decision)).not.toContain('fail_mode_applied');
  });

  it('a lookup whose data cannot load: ready() rejects with the cause; attempts are decided without a location and say why', async () => {
    const errors: unknown[] = [];
    const geo: GeoLookup = { name: 'broken', ready: () => Promise.reject(new Error('ENOENT: no such file')), lookup: () => ({ country: 'US' }) };
    const guard = createGuard({ geo, clock: () => Date.parse(AT), onError: (error) => errors.push(error) });
    await expect(guard.ready()).rejects.toThrow('ENOENT: no such file');
    const decision = await guard.assess(attempt());
    expect(decision.evidence.geo).toBe('unavailable');
    expect(geoWhy(decision)).toMatch(/broken could not load its data: ENOENT: no such file/);
    expect(errors.at(-1)).toBeInstanceOf(GeoNotReadyError);
  });
});
