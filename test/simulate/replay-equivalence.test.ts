/**
 * The backtest's replay engine skips the live guard's machinery (promises, time budgets, the
 * provider runner) for speed. These tests hold it to its claim: replayed through the engine and
 * through a real `createGuard` with the same in-process parts, every simulated login gets the same
 * decision, down to each reason's message and details, and the history learned is the same.
 */
import { describe, expect, it } from 'vitest';
import { createReplayer, type ReplayOptions } from '../../src/backtest/replay.js';
import { createGuard } from '../../src/guard/create-guard.js';
import { memoryStore } from '../../src/persist/memory-store.js';
import { simCarrier, simReplayIntel } from '../../src/simulate/carrier.js';
import { attemptOf, optionPassed, type SimEvent } from '../../src/simulate/events.js';
import { simulateEvents } from '../../src/simulate/generator.js';
import { simulationGeo } from '../../src/simulate/locations.js';
import type { Decision } from '../../src/types/index.js';

async function eventsOf(profile: 'us' | 'cn', accounts: number, seed: number): Promise<SimEvent[]> {
  const events: SimEvent[] = [];
  for await (const event of simulateEvents({ profile, accounts, seed })) events.push(event);
  return events;
}

/** The replay as the guard itself runs it: assess, then recordOutcome with the actor's result. */
function guardReplay(options: ReplayOptions) {
  let now = 0;
  const clock = () => now;
  // The same carrier as a live guard's provider (the replay builds its own from `numberIntel`).
  const carrier = options.numberIntel ? simCarrier({ clock }) : undefined;
  const store = memoryStore({ now: clock, maxAccounts: 1_000_000, maxNumbers: 1_000_000 });
  const guard = createGuard({
    preset: options.preset,
    clock,
    store,
    geo: options.geo === undefined ? simulationGeo() : options.geo,
    // The replay engine has no time budget: on a machine other work keeps busy, the default 400 ms
    // could expire around the simulated carrier's answer and make the two differ for a reason this
    // test is not about.
    budgetMs: 60_000,
    ...(carrier ? { numberIntel: carrier } : {}),
    ...(options.weights ? { weights: options.weights } : {}),
    ...(options.thresholds ? { thresholds: options.thresholds } : {}),
    ...(options.checks ? { checks: options.checks } : {}),
  });
  return {
    store,
    async assess(event: SimEvent): Promise<Decision> {
      const at = Date.parse(event.at);
      if (at > now) now = at;
      const attempt = attemptOf(event);
      if (options.stripDevice) {
        delete attempt.userAgent;
        delete attempt.clientHints;
        delete attempt.deviceId;
      }
      carrier?.use(event.phone, event.number);
      const decision = await guard.assess(attempt);
      const done = decision.wouldBe === 'step_up' && decision.stepUp ? optionPassed(event.label, decision.stepUp.anyOf) : undefined;
      if (done) {
        await guard.recordOutcome(decision.id, { checks: [...done.checks], passed: done.passed, at });
      }
      return decision;
    },
  };
}

/** Everything but the random decision id. */
const comparable = ({ id: _id, ...rest }: Decision) => rest;

async function expectSameDecisions(events: SimEvent[], options: ReplayOptions): Promise<{ stepUps: number; denies: number }> {
  const engine = createReplayer(options);
  const reference = guardReplay(options);
  let stepUps = 0;
  let denies = 0;
  for (const [index, event] of events.entries()) {
    const fast = await engine.assess(event);
    const slow = await reference.assess(event);
    if (JSON.stringify(comparable(fast)) !== JSON.stringify(comparable(slow))) {
      // Only on a difference: a readable diff naming the event.
      expect({ index, event: event.accountId, decision: comparable(fast) }).toEqual({ index, event: event.accountId, decision: comparable(slow) });
    }
    if (slow.wouldBe === 'step_up') stepUps++;
    if (slow.wouldBe === 'deny') denies++;
  }
  // Same history learned: the same number of accounts remembered.
  expect(engine.store.size).toBe(reference.store.size);
  return { stepUps, denies };
}

describe('replay engine = createGuard', () => {
  it('decides every simulated US login as the guard does, with the carrier and with outcomes replayed', async () => {
    const events = await eventsOf('us', 200, 11);
    const seen = await expectSameDecisions(events, { preset: 'cloud-drive', geo: simulationGeo(), numberIntel: simReplayIntel() });
    // The run exercised more than allows.
    expect(events.length).toBeGreaterThan(2000);
    expect(seen.stepUps).toBeGreaterThan(10);
  }, 60_000);

  it('and the CN profile without carrier evidence, under the fintech preset with KYC checks', async () => {
    const events = await eventsOf('cn', 150, 12);
    const seen = await expectSameDecisions(events, { preset: 'fintech', geo: simulationGeo(), checks: ['password', 'face', 'id_match'] });
    expect(seen.stepUps + seen.denies).toBeGreaterThan(10);
  }, 60_000);

  it('and with the device signal stripped, moved thresholds and no geolocation', async () => {
    const events = await eventsOf('us', 120, 13);
    await expectSameDecisions(events, { preset: 'social', geo: false, numberIntel: simReplayIntel(), stripDevice: true, thresholds: { stepUp: 0.01 } });
  }, 60_000);

  it('rejects a bad event without learning from it', async () => {
    const engine = createReplayer({ preset: 'cloud-drive', geo: simulationGeo() });
    const [event] = await eventsOf('us', 1, 14);
    expect(() => engine.assess({ ...event!, phone: 'not a number' })).toThrow(/phone/);
    expect(() => engine.assess({ ...event!, at: 'yesterday' })).toThrow(/every line needs "at".*ISO-8601/);
    expect(engine.store.size).toBe(0);
    const decision = await engine.assess(event!);
    expect(decision.accountId).toBe(event!.accountId);
    expect(engine.store.size).toBe(decision.wouldBe === 'allow' ? 1 : 0);
  });
});
