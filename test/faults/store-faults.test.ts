import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard, OutcomeRejectedError, type ErrorStage, type PresetName } from 'recycled-number-guard';
import { callbackAuditSink, type AuditRecord } from 'recycled-number-guard/audit';
import { DORMANT, faultyStore, timed, watchProcess, type StoreFault } from './helpers.js';

/**
 * Stores that are down, slow, hung or return garbage, simulated by wrapping the memory store (the
 * Redis and PostgreSQL adapters have their own network fault tests in test/stores). Same budget
 * rule and slack as the provider fault tests.
 */
const BUDGET_MS = 200;
// Generous: CI runs test files in parallel on two cores, and a loaded event loop delays timers, not the budget logic.
const SLACK_MS = 1_000;
const AT = Date.parse('2026-01-10T09:00:00Z');
// Recently seen by the host: without the store's history the guard has only this hint.
const RECENT = { ...DORMANT, phoneBoundAt: '2025-06-01T00:00:00Z', lastSeenAt: '2026-01-09T00:00:00Z', at: AT };

const watch = watchProcess();
beforeAll(() => watch.start());
afterAll(() => {
  watch.stop();
  expect(watch.seen).toEqual([]);
});

function guardOn(fault: StoreFault, preset: PresetName) {
  const errors: { stage: ErrorStage; message: string }[] = [];
  const audit: AuditRecord[] = [];
  const guard = createGuard({
    store: faultyStore(fault),
    preset,
    geo: false,
    checks: ['password', 'face'],
    budgetMs: BUDGET_MS,
    hashKey: 'store-fault-test-key-0123456789',
    clock: () => AT,
    audit: callbackAuditSink((record) => void audit.push(record)),
    onError: (error, stage) => errors.push({ stage, message: error instanceof Error ? error.message : String(error) }),
  });
  return { guard, errors, audit };
}

describe('a store that cannot be read: within the budget, history named unavailable, fintech never allows', () => {
  it.each<[StoreFault, PresetName]>([
    ['readThrows', 'fintech'],
    ['readHangs', 'fintech'],
    ['readSlow', 'fintech'],
    ['readThrows', 'cloud-drive'],
    ['readHangs', 'social'],
  ])('%s (%s)', async (fault, preset) => {
    const { guard, errors, audit } = guardOn(fault, preset);
    const { value: decision, ms } = await timed(guard.assess(RECENT));
    expect(ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(decision.evidence.history).toBe('unavailable');
    expect(decision.reasons.map((reason) => reason.code)).toContain('history_unavailable');
    expect(errors.map((error) => error.stage)).toContain('store_read');
    if (preset === 'fintech') {
      expect(decision.action).not.toBe('allow');
      expect(decision.reasons.find((reason) => reason.code === 'fail_mode_applied')?.message).toMatch(/history/);
    }
    // The decision is audited like any other, with the degraded signal in its reasons.
    expect(audit.map((record) => record.decisionId)).toEqual([decision.id]);
    expect(audit[0]!.reasons!.map((reason) => reason.code)).toContain('history_unavailable');
  });
});

describe('a store that cannot be written: the decision stands, says it was not saved, and a step-up cannot be completed', () => {
  it.each<StoreFault>(['writeThrows', 'writeHangs'])('%s', async (fault) => {
    const { guard, errors } = guardOn(fault, 'fintech');
    const { value: decision, ms } = await timed(guard.assess({ ...DORMANT, at: AT }));
    expect(ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(decision.action).toBe('step_up');
    expect(decision.persisted).toBe(false);
    expect(errors.map((error) => error.stage)).toContain('store_write');
    // The pending step-up was never saved: completing it is refused, so it can never turn into an allow.
    await expect(guard.recordOutcome(decision.id, { check: 'face', passed: true })).rejects.toMatchObject({ reason: 'UNKNOWN_DECISION' });
  });
});

describe('a store that returns garbage fails closed', () => {
  it.each<PresetName>(['fintech', 'cloud-drive'])(
    '%s: an unreadable profile is an internal error, answered with a strong step-up (or deny), audited',
    async (preset) => {
      const { guard, errors, audit } = guardOn('garbage', preset);
      const decision = await guard.assess(RECENT);
      expect(['step_up', 'deny']).toContain(decision.action);
      expect(decision.reasons.map((reason) => reason.code)).toEqual(['fail_mode_applied']);
      // Only checks strong enough for the highest risk are offered.
      for (const check of decision.stepUp?.anyOf.flat() ?? [])
        expect(guard.policy.checkStrength[check]).toBeGreaterThanOrEqual(guard.policy.requiredStrength.high);
      expect(errors.map((error) => error.stage)).toContain('internal');
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ kind: 'decision', decisionId: decision.id, action: decision.action });
      expect(audit[0]!.phoneHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    },
  );
});

describe('recordOutcome against a store that is down or hung', () => {
  it.each<StoreFault>(['pendingThrows', 'pendingHangs'])(
    '%s: rejected with STORE_UNAVAILABLE within the budget (treat as failed), and audited',
    async (fault) => {
      const { guard, audit } = guardOn(fault, 'fintech');
      const decision = await guard.assess({ ...DORMANT, at: AT });
      expect(decision.action).toBe('step_up');
      const started = performance.now();
      const error = await guard.recordOutcome(decision.id, { check: 'face', passed: true }).catch((caught: unknown) => caught);
      expect(performance.now() - started).toBeLessThan(BUDGET_MS + SLACK_MS);
      expect(error).toBeInstanceOf(OutcomeRejectedError);
      expect(error).toMatchObject({ reason: 'STORE_UNAVAILABLE', decisionId: decision.id });
      expect(audit.at(-1)).toMatchObject({
        kind: 'outcome',
        decisionId: decision.id,
        action: 'deny',
        outcome: { rejected: 'STORE_UNAVAILABLE', satisfied: false },
      });
    },
  );
});

describe('hundreds of concurrent assessments against a hung store', () => {
  it('all answer within the budget; none is allowed in fintech', async () => {
    const { guard } = guardOn('readHangs', 'fintech');
    const runs = await Promise.all(Array.from({ length: 300 }, (_, i) => timed(guard.assess({ ...RECENT, accountId: `acct-${i}` }))));
    for (const { value, ms } of runs) {
      expect(ms).toBeLessThan(BUDGET_MS + SLACK_MS);
      expect(value.action).not.toBe('allow');
      expect(value.evidence.history).toBe('unavailable');
    }
  });
});
