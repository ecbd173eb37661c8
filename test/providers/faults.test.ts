/**
 * Carrier faults through createGuard: a provider that hangs, resets the connection, answers 500,
 * 429 with Retry-After, garbage or the wrong schema. assess always answers within its budget with an
 * unavailable reason naming the cause; the fail mode applies; breakers, single-flight and the cache
 * keep a bad provider from costing every login its whole budget.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createGuard, memoryStore, type AttemptInput, type Decision, type GuardOptions, type NumberIntelProvider } from 'recycled-number-guard';
import { camaraNumberRecycling, createCamaraClient, hostToken } from 'recycled-number-guard/camara';
import { twilioReassignedNumber } from 'recycled-number-guard/twilio';
import { echo, json, localServer, sleep, type LocalServer, type Recorded } from './helpers.js';
import { PROVIDERS, type ProviderCase } from './provider-list.js';
import type { ServerResponse } from 'node:http';

const DAY = 86_400_000;
const BUDGET_MS = 300;
/** Budget plus generous slack for a loaded 2-core machine: far below the hang it proves was cut off. */
const WITHIN_MS = 4_000;
/**
 * The budget for faults the provider reports itself (a reset, a 500, garbage): long enough that a
 * loaded machine still sees the fault before the budget runs out, so the cause named is the fault's.
 */
const FAULT_BUDGET_MS = 5_000;
/** Breaker cool-down in the breaker tests: long beside the gap between two calls, even under load. */
const COOLDOWN_MS = 1_500;

const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function carrier(handler: (request: Recorded, response: ServerResponse) => void | Promise<void>) {
  const server = await localServer(handler);
  servers.push(server);
  return server;
}

function recyclingAt(server: LocalServer, name = 'camara-number-recycling'): NumberIntelProvider {
  return camaraNumberRecycling(createCamaraClient({ apiRoot: server.url, auth: hostToken({ legs: 2, token: () => 't' }) }), { name });
}

/** A US number bound in 2023, used with an SMS code in 2026: dormant far beyond the 45-day aging. */
const ATTEMPT: AttemptInput = {
  accountId: 'acct-1',
  phone: '+14155552671',
  phoneBoundAt: '2023-01-15T08:00:00Z',
  ip: '192.0.2.10',
  at: '2026-01-10T09:30:00Z',
};

function guardWith(numberIntel: NumberIntelProvider | NumberIntelProvider[], options: Partial<GuardOptions> = {}) {
  let now = Date.parse('2026-01-10T09:30:00Z');
  const errors: { error: unknown; stage: string }[] = [];
  const guard = createGuard({
    numberIntel,
    geo: false,
    budgetMs: BUDGET_MS,
    hashKey: 'fault-tests-key-0123456789',
    store: memoryStore({ now: () => now }),
    clock: () => now,
    onError: (error, stage) => errors.push({ error, stage }),
    ...options,
  });
  return {
    guard,
    errors,
    advance: (ms: number) => {
      now += ms;
    },
    assess: async (input: Partial<AttemptInput> = {}) => {
      const t0 = performance.now();
      const decision = await guard.assess({ ...ATTEMPT, at: now, ...input });
      return { decision, elapsed: performance.now() - t0 };
    },
  };
}

const unavailable = (decision: Decision) => decision.reasons.filter((reason) => reason.code === 'number_intel_unavailable').map((reason) => reason.message);

