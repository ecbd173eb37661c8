/** guard.checkRecipient and guard.sweep over real local carrier servers. */
import { afterEach, describe, expect, it } from 'vitest';
import { createGuard, InvalidInputError, memoryStore, type GuardOptions, type NumberIntelProvider, type Store } from 'recycled-number-guard';
import { camaraNumberRecycling, createCamaraClient, hostToken } from 'recycled-number-guard/camara';
import { echo, json, localServer, sleep, type LocalServer } from './helpers.js';

const NOW = Date.parse('2026-01-10T09:30:00Z');
const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A Number Recycling server: numbers in `recycled` changed subscriber; `broken` numbers get a 500. */
async function carrier(recycled: Set<string>, options: { delayMs?: number; broken?: Set<string> } = {}) {
  let active = 0;
  let peak = 0;
  const times: number[] = [];
  const server = await localServer(async (request, response) => {
    active += 1;
    peak = Math.max(peak, active);
    times.push(performance.now());
    try {
      if (options.delayMs) await sleep(options.delayMs);
      const phone = (JSON.parse(request.body) as { phoneNumber: string }).phoneNumber;
      if (options.broken?.has(phone)) return json(response, 500, { status: 500, code: 'INTERNAL', message: 'x' }, echo(request));
      json(response, 200, { phoneNumberRecycled: recycled.has(phone) }, echo(request));
    } finally {
      active -= 1;
    }
  });
  servers.push(server);
  const provider = camaraNumberRecycling(createCamaraClient({ apiRoot: server.url, auth: hostToken({ legs: 2, token: () => 't' }), maxRetries: 0 }));
  return { server, provider, peak: () => peak, times };
}

function guardWith(provider: NumberIntelProvider | undefined, options: Partial<GuardOptions> = {}) {
  return createGuard({
    geo: false,
    hashKey: 'recipient-tests-key-0123456789',
    store: memoryStore({ now: () => NOW }),
    clock: () => NOW,
    // These tests are about verdicts, not the budget: a loaded CI machine must not turn a slow
    // loopback answer into "carrier unavailable". Tests of the budget pass their own.
    budgetMs: 30_000,
    ...(provider ? { numberIntel: provider } : {}),
    ...options,
  });
}

const OLD_BINDING = { accountId: 'acct-1', phone: '+14155552671', phoneBoundAt: '2022-05-01T00:00:00Z' };

