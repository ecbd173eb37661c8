import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGuard, type Decision, type ErrorStage, type GuardOptions } from 'recycled-number-guard';
import { DORMANT, httpProvider, startFaultServer, timed, watchProcess, type Fault, type FaultServer } from './helpers.js';

/**
 * Carrier providers that fail in every way a network can, reached over real sockets on 127.0.0.1,
 * through createGuard (the adapters' own retry and breaker tests live in test/providers).
 *
 * Timing: an assess must return within `budgetMs`. The assertion allows SLACK_MS on top for the
 * event loop of a shared CI machine (timers fire late under load); anything near a provider's own
 * timeout (seconds) or a hang would blow far past it.
 */
const BUDGET_MS = 200;
const SLACK_MS = 1_000;
// Guards that share history must share the key: hashes under another key are another number and device.
const HASH_KEY = 'provider-fault-test-key-0123456789';

let server: FaultServer;
const watch = watchProcess();
beforeAll(async () => {
  watch.start();
  server = await startFaultServer();
});
afterAll(async () => {
  await server.close();
  watch.stop();
  expect(watch.seen).toEqual([]);
});

function guardWith(faults: Fault[], options: Partial<GuardOptions> = {}) {
  const errors: { stage: ErrorStage; message: string }[] = [];
  const guard = createGuard({
    geo: false,
    preset: 'fintech',
    checks: ['password', 'face'],
    budgetMs: BUDGET_MS,
    hashKey: HASH_KEY,
    numberIntel: faults.map((fault) => httpProvider(fault, `${server.base}/${fault}`)),
    onError: (error, stage) => errors.push({ stage, message: error instanceof Error ? error.message : String(error) }),
    ...options,
  });
  return { guard, errors };
}

/** Same store and policy as an existing guard, so history carries over to a guard with other providers. */
function guardOptions(guard: ReturnType<typeof createGuard>): GuardOptions {
  return { store: guard.store, geo: false, preset: 'fintech', checks: ['password', 'face'], budgetMs: BUDGET_MS, hashKey: HASH_KEY };
}

function unavailableSources(decision: Decision): string[] {
  return decision.reasons.filter((reason) => reason.code === 'number_intel_unavailable').map((reason) => String(reason.details?.source));
}