/** How a provider can fail on the wire, and the cause every adapter must name. */
const FAULTS: [string, (provider: ProviderCase) => (request: Recorded, response: ServerResponse) => void, RegExp][] = [
  // On a loaded machine the budget can run out while the adapter is still preparing the call: that is
  // the same fault (no answer within the budget), reported before the request left.
  [
    'hangs',
    () => () => {},
    /timeout: (no answer within \d+ ms|the time budget ran out|the time budget was spent before this provider was asked)|did not answer within the time budget/,
  ],
  ['resets the connection', () => (_request, response) => void response.socket?.destroy(), /network: connection reset/],
  ['answers 500', (provider) => (request, response) => json(response, 500, provider.errorBody(500), echo(request)), /HTTP_500: /],
  [
    'answers 429 with a Retry-After beyond the budget',
    (provider) => (request, response) => json(response, 429, provider.errorBody(429, undefined, 'slow down'), { 'retry-after': '30', ...echo(request) }),
    /rate_limited: .*Retry-After 30 s does not fit/,
  ],
  [
    'answers garbage',
    () => (request, response) => void response.writeHead(200, { 'content-type': 'application/json', ...echo(request) }).end('{{{ not json'),
    /malformed: the response body is not JSON/,
  ],
  [
    'answers the wrong schema',
    (provider) => (request, response) => json(response, 200, provider.wrongShape, echo(request)),
    /malformed: unexpected response schema \(/,
  ],
  [
    'cuts the body short',
    () => (request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096', ...echo(request) });
      response.write('{"phoneNumberRecycled": tr', () => setTimeout(() => response.socket?.destroy(), 5));
    },
    /network: the response body was cut short after 26 of 4096 bytes/,
  ],
];

describe('assess answers within its budget whatever the provider does', () => {
  // Every adapter, every fault: fintech, so that "no login on missing evidence" is checked too.
  describe.each(PROVIDERS)('$name', (provider) => {
    it.each(FAULTS)('a provider that %s', async (what, handler, cause) => {
      const server = await carrier(handler(provider));
      const budgetMs = what === 'hangs' ? BUDGET_MS : FAULT_BUDGET_MS;
      const { assess } = guardWith(provider.make(server.url), { preset: 'fintech', budgetMs });
      const { decision, elapsed } = await assess();
      expect(elapsed).toBeLessThan(budgetMs + WITHIN_MS);
      expect(decision.evidence.numberIntel).toBe('unavailable');
      expect(decision.evidence.intelSources).toEqual([provider.name]);
      expect(decision.numberChangedHands).not.toBe('no');
      expect(decision.action).not.toBe('allow');
      const why = unavailable(decision);
      expect(why).toHaveLength(1);
      expect(why[0]).toMatch(cause);
      expect(why[0]).toContain('unknown, not clean');
      expect(server.requests.length).toBeGreaterThanOrEqual(1);
    });
  });

  it('a hung provider is aborted at the budget, and the next provider is told the budget is spent', async () => {
    const hung = await carrier(() => {});
    const other = await carrier((request, response) => json(response, 200, { phoneNumberRecycled: false }, echo(request)));
    const { assess } = guardWith([recyclingAt(hung, 'first'), recyclingAt(other, 'second')]);
    const { decision, elapsed } = await assess();
    expect(elapsed).toBeLessThan(WITHIN_MS);
    expect(decision.evidence.intelSources).toEqual(['first', 'second']);
    expect(unavailable(decision)[1]).toMatch(/second could not answer \(timeout: the time budget was spent before this provider was asked\)/);
    expect(other.requests).toHaveLength(0);
  });

  it('a 500 is retried once when the retry fits the budget, and then answers', async () => {
    let calls = 0;
    const server = await carrier((request, response) => {
      calls += 1;
      if (calls === 1) return json(response, 503, { status: 503, code: 'UNAVAILABLE', message: 'blip' }, echo(request));
      json(response, 200, { phoneNumberRecycled: true }, echo(request));
    });
    // A retry is tried only when it fits the time left; a budget a loaded machine cannot exhaust in one attempt.
    const { assess } = guardWith(recyclingAt(server), { budgetMs: FAULT_BUDGET_MS });
    const { decision, elapsed } = await assess();
    expect(elapsed).toBeLessThan(FAULT_BUDGET_MS + WITHIN_MS);
    expect(server.requests).toHaveLength(2);
    expect(decision.numberChangedHands).toBe('yes');
  });

  it('a 429 whose Retry-After fits the budget is honoured: one wait, one retry, an answer', async () => {
    let calls = 0;
    const server = await carrier((request, response) => {
      calls += 1;
      if (calls === 1) return json(response, 429, { status: 429, code: 'QUOTA_EXCEEDED', message: 'wait' }, { 'retry-after': '1', ...echo(request) });
      json(response, 200, { phoneNumberRecycled: false }, echo(request));
    });
    // The one-second wait must fit the budget even when the first answer is slow on a loaded machine.
    const { assess } = guardWith(recyclingAt(server), { budgetMs: FAULT_BUDGET_MS });
    const { decision, elapsed } = await assess();
    expect(server.requests).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(FAULT_BUDGET_MS + WITHIN_MS);
    expect(decision.numberChangedHands).toBe('no');
  });

  it('a provider that throws or returns a malformed answer object is unavailable, not a crash', async () => {
    const throwing: NumberIntelProvider = {
      name: 'host-provider',
      check: () => {
        throw new Error('host bug');
      },
    };
    const shapeless: NumberIntelProvider = { name: 'shapeless', check: async () => ({ source: 'shapeless', changedSince: 'yes' }) as never };
    const { assess } = guardWith([throwing, shapeless]);
    const { decision } = await assess();
    expect(unavailable(decision)).toEqual([
      expect.stringContaining('host-provider could not answer (error: host bug)'),
      expect.stringContaining('shapeless could not answer (malformed answer (changedSince: '),
    ]);
  });
});

describe('fail mode: fintech steps up a dormant account when carrier evidence is missing', () => {
  // With a face check already passed, the same dormant login is allowed when the carrier answers.
  const attempt = { verified: ['sms_otp', 'face'] as AttemptInput['verified'] };

  it('carrier says "same subscriber": allowed', async () => {
    const server = await carrier((request, response) => json(response, 200, { phoneNumberRecycled: false }, echo(request)));
    const { decision } = await guardWith(recyclingAt(server), { preset: 'fintech', checks: ['password', 'face'] }).assess(attempt);
    expect(decision.action).toBe('allow');
    expect(decision.numberChangedHands).toBe('no');
  });

  it('carrier answers 500: step-up to a strong check, with the fail mode and the cause in the reasons', async () => {
    const server = await carrier((request, response) => json(response, 500, { status: 500, code: 'INTERNAL', message: 'down' }, echo(request)));
    const guard = guardWith(recyclingAt(server), { preset: 'fintech', checks: ['password', 'face'] });
    // SMS and a password: blind to the carrier, the guard wants the strong check (face), not the password again.
    const { decision } = await guard.assess({ verified: ['sms_otp', 'password'] });
    expect(decision.action).toBe('step_up');
    expect(decision.stepUp?.anyOf).toEqual([['face']]);
    // A reissue was possible, and a password is not the strongest check this host runs: nothing
    // unforgeable shows the owner yet.
    expect(decision.numberChangedHands).toBe('likely');
    const codes = decision.reasons.map((reason) => reason.code);
    expect(codes).toEqual(expect.arrayContaining(['number_intel_unavailable', 'dormant_beyond_aging', 'fail_mode_applied']));
    expect(decision.reasons.find((reason) => reason.code === 'fail_mode_applied')!.message).toMatch(/dormant account while carrier evidence is unavailable/);
    // A face check already passed in the attempt is that strong check.
    const { decision: withFace } = await guard.assess(attempt);
    expect(withFace.action).toBe('allow');
    expect(withFace.reasons.map((reason) => reason.code)).toEqual(expect.arrayContaining(['fail_mode_applied', 'strong_factor_verified']));
  });
});

describe('circuit breaker', () => {
  it('opens after N consecutive failures (then answers at once), and a probe after the cool-down closes it', async () => {
    let healthy = false;
    const server = await carrier((request, response) =>
      healthy
        ? json(response, 200, { phoneNumberRecycled: false }, echo(request))
        : json(response, 500, { status: 500, code: 'INTERNAL', message: 'down' }, echo(request)),
    );
    const provider = camaraNumberRecycling(createCamaraClient({ apiRoot: server.url, auth: hostToken({ legs: 2, token: () => 't' }), maxRetries: 0 }));
    // The breaker runs on real (monotonic) time. Each failure must be recorded before its assess
    // returns (a budget no loaded machine exhausts), and the cool-down must outlast the few
    // milliseconds between two assess calls by far, so that a busy machine cannot reorder them.
    const ctx = guardWith(provider, {
      budgetMs: FAULT_BUDGET_MS,
      intelBreaker: { failureThreshold: 3, cooldownMs: COOLDOWN_MS },
      intelCacheTtl: { changedMs: 0, unchangedMs: 0, inconclusiveMs: 0 },
    });
    for (let i = 0; i < 3; i++) expect(unavailable((await ctx.assess()).decision)[0]).toMatch(/HTTP_500/);
    expect(server.requests).toHaveLength(3);
    expect(ctx.errors.some(({ error, stage }) => stage === 'number_intel' && String(error).includes('circuit open'))).toBe(true);

    const open = await ctx.assess();
    expect(open.elapsed).toBeLessThan(WITHIN_MS);
    expect(unavailable(open.decision)[0]).toMatch(/circuit_open: circuit open after 3 consecutive failures; next probe in/);
    expect(server.requests).toHaveLength(3);

    healthy = true;
    await sleep(COOLDOWN_MS + 100);
    const probe = await ctx.assess();
    expect(probe.decision.numberChangedHands).toBe('no');
    expect(server.requests).toHaveLength(4);
    expect(ctx.errors.some(({ error }) => String(error).includes('circuit closed'))).toBe(true);
    await ctx.assess();
    expect(server.requests).toHaveLength(5);
  });

  it('a failed probe opens the circuit for another cool-down', async () => {
    const server = await carrier((request, response) => json(response, 502, { status: 502, code: 'BAD_GATEWAY', message: 'x' }, echo(request)));
    const provider = camaraNumberRecycling(createCamaraClient({ apiRoot: server.url, auth: hostToken({ legs: 2, token: () => 't' }), maxRetries: 0 }));
    const ctx = guardWith(provider, { budgetMs: FAULT_BUDGET_MS, intelBreaker: { failureThreshold: 1, cooldownMs: COOLDOWN_MS } });
    await ctx.assess();
    await sleep(COOLDOWN_MS + 100);
    await ctx.assess();
    expect(server.requests).toHaveLength(2);
    expect(unavailable((await ctx.assess()).decision)[0]).toMatch(/circuit_open/);
    expect(server.requests).toHaveLength(2);
  });

  it('"not served by this operator" (404 IDENTIFIER_NOT_FOUND) is unknown evidence but not a provider failure', async () => {
    const server = await carrier((request, response) =>
      json(response, 404, { status: 404, code: 'IDENTIFIER_NOT_FOUND', message: 'ported away' }, echo(request)),
    );
    const provider = camaraNumberRecycling(createCamaraClient({ apiRoot: server.url, auth: hostToken({ legs: 2, token: () => 't' }), maxRetries: 0 }));
    const ctx = guardWith(provider, { intelBreaker: { failureThreshold: 2, cooldownMs: 60_000 } });
    for (let i = 0; i < 4; i++) expect(unavailable((await ctx.assess({ accountId: `acct-${i}` })).decision)[0]).toMatch(/IDENTIFIER_NOT_FOUND/);
    expect(server.requests).toHaveLength(4);
  });
});

describe('single-flight and cache', () => {
  it('concurrent checks of the same number and date share one request', async () => {
    const server = await carrier(async (request, response) => {
      await sleep(80);
      json(response, 200, { phoneNumberRecycled: true }, echo(request));
    });
    const ctx = guardWith(recyclingAt(server));
    const results = await Promise.all([ctx.assess(), ctx.assess(), ctx.assess({ accountId: 'acct-2' })]);
    expect(server.requests).toHaveLength(1);
    for (const { decision } of results) expect(decision.numberChangedHands).toBe('yes');
    // Another binding date is another question.
    await ctx.assess({ accountId: 'acct-3', phoneBoundAt: '2024-02-01T00:00:00Z', phone: '+14155552672' });
    await Promise.all([
      ctx.assess({ accountId: 'acct-4', phoneBoundAt: '2024-03-01T00:00:00Z', phone: '+14155552673' }),
      ctx.assess({ accountId: 'acct-5', phoneBoundAt: '2024-04-01T00:00:00Z', phone: '+14155552673' }),
    ]);
    expect(server.requests).toHaveLength(4);
  });

  it('a cached answer avoids a second request; "changed" lives 30 days, "unchanged" 1 day by default', async () => {
    let recycled = true;
    const server = await carrier((request, response) => json(response, 200, { phoneNumberRecycled: recycled }, echo(request)));
    const ctx = guardWith(recyclingAt(server));
    expect((await ctx.assess()).decision.evidence.numberIntel).toBe('ok');
    const again = await ctx.assess();
    expect(again.decision.evidence.numberIntel).toBe('cached');
    expect(again.decision.numberChangedHands).toBe('yes');
    expect(server.requests).toHaveLength(1);
    ctx.advance(20 * DAY);
    expect((await ctx.assess()).decision.evidence.numberIntel).toBe('cached');
    expect(server.requests).toHaveLength(1);

    recycled = false;
    const other = { accountId: 'acct-9', phone: '+12015550123' };
    await ctx.assess(other);
    ctx.advance(DAY / 2);
    expect((await ctx.assess(other)).decision.evidence.numberIntel).toBe('cached');
    ctx.advance(DAY);
    expect((await ctx.assess(other)).decision.evidence.numberIntel).toBe('ok');
    expect(server.requests).toHaveLength(3);
  });

  it('failures are not cached: the next login asks again', async () => {
    let calls = 0;
    const server = await carrier((request, response) => {
      calls += 1;
      if (calls === 1) return void response.socket?.destroy();
      json(response, 200, { phoneNumberRecycled: false }, echo(request));
    });
    const provider = camaraNumberRecycling(createCamaraClient({ apiRoot: server.url, auth: hostToken({ legs: 2, token: () => 't' }), maxRetries: 0 }));
    const ctx = guardWith(provider);
    expect((await ctx.assess()).decision.evidence.numberIntel).toBe('unavailable');
    expect((await ctx.assess()).decision.evidence.numberIntel).toBe('ok');
  });
});

describe('several providers: order, precedence and conflicts', () => {
  it('asked in order until one is conclusive; every answer is recorded', async () => {
    const server = await carrier((request, response) => json(response, 200, { phoneNumberRecycled: false }, echo(request)));
    const twilio = await carrier((_request, response) => json(response, 200, { reassigned_number: { is_number_reassigned: 'yes', error_code: null } }));
    const tenure: NumberIntelProvider = { name: 'tenure', check: async () => ({ source: 'tenure', tenureCoversSince: false }) };
    const ctx = guardWith([tenure, recyclingAt(server), twilioReassignedNumber({ username: 'AC1', password: 'x', baseUrl: twilio.url })]);
    const { decision } = await ctx.assess();
    expect(decision.evidence.intelSources).toEqual(['tenure', 'camara-number-recycling']);
    expect(twilio.requests).toHaveLength(0);
    const tenureReason = decision.reasons.find((reason) => reason.code === 'tenure_after_binding')!;
    expect(tenureReason.details).toMatchObject({ superseded: true });
    expect(decision.numberChangedHands).toBe('no');
  });

  it('a conflict between a provider and ingested events is resolved by precedence and shown', async () => {
    const server = await carrier((request, response) => json(response, 200, { phoneNumberRecycled: false }, echo(request)));
    const ctx = guardWith(recyclingAt(server));
    const ingested = await ctx.guard.ingestNumberEvents([{ phone: ATTEMPT.phone, type: 'reissued', date: '2025-06-01', source: 'carrier-renewal-notice' }]);
    expect(ingested).toMatchObject({ accepted: 1, rejected: 0 });
    const { decision } = await ctx.assess();
    const conflict = decision.reasons.find((reason) => reason.code === 'number_intel_conflict');
    expect(conflict?.message).toBe('providers disagree; camara-number-recycling takes precedence over carrier-renewal-notice');
    expect(decision.numberChangedHands).toBe('no');
  });
});
