/** The login-path machinery on its own: Retry-After, breaker, token bucket, single-flight, cache TTLs. */
import { describe, expect, it } from 'vitest';
import type { NumberIntelAnswer, NumberIntelProvider } from 'recycled-number-guard';
import type { NumberIntelRequest } from 'recycled-number-guard/types';
import { CircuitBreaker } from '../../src/evidence/number-intel/breaker.js';
import { remainingBudget } from '../../src/evidence/number-intel/budget.js';
import { cacheTtlFor } from '../../src/evidence/number-intel/gather.js';
import { parseRetryAfter } from '../../src/evidence/number-intel/http.js';
import { TokenBucket } from '../../src/evidence/number-intel/rate-limit.js';
import { createIntelRunner } from '../../src/evidence/number-intel/runner.js';
import { startDeadline } from '../../src/util/deadline.js';
import { sleep } from './helpers.js';

describe('Retry-After', () => {
  it('reads seconds and HTTP dates; ignores anything else', () => {
    const now = Date.parse('2026-01-10T09:30:00Z');
    expect(parseRetryAfter('5', now)).toBe(5_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sat, 10 Jan 2026 09:30:02 GMT', now)).toBe(2_000);
    expect(parseRetryAfter('Sat, 10 Jan 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('CircuitBreaker', () => {
  it('closed -> open after the threshold -> one half-open probe after the cool-down', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1_000 }, () => now);
    expect(breaker.admit()).toEqual({ ok: true, probe: false });
    expect(breaker.failure()).toBe(false);
    expect(breaker.failure()).toBe(true);
    expect(breaker.state).toBe('open');
    expect(breaker.admit()).toMatchObject({ ok: false, why: expect.stringContaining('next probe in 1 s') });
    now = 1_000;
    expect(breaker.admit()).toEqual({ ok: true, probe: true });
    expect(breaker.admit()).toMatchObject({ ok: false, why: expect.stringContaining('a probe is in flight') });
    breaker.release();
    expect(breaker.admit()).toEqual({ ok: true, probe: true });
    expect(breaker.success()).toBe(true);
    expect(breaker.state).toBe('closed');
    expect(breaker.failure()).toBe(false);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then spaces calls at the rate; an aborted waiter leaves the queue', async () => {
    const bucket = new TokenBucket(20, 2);
    const t0 = performance.now();
    await bucket.acquire();
    await bucket.acquire();
    await bucket.acquire();
    await bucket.acquire();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(80);
    const controller = new AbortController();
    const waiting = bucket.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});

describe('cache TTL by answer', () => {
  const ttl = { changedMs: 30, unchangedMs: 10, inconclusiveMs: 5 };
  const cases: [string, NumberIntelAnswer[], number][] = [
    ['changed', [{ source: 'a', changedSince: true }], 30],
    ['unchanged', [{ source: 'a', changedSince: false }], 10],
    [
      'unchanged after a failure',
      [
        { source: 'a', unavailable: 'timeout: x' },
        { source: 'b', changedSince: false },
      ],
      10,
    ],
    ['tenure only', [{ source: 'a', tenureCoversSince: true }], 5],
    [
      'tenure and a number not served',
      [
        { source: 'a', unavailable: 'IDENTIFIER_NOT_FOUND: x' },
        { source: 'b', tenureCoversSince: true },
      ],
      5,
    ],
    [
      'tenure and a provider failure',
      [
        { source: 'a', unavailable: 'HTTP_503: x' },
        { source: 'b', tenureCoversSince: true },
      ],
      0,
    ],
    ['nothing', [{ source: 'a', unavailable: 'circuit_open: x' }], 0],
  ];
  it.each(cases)('%s', (_name, answers, expected) => {
    expect(cacheTtlFor(answers, ttl)).toBe(expected);
  });
});

describe('IntelRunner single-flight', () => {
  function slowProvider(ms: number, seen: NumberIntelRequest[] = [], answersPerAccount = false) {
    const provider: NumberIntelProvider & { answersPerAccount?: true } = {
      name: 'slow',
      async check(request) {
        seen.push(request);
        await sleep(ms);
        if (request.signal.aborted) throw new Error('aborted');
        return { source: 'slow', changedSince: false };
      },
    };
    if (answersPerAccount) provider.answersPerAccount = true;
    return provider;
  }

  it('a waiter that runs out of time leaves; the request goes on for the others with their budget', async () => {
    const seen: NumberIntelRequest[] = [];
    const runner = createIntelRunner([slowProvider(120, seen)]);
    const request = { phone: '+14155552671', since: 1_000, accountId: 'a' };
    const short = startDeadline(30);
    const long = startDeadline(2_000);
    const [first, second] = await Promise.all([runner.gather(request, { deadline: short }), runner.gather(request, { deadline: long })]);
    expect(seen).toHaveLength(1);
    expect(first.answers[0]!.unavailable).toMatch(/^timeout: /);
    expect(second.answers[0]).toEqual({ source: 'slow', changedSince: false });
    short.done();
    long.done();
  });

  it('the provider sees the longest remaining budget; when every waiter leaves, its request is aborted', async () => {
    const seen: NumberIntelRequest[] = [];
    const runner = createIntelRunner([slowProvider(150, seen)]);
    const request = { phone: '+14155552671', since: 2_000, accountId: 'a' };
    const pending = runner.gather(request, { deadline: startDeadline(40) });
    await sleep(5);
    expect(remainingBudget(seen[0]!.signal)).toBeLessThanOrEqual(40);
    const result = await pending;
    expect(result.status).toBe('unavailable');
    expect(seen[0]!.signal.aborted).toBe(true);
  });

  it('account-scoped providers do not share across accounts', async () => {
    const seen: NumberIntelRequest[] = [];
    const runner = createIntelRunner([slowProvider(20, seen, true)]);
    await Promise.all([
      runner.gather({ phone: '+14155552671', since: 1, accountId: 'a' }, { perCallMs: 1_000 }),
      runner.gather({ phone: '+14155552671', since: 1, accountId: 'b' }, { perCallMs: 1_000 }),
      runner.gather({ phone: '+14155552671', since: 1, accountId: 'b' }, { perCallMs: 1_000 }),
    ]);
    expect(seen.map((request) => request.accountId).sort()).toEqual(['a', 'b']);
  });
});