async function socketsClosed() {
  // The aborted request must close its socket; give the FIN a moment to arrive.
  for (let i = 0; i < 50 && (await server.connections()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return server.connections();
}

afterEach(async () => {
  expect(await socketsClosed()).toBe(0);
});

describe('a failing carrier provider: the decision comes within the budget, names the gap, and fintech does not allow', () => {
  it.each<Fault>(['hang', 'reset', 'http500', 'http503', 'http429', 'malformed', 'wrongShape', 'slowBody', 'html', 'empty'])('%s', async (fault) => {
    const { guard, errors } = guardWith([fault]);
    const { value: decision, ms } = await timed(guard.assess({ ...DORMANT, accountId: `acct-${fault}` }));
    expect(ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(decision.evidence.numberIntel).toBe('unavailable');
    expect(unavailableSources(decision)).toEqual([fault]);
    // Dormant account, carrier evidence missing: never allowed.
    expect(decision.action).not.toBe('allow');
    expect(errors.some((error) => error.stage === 'number_intel' && error.message.startsWith(`${fault}:`))).toBe(true);
  });

  it('every provider of a chain fails differently: each is named, in order, and the whole still fits the budget', async () => {
    const { guard } = guardWith(['reset', 'http500', 'malformed', 'hang', 'http429']);
    const { value: decision, ms } = await timed(guard.assess({ ...DORMANT, accountId: 'acct-chain' }));
    expect(ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(unavailableSources(decision)).toEqual(['reset', 'http500', 'malformed', 'hang', 'http429']);
    expect(decision.evidence.intelSources).toEqual(['reset', 'http500', 'malformed', 'hang', 'http429']);
    expect(decision.action).not.toBe('allow');
  });

  it('a failing provider before a healthy one: the healthy answer is used and the failure still shown', async () => {
    const { guard } = guardWith(['http500', 'unchanged']);
    const decision = await guard.assess({ ...DORMANT, accountId: 'acct-fallback' });
    expect(decision.evidence.numberIntel).toBe('ok');
    expect(unavailableSources(decision)).toEqual(['http500']);
    expect(decision.reasons.map((reason) => reason.code)).toContain('number_not_reissued');
  });

  it('a 429 storm, 6 waves of 20 concurrent logins: every one answers within the budget, none is allowed, and the provider is named', async () => {
    const { guard } = guardWith(['http429']);
    const before = server.requests;
    for (let wave = 0; wave < 6; wave++) {
      const runs = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          timed(guard.assess({ ...DORMANT, accountId: `storm-${wave}-${i}`, phone: `+86138${String(wave)}01${String(3800 + i).padStart(4, '0')}` })),
        ),
      );
      for (const { value, ms } of runs) {
        expect(ms).toBeLessThan(BUDGET_MS + SLACK_MS);
        expect(value.action).not.toBe('allow');
        expect(unavailableSources(value)).toEqual(['http429']);
      }
    }
    // After the first wave the circuit is open: later waves are answered "unavailable" without a request.
    expect(server.requests - before).toBeLessThanOrEqual(20);
  });

  it.each<Fault>(['hang', 'reset', 'http500', 'malformed'])(
    "fail mode: a returning owner on a vouched device is allowed on the carrier's word, stepped up (and told why) when the carrier %s",
    async (fault) => {
      let now = Date.parse('2026-01-10T09:00:00Z');
      // Enrolment: no carrier configured, so the first login is stepped up and the owner passes face.
      const healthy = guardWith([], { clock: () => now });
      const owner = { ...DORMANT, accountId: `acct-owner-${fault}`, deviceId: 'owner-device', phoneBoundAt: '2025-06-01T00:00:00Z' };
      const first = await healthy.guard.assess({ ...owner, at: now });
      expect(first.action).toBe('step_up');
      const outcome = await healthy.guard.recordOutcome(first.id, { check: 'face', passed: true });
      expect(outcome.satisfied).toBe(true);
      // Four months later (beyond China's 90-day aging): a reissue was possible in between.
      now += 120 * 86_400_000;
      // First with the carrier failing (a step-up teaches nothing), then with it answering.
      const degraded = createGuard({ ...guardOptions(healthy.guard), numberIntel: httpProvider(fault, `${server.base}/${fault}`), clock: () => now });
      const decision = await degraded.assess({ ...owner, at: now });
      expect(decision.action).toBe('step_up');
      expect(decision.reasons.find((reason) => reason.code === 'fail_mode_applied')?.message).toMatch(/carrier evidence is unavailable/);
      expect(unavailableSources(decision)).toEqual([fault]);
      const back = createGuard({ ...guardOptions(healthy.guard), numberIntel: httpProvider('unchanged', `${server.base}/unchanged`), clock: () => now });
      expect((await back.assess({ ...owner, at: now })).action).toBe('allow');
    },
  );

  it('dry-run never blocks, but its would-be action and its reasons carry the same fail mode', async () => {
    const { guard } = guardWith(['hang'], { mode: 'dry_run' });
    const decision = await guard.assess({ ...DORMANT, accountId: 'acct-dry' });
    expect(decision.action).toBe('allow');
    expect(decision.wouldBe).not.toBe('allow');
    expect(unavailableSources(decision)).toEqual(['hang']);
  });

  it('a provider that ignores the abort signal and never settles cannot hold the decision', async () => {
    const deaf = { name: 'deaf', check: () => new Promise<never>(() => {}) };
    const guard = createGuard({ geo: false, preset: 'fintech', budgetMs: BUDGET_MS, numberIntel: deaf });
    const { value: decision, ms } = await timed(guard.assess({ ...DORMANT, accountId: 'acct-deaf' }));
    expect(ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(unavailableSources(decision)).toEqual(['deaf']);
    expect(decision.action).not.toBe('allow');
  });

  it('a provider that throws synchronously, returns a non-object or rejects with a non-Error is unavailable, not a crash', async () => {
    const weird = [
      {
        name: 'sync-throw',
        check: () => {
          throw new TypeError('boom');
        },
      },
      { name: 'returns-string', check: async () => 'yes' as never },
      { name: 'rejects-null', check: () => Promise.reject(null) },
      { name: 'returns-proto', check: async () => JSON.parse('{"__proto__":{"changedSince":false},"source":"returns-proto"}') },
    ];
    const guard = createGuard({ geo: false, preset: 'fintech', budgetMs: BUDGET_MS, numberIntel: weird });
    const decision = await guard.assess({ ...DORMANT, accountId: 'acct-weird' });
    expect(decision.action).not.toBe('allow');
    expect(decision.evidence.intelSources).toEqual(weird.map((provider) => provider.name));
    expect(({} as Record<string, unknown>).changedSince).toBeUndefined();
  });
});