describe('checkRecipient', () => {
  it('carrier says the number changed hands: no purpose sends, and the advice protects both people', async () => {
    const { provider } = await carrier(new Set(['+14155552671']));
    const guard = guardWith(provider);
    for (const purpose of ['login_link', 'debt_collection', 'account_notice', 'security_alert', 'marketing'] as const) {
      const result = await guard.checkRecipient({ ...OLD_BINDING, purpose });
      expect(result).toMatchObject({ send: false, numberChangedHands: 'yes', advice: { newHolder: 'offer_new_account', previousHolder: 'protect_account' } });
      expect(result.why).toMatch(/carrier says the number changed subscriber/);
      expect(result.reasons[0]!.code).toBe('number_reissued_after_binding');
    }
  });

  it('carrier says same subscriber: every purpose sends', async () => {
    const { provider } = await carrier(new Set());
    const guard = guardWith(provider);
    for (const purpose of ['login_link', 'debt_collection', 'account_notice'] as const) {
      expect(await guard.checkRecipient({ ...OLD_BINDING, purpose })).toMatchObject({ send: true, numberChangedHands: 'no' });
    }
  });

  it('evidence missing on a dormant binding: strict purposes hold back, standard ones send', async () => {
    const { provider } = await carrier(new Set(), { broken: new Set(['+14155552671']) });
    const guard = guardWith(provider);
    const verdicts = Object.fromEntries(
      await Promise.all(
        (['login_link', 'debt_collection', 'account_notice', 'marketing'] as const).map(
          async (purpose) => [purpose, (await guard.checkRecipient({ ...OLD_BINDING, purpose })).send] as const,
        ),
      ),
    );
    expect(verdicts).toEqual({ login_link: false, debt_collection: false, account_notice: true, marketing: true });
    const strict = await guard.checkRecipient({ ...OLD_BINDING, purpose: 'account_notice', strictness: 'strict' });
    expect(strict).toMatchObject({ send: false, numberChangedHands: 'unknown', strictness: 'strict' });
    expect(strict.reasons.map((reason) => reason.code)).toEqual(expect.arrayContaining(['number_intel_unavailable', 'dormant_beyond_aging']));
  });

  it('a binding within the aging period cannot have been reissued: login links go out without a carrier', async () => {
    const guard = guardWith(undefined);
    const result = await guard.checkRecipient({
      accountId: 'acct-2',
      phone: '+14155552671',
      phoneBoundAt: new Date(NOW - 10 * 86_400_000),
      purpose: 'login_link',
    });
    expect(result).toMatchObject({ send: true, numberChangedHands: 'no' });
    expect(result.reasons.map((reason) => reason.code)).toContain('recent_owner_proof');
  });

  it('a provider error that echoes the number or an address is scrubbed before reasons and onError see it', async () => {
    const errors: unknown[] = [];
    const leaky: NumberIntelProvider = {
      name: 'leaky',
      check: async () => {
        throw new Error('upstream rejected +14155552671 from 198.51.100.23 (tel 415-555-2671)');
      },
    };
    const guard = guardWith(leaky, { onError: (error) => errors.push(error) });
    const result = await guard.checkRecipient({ ...OLD_BINDING, purpose: 'login_link' });
    expect(result.send).toBe(false);
    const text = JSON.stringify(result) + errors.map((error) => (error instanceof Error ? error.message : String(error))).join('\n');
    expect(text).toContain('upstream rejected');
    expect(errors.length).toBeGreaterThan(0);
    for (const secret of ['4155552671', '415-555-2671', '198.51.100.23']) expect(text).not.toContain(secret);
  });

  it('its answer is cached for the next login', async () => {
    const { provider, server } = await carrier(new Set(['+14155552671']));
    const guard = guardWith(provider);
    await guard.checkRecipient({ ...OLD_BINDING, purpose: 'debt_collection' });
    const decision = await guard.assess({ ...OLD_BINDING, ip: '192.0.2.1' });
    expect(decision.evidence.numberIntel).toBe('cached');
    expect(decision.numberChangedHands).toBe('yes');
    expect(server.requests).toHaveLength(1);
  });

  it('bad input throws InvalidInputError naming the fields; an internal failure never sends', async () => {
    const guard = guardWith(undefined);
    const error = await guard
      .checkRecipient({ accountId: '', phone: '12', phoneBoundAt: 'yesterday', purpose: 'sms_blast' as never })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).fields).toEqual(expect.arrayContaining(['purpose']));
    const badBinding = await guard
      .checkRecipient({ accountId: 'a', phone: '12', phoneBoundAt: 'yesterday', purpose: 'login_link' })
      .catch((caught: unknown) => caught);
    expect((badBinding as InvalidInputError).fields).toEqual(expect.arrayContaining(['phone', 'phoneBoundAt']));

    const inner = memoryStore({ now: () => NOW });
    // A store adapter bug: the snapshot blows up when read.
    const corrupt: Store = {
      ...inner,
      name: 'corrupt',
      capabilities: inner.capabilities,
      read: async () => ({
        profile: null,
        intel: null,
        get numberEvents(): never {
          throw new Error('corrupt record');
        },
      }),
    };
    const broken = guardWith(undefined, { store: corrupt });
    const result = await broken.checkRecipient({ ...OLD_BINDING, purpose: 'marketing' });
    expect(result).toMatchObject({ send: false, numberChangedHands: 'unknown' });
    expect(result.reasons[0]!.code).toBe('fail_mode_applied');
    expect(result.why).toContain('corrupt record');
  });
});

function bindings(count: number, prefix = '+1415555') {
  return Array.from({ length: count }, (_, i) => ({ accountId: `acct-${i}`, phone: `${prefix}${String(2600 + i)}`, phoneBoundAt: '2022-01-01T00:00:00Z' }));
}

