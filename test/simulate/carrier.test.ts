import { describe, expect, it } from 'vitest';
import { simCarrier, signalByShares } from '../../src/simulate/carrier.js';
import type { NumberTruth } from '../../src/simulate/events.js';

const DAY = 86_400_000;
const never = new AbortController().signal;
const US = '+12125550123';
const truth = (signal: NumberTruth['signal'], extra: Partial<NumberTruth> = {}): NumberTruth => ({
  disconnectedAt: null,
  reissuedAt: null,
  signal,
  simChanges: [],
  ...extra,
});

function ask(phone: string, number: NumberTruth, now: string, since: string, options: { signal?: NumberTruth['signal'] } = {}) {
  const carrier = simCarrier({ clock: () => Date.parse(now), ...options });
  carrier.use(phone, number);
  return carrier.check({ phone, since: new Date(since), signal: never });
}

describe('the simulated carrier (a real NumberIntelProvider)', () => {
  const reissued = truth('exact', {
    disconnectedAt: '2024-03-01T10:00:00.000Z',
    reissuedAt: '2024-04-20T09:00:00.000Z',
    simChanges: [{ at: '2024-04-20T09:00:00.000Z', kind: 'new_subscription' }],
  });

  it('exact: says the subscriber changed after the binding, with the date and the SIM change', async () => {
    const answer = await ask(US, reissued, '2024-05-01T00:00:00Z', '2022-06-01T00:00:00Z');
    expect(answer).toMatchObject({
      source: 'sim-number-recycling',
      changedSince: true,
      reissuedAt: '2024-04-20T09:00:00.000Z',
      lastSimChange: '2024-04-20T09:00:00.000Z',
    });
  });

  it('exact: a binding on the day of the reissue is not a change (CAMARA: contract start date answers false)', async () => {
    const answer = await ask(US, reissued, '2024-05-01T00:00:00Z', '2024-04-20T18:00:00Z');
    expect(answer.changedSince).toBe(false);
  });

  it('exact: nothing from the future, and the SIM change only within the look-back window', async () => {
    expect((await ask(US, reissued, '2024-04-01T00:00:00Z', '2022-06-01T00:00:00Z')).reissuedAt).toBeUndefined();
    const late = await ask(US, reissued, new Date(Date.parse('2024-04-20T09:00:00Z') + 150 * DAY).toISOString(), '2022-06-01T00:00:00Z');
    expect(late.changedSince).toBe(true);
    expect(late.lastSimChange).toBeUndefined();
  });

  it('coarse: yes/no without dates, visible from the monthly report, "no data" before 2021-01-27 (US)', async () => {
    const coarse = { ...reissued, signal: 'coarse' as const };
    // Disconnected 1 March, reported by 15 April.
    expect(await ask(US, coarse, '2024-04-10T00:00:00Z', '2022-06-01T00:00:00Z')).toEqual({ source: 'sim-reassigned-db', changedSince: false });
    expect(await ask(US, coarse, '2024-04-16T00:00:00Z', '2022-06-01T00:00:00Z')).toEqual({ source: 'sim-reassigned-db', changedSince: true });
    expect((await ask(US, coarse, '2024-04-16T00:00:00Z', '2020-06-01T00:00:00Z')).unavailable).toMatch(/^NO_DATA/);
    // A port is not a permanent disconnection.
    const ported = truth('coarse', { simChanges: [{ at: '2024-02-01T00:00:00.000Z', kind: 'port' }] });
    expect((await ask(US, ported, '2024-04-16T00:00:00Z', '2022-06-01T00:00:00Z')).changedSince).toBe(false);
  });

  it('missing: unavailable, which the guard reports as unknown (not as a provider failure)', async () => {
    const answer = await ask(US, truth('missing'), '2024-04-16T00:00:00Z', '2022-06-01T00:00:00Z');
    expect(answer.unavailable).toMatch(/^SERVICE_NOT_APPLICABLE/);
    expect(answer.changedSince).toBeUndefined();
  });

  it("a signal override and P17 shares replace the event's own signal", async () => {
    expect((await ask(US, reissued, '2024-05-01T00:00:00Z', '2022-06-01T00:00:00Z', { signal: 'missing' })).unavailable).toBeDefined();
    const phones = Array.from({ length: 4000 }, (_, i) => `+8613${String(800000000 + i)}`);
    const exact = phones.filter((phone) => signalByShares(phone, { exact: 0.25, coarse: 0, missing: 0.75 }) === 'exact').length / phones.length;
    expect(exact).toBeGreaterThan(0.22);
    expect(exact).toBeLessThan(0.28);
    // The same number keeps its carrier.
    expect(signalByShares(phones[0]!, { exact: 0.5, coarse: 0, missing: 0.5 })).toBe(signalByShares(phones[0]!, { exact: 0.5, coarse: 0, missing: 0.5 }));
  });
});
