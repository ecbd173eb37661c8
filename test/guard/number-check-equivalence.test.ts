/**
 * The number checks decide as one pipeline. `checkRecipient` and `sweep` judge a binding through the
 * same evidence gathering and the same core input as `assess` (guard/core-input.ts), so on the same
 * store, carrier answers and clock they must agree with each other on every verdict, and with the
 * number evidence `assess` reports for a login on that binding.
 */
import { describe, expect, it } from 'vitest';
import { createGuard, memoryStore, type BindingInput, type NumberIntelAnswer, type NumberIntelProvider } from 'recycled-number-guard';
import { NUMBER_CODES } from '../../src/reasons.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-01T12:00:00Z');
const BOUND = '2024-01-15T00:00:00Z';

/** What the carrier says per number: every kind of answer the core distinguishes. */
const ANSWERS: Record<string, (since: number) => NumberIntelAnswer> = {
  '+14155550101': () => ({ source: 'carrier', changedSince: true, reissuedAt: NOW - 40 * DAY }),
  '+14155550102': () => ({ source: 'carrier', changedSince: false }),
  '+14155550103': () => ({ source: 'carrier', unavailable: 'IDENTIFIER_NOT_FOUND' }),
  '+14155550104': (since) => ({ source: 'carrier', tenureSince: since - 30 * DAY, tenureCoversSince: true }),
  '+14155550105': () => ({ source: 'carrier', tenureSince: NOW - 20 * DAY, tenureCoversSince: false }),
  '+14155550106': () => ({ source: 'carrier', lastSimChange: NOW - 3 * DAY }),
  '+14155550107': () => ({ source: 'carrier', lastSimChange: null }),
};
const carrier: NumberIntelProvider = {
  name: 'carrier',
  async check(request) {
    const answer = ANSWERS[request.phone];
    return answer ? answer(request.since.getTime()) : { source: 'carrier', unavailable: 'not covered' };
  },
};

/** Bindings with the histories that change a number verdict: none, recent logins, long silence, ingested events. */
function bindings(): (BindingInput & { history: 'none' | 'recent' | 'dormant' })[] {
  const phones = [...Object.keys(ANSWERS), '+14155550108', '+14155550109'];
  return phones.flatMap((phone, index) =>
    (['none', 'recent', 'dormant'] as const).map((history) => ({ accountId: `acct-${index}-${history}`, phone, phoneBoundAt: BOUND, history })),
  );
}

async function seededGuard() {
  let now = NOW - 400 * DAY;
  const store = memoryStore({ now: () => now });
  const guard = createGuard({
    geo: false,
    hashKey: 'number-check-equivalence-key-0123',
    store,
    clock: () => now,
    numberIntel: carrier,
    checks: ['password', 'id_match'],
    // Unavailable answers are part of the table; they must not open the circuit between the two checks.
    intelBreaker: { failureThreshold: 1_000, cooldownMs: 1_000 },
  });
  // Histories are written by real logins at earlier times, then the clock moves to NOW.
  for (const binding of bindings()) {
    if (binding.history === 'none') continue;
    now = binding.history === 'recent' ? NOW - 5 * DAY : NOW - 200 * DAY;
    await guard.assess({
      accountId: binding.accountId,
      phone: binding.phone,
      phoneBoundAt: BOUND,
      ip: '198.51.100.7',
      deviceId: `dev-${binding.accountId}`,
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)',
    });
  }
  now = NOW - 1 * DAY;
  await guard.ingestNumberEvents([
    { phone: '+14155550108', type: 'reissued', date: new Date(NOW - 30 * DAY).toISOString(), source: 'carrier-file' },
    { phone: '+14155550109', type: 'disconnected', date: '2023-06-01T00:00:00Z', source: 'carrier-file' },
  ]);
  now = NOW;
  return guard;
}

describe('number checks: one pipeline', () => {
  it('checkRecipient and sweep give the same verdict, reasons and carrier evidence for every binding', async () => {
    const guard = await seededGuard();
    const list = bindings();
    const swept = new Map<string, { numberChangedHands: string; reasons: unknown; sources: string[] }>();
    for await (const finding of guard.sweep(list, { include: ['yes', 'likely', 'unknown', 'no'], concurrency: 1 })) {
      swept.set(finding.accountId, {
        numberChangedHands: finding.numberChangedHands,
        reasons: finding.reasons,
        sources: finding.evidence.map((answer) => answer.source),
      });
    }
    expect(swept.size).toBe(list.length);
    const verdicts = new Set<string>();
    for (const binding of list) {
      const recipient = await guard.checkRecipient({
        accountId: binding.accountId,
        phone: binding.phone,
        phoneBoundAt: binding.phoneBoundAt,
        purpose: 'account_notice',
      });
      const sweep = swept.get(binding.accountId)!;
      expect(recipient.numberChangedHands, binding.accountId).toBe(sweep.numberChangedHands);
      expect(recipient.reasons, binding.accountId).toEqual(sweep.reasons);
      expect(recipient.evidence.intelSources, binding.accountId).toEqual(sweep.sources);
      verdicts.add(sweep.numberChangedHands);
    }
    // The table exercises every verdict, so agreement is not agreement on one answer.
    expect([...verdicts].sort()).toEqual(['likely', 'no', 'unknown', 'yes']);
  });

  it('a login on the binding reports the same number evidence the number check found', async () => {
    const guard = await seededGuard();
    for (const binding of bindings()) {
      const recipient = await guard.checkRecipient({
        accountId: binding.accountId,
        phone: binding.phone,
        phoneBoundAt: binding.phoneBoundAt,
        purpose: 'account_notice',
      });
      const decision = await guard.assess({
        accountId: binding.accountId,
        phone: binding.phone,
        phoneBoundAt: BOUND,
        ip: '198.51.100.7',
        deviceId: `dev-${binding.accountId}`,
      });
      const numberCodes = (reasons: { code: string }[]) =>
        reasons
          .map((reason) => reason.code)
          .filter((code) => NUMBER_CODES.has(code as never))
          .sort();
      expect(numberCodes(decision.reasons), binding.accountId).toEqual(numberCodes(recipient.reasons));
      if (recipient.numberChangedHands === 'yes') expect(decision.numberChangedHands, binding.accountId).toBe('yes');
    }
  });
});