describe('sweep', () => {
  it('yields the bindings whose number changed hands, with the evidence, at bounded concurrency', async () => {
    const all = bindings(12);
    const recycled = new Set([all[1]!.phone, all[4]!.phone, all[10]!.phone]);
    const { provider, peak, server } = await carrier(recycled, { delayMs: 40 });
    const guard = guardWith(provider);
    async function* source() {
      for (const binding of all) yield binding;
    }
    const run = guard.sweep(source(), { concurrency: 3 });
    const found = [];
    for await (const finding of run) found.push(finding);
    expect(found.map((finding) => finding.accountId).sort()).toEqual(['acct-1', 'acct-10', 'acct-4']);
    expect(found[0]).toMatchObject({
      numberChangedHands: 'yes',
      since: '2022-01-01T00:00:00.000Z',
      evidence: [{ source: 'camara-number-recycling', changedSince: true }],
    });
    expect(found[0]!.reasons[0]!.code).toBe('number_reissued_after_binding');
    expect(peak()).toBeLessThanOrEqual(3);
    expect(peak()).toBeGreaterThan(1);
    expect(server.requests).toHaveLength(12);
    expect(run.stats).toEqual({ read: 12, checked: 12, found: 3, unknown: 0, skipped: 0 });
  });

  it('keeps each provider under its rate limit', async () => {
    const { provider, times } = await carrier(new Set());
    const guard = guardWith(provider);
    const t0 = performance.now();
    const run = guard.sweep(bindings(10), { concurrency: 10, ratePerSecond: { 'camara-number-recycling': 5 } });
    for await (const _ of run) throw new Error('nothing changed hands');
    const elapsed = performance.now() - t0;
    expect(times).toHaveLength(10);
    // Burst of 5, then one every 200 ms: the tenth call cannot start before ~1 s.
    expect(elapsed).toBeGreaterThanOrEqual(950);
    const relative = times.map((at) => at - times[0]!).sort((a, b) => a - b);
    for (let k = 5; k < 10; k++) expect(relative[k]!).toBeGreaterThanOrEqual((k - 4) * 200 - 60);
    expect(run.stats).toMatchObject({ checked: 10, found: 0 });
  });

  it('invalid bindings are skipped and reported; unknown verdicts are counted; include widens the output', async () => {
    const { provider } = await carrier(new Set(), { broken: new Set(['+14155552600']) });
    const guard = guardWith(provider);
    const skipped: { index: number; accountId?: string; error: Error }[] = [];
    const input = [...bindings(2), { accountId: 'bad', phone: 'call me', phoneBoundAt: '2022-01-01' }];
    const run = guard.sweep(input, { include: ['unknown'], onSkip: (entry) => skipped.push(entry) });
    const found = [];
    for await (const finding of run) found.push(finding);
    expect(found.map((finding) => finding.accountId)).toEqual(['acct-0']);
    expect(found[0]!.evidence[0]!.unavailable).toMatch(/^HTTP_500/);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ index: 2, accountId: 'bad' });
    expect(skipped[0]!.error).toBeInstanceOf(InvalidInputError);
    expect(run.stats).toEqual({ read: 3, checked: 2, found: 1, unknown: 1, skipped: 1 });
  });

  it('stopping early stops reading the input', async () => {
    const all = bindings(50);
    const { provider } = await carrier(new Set(all.map((binding) => binding.phone)));
    const guard = guardWith(provider);
    let pulled = 0;
    let closed = false;
    async function* source() {
      try {
        for (const binding of all) {
          pulled += 1;
          yield binding;
        }
      } finally {
        closed = true;
      }
    }
    for await (const _ of guard.sweep(source(), { concurrency: 2 })) break;
    expect(pulled).toBeLessThanOrEqual(3);
    expect(closed).toBe(true);
  });

  it('bad options are InvalidInputError naming the option', () => {
    const guard = guardWith(undefined);
    expect(() => guard.sweep([], { concurrency: 0 })).toThrow(InvalidInputError);
    expect(() => guard.sweep([], { ratePerSecond: -1 })).toThrow(/options\.ratePerSecond/);
  });
});
