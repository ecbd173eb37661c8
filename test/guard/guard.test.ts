import { describe, expect, it } from 'vitest';
import { createGuard, memoryStore, OutcomeRejectedError, type AttemptInput, type Decision, type GuardOptions, type Store } from 'recycled-number-guard';
import { cidrGeoLookup } from 'recycled-number-guard/evidence';

const _DAY = 86_400_000;
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const ANDROID = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36';
const geo = cidrGeoLookup([
  { cidr: '198.51.100.0/25', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 } },
  { cidr: '198.51.100.128/25', geo: { country: 'CN', region: 'SH', city: 'Shanghai', lat: 31.2, lon: 121.5, accuracyKm: 20 } },
  { cidr: '2001:db8::/32', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 } },
]);

function setup(options: Partial<GuardOptions> = {}) {
  let now = Date.parse('2026-01-10T09:30:00Z');
  const store = options.store ?? memoryStore({ now: () => now });
  const guard = createGuard({ geo, store, hashKey: 'test-key-0123456789abcdef', clock: () => now, checks: ['password', 'face'], ...options });
  const base: AttemptInput = {
    accountId: 'u-1',
    phone: '+8613800138000',
    phoneBoundAt: '2022-11-02T08:00:00Z',
    ip: '198.51.100.7',
    userAgent: IPHONE,
    deviceId: 'owner-device',
  };
  return {
    guard,
    store,
    base,
    at: (iso: string) => {
      now = Date.parse(iso);
      return iso;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/**
 * The first login on an old binding is stepped up; the owner passes the check offered first (on a
 * host with a face check, the face: a password alone does not settle a possible new holder), which
 * starts the history.
 */
async function enrol(ctx: ReturnType<typeof setup>) {
  const first = await ctx.guard.assess({ ...ctx.base, at: ctx.at('2026-01-01T09:00:00Z') });
  expect(first.action).toBe('step_up');
  const outcome = await ctx.guard.recordOutcome(first.id, { checks: [...first.stepUp!.anyOf[0]!], passed: true, accountId: 'u-1' });
  expect(outcome).toMatchObject({ action: 'allow', satisfied: true });
  return first;
}

describe('learning', () => {
  it('a passed step-up vouches for the device and proves possession; the next login is allowed without friction', async () => {
    const ctx = setup();
    await enrol(ctx);
    const next = await ctx.guard.assess({ ...ctx.base, at: ctx.at('2026-01-03T09:00:00Z') });
    expect(next.action).toBe('allow');
    expect(next.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['vouched_device', 'known_region', 'recent_owner_proof']));
  });

  it('a step-up decision teaches nothing until its outcome passes', async () => {
    const ctx = setup();
    const first = await ctx.guard.assess({ ...ctx.base, at: ctx.at('2026-01-01T09:00:00Z') });
    expect(first.action).toBe('step_up');
    const again = await ctx.guard.assess({ ...ctx.base, at: ctx.at('2026-01-01T09:05:00Z') });
    expect(again.evidence.history).toBe('none');
  });

  it('a denied attempt teaches nothing; a failed step-up is remembered', async () => {
    const ctx = setup({ checks: ['password'] });
    await enrol(ctx);
    const stranger = { ...ctx.base, ip: '198.51.100.200', userAgent: ANDROID, deviceId: 'stranger' };
    const attempt = await ctx.guard.assess({ ...stranger, at: ctx.at('2026-05-01T09:00:00Z') });
    expect(attempt.action).toBe('step_up');
    const failed = await ctx.guard.recordOutcome(attempt.id, { check: 'password', passed: false });
    expect(failed).toMatchObject({ action: 'deny', satisfied: false });
    expect(failed.advice?.newHolder).toBe('offer_new_account');
    const retry = await ctx.guard.assess({ ...stranger, at: ctx.at('2026-05-01T10:00:00Z') });
    expect(retry.reasons.map((r) => r.code)).toContain('recent_failed_step_up');
    expect(retry.reasons.map((r) => r.code)).toContain('new_device');
  });

  it('history is bounded: old devices fall out after the retention window', async () => {
    const ctx = setup();
    await enrol(ctx);
    const late = await ctx.guard.assess({ ...ctx.base, at: ctx.at('2028-03-01T09:00:00Z') });
    // Over two years later the store has expired the profile (730-day retention): the guard says so.
    expect(late.evidence.history).toBe('none');
  });
});

describe('recordOutcome', () => {
  it('accepts a decision once, for its own account, before it expires', async () => {
    const ctx = setup();
    const decision = await ctx.guard.assess({ ...ctx.base, at: ctx.at('2026-01-01T09:00:00Z') });
    await expect(ctx.guard.recordOutcome(decision.id, { check: 'password', passed: true, accountId: 'someone-else' })).rejects.toMatchObject({
      reason: 'ACCOUNT_MISMATCH',
    });
    // The mismatch consumed it: a forged account claim cannot be retried.
    await expect(ctx.guard.recordOutcome(decision.id, { check: 'password', passed: true })).rejects.toMatchObject({ reason: 'UNKNOWN_DECISION' });

    const second = await ctx.guard.assess({ ...ctx.base, at: ctx.at('2026-01-01T09:10:00Z') });
    await ctx.guard.recordOutcome(second.id, { check: 'password', passed: true });
    await expect(ctx.guard.recordOutcome(second.id, { check: 'password', passed: true })).rejects.toBeInstanceOf(OutcomeRejectedError);

    const third = await ctx.guard.assess({ ...ctx.base, accountId: 'u-2', at: ctx.at('2026-01-01T09:20:00Z') });
    ctx.advance(11 * 60_000);
    await expect(ctx.guard.recordOutcome(third.id, { check: 'password', passed: true })).rejects.toMatchObject({ reason: 'EXPIRED' });
  });

  it('rejects forged ids and malformed outcomes with typed errors', async () => {
    const ctx = setup();
    await expect(ctx.guard.recordOutcome('dec_AAAAAAAAAAAAAAAAAAAAAA', { check: 'password', passed: true })).rejects.toMatchObject({
      reason: 'UNKNOWN_DECISION',
    });
    await expect(ctx.guard.recordOutcome('../../etc/passwd', { check: 'password', passed: true })).rejects.toMatchObject({ name: 'InvalidInputError' });
    const decision = await ctx.guard.assess({ ...ctx.base, at: ctx.at('2026-01-01T09:00:00Z') });
    await expect(ctx.guard.recordOutcome(decision.id, { passed: true } as never)).rejects.toMatchObject({ name: 'InvalidInputError' });
  });

  it('a passed check that was not offered does not satisfy the step-up', async () => {
    const ctx = setup({ checks: ['password', 'face', 'known_address'] });
    const decision = await ctx.guard.assess({ ...ctx.base, at: ctx.at('2026-01-01T09:00:00Z') });
    expect(decision.stepUp!.anyOf.flat()).not.toContain('known_address');
    const result = await ctx.guard.recordOutcome(decision.id, { check: 'known_address', passed: true });
    expect(result).toMatchObject({ action: 'deny', satisfied: false });
  });
});

describe('modes and hooks', () => {
  it('dry_run answers allow, records what enforcement would do, and learns as if enforced', async () => {
    const ctx = setup({ mode: 'dry_run' });
    const decisions: Decision[] = [];
    const observed = setup({ mode: 'dry_run', onDecision: (d) => void decisions.push(d) });
    const first = await ctx.guard.assess({ ...ctx.base, at: ctx.at('2026-01-01T09:00:00Z') });
    expect(first).toMatchObject({ action: 'allow', wouldBe: 'step_up', mode: 'dry_run' });
    const again = await ctx.guard.assess({ ...ctx.base, at: ctx.at('2026-01-01T09:05:00Z') });
    expect(again.evidence.history).toBe('none');
    await observed.guard.assess({ ...observed.base, at: observed.at('2026-01-01T09:00:00Z') });
    expect(decisions).toHaveLength(1);
    expect(decisions[0]!.wouldBe).toBe('step_up');
  });

  it('a throwing onDecision or onError hook never fails the decision', async () => {
    const ctx = setup({
      onDecision: () => {
        throw new Error('audit down');
      },
      onError: () => {
        throw new Error('logger down');
      },
    });
    const decision = await ctx.guard.assess({ ...ctx.base, at: ctx.at('2026-01-01T09:00:00Z') });
    expect(decision.action).toBe('step_up');
  });

  it('an unavailable geolocation is reported, never treated as "nothing unusual"', async () => {
    const ctx = setup({
      geo: {
        name: 'broken',
        lookup: () => {
          throw new Error('db missing');
        },
      },
    });
    const decision = await ctx.guard.assess({ ...ctx.base, at: ctx.at('2026-01-01T09:00:00Z') });
    expect(decision.evidence.geo).toBe('unavailable');
    expect(decision.reasons.find((r) => r.code === 'geo_unavailable')?.message).toMatch(/db missing/);
  });

  it('a store that fails to read: the decision says history was unavailable; fintech does not allow', async () => {
    const broken: Store = {
      name: 'broken',
      capabilities: { shared: true, persistent: false, ttl: true, atomicMerge: true },
      read: async () => {
        throw new Error('ECONNREFUSED');
      },
      write: async () => {
        throw new Error('ECONNREFUSED');
      },
      takePending: async () => null,
      addNumberEvents: async () => {},
    };
    const ctx = setup({ store: broken, preset: 'fintech' });
    const decision = await ctx.guard.assess({ ...ctx.base, lastSeenAt: '2026-01-09T00:00:00Z', at: ctx.at('2026-01-10T09:00:00Z') });
    expect(decision.evidence.history).toBe('unavailable');
    expect(decision.action).not.toBe('allow');
    expect(decision.persisted).toBe(false);
  });

  it('IPv6 logins get a location and are learned like IPv4 ones', async () => {
    const ctx = setup();
    const decision = await ctx.guard.assess({ ...ctx.base, ip: '2001:db8:0:0::42', at: ctx.at('2026-01-01T09:00:00Z') });
    expect(decision.evidence.geo).toBe('ok');
  });

  it('the default geolocation (geoip-lite) is loaded by ready() and answers for a public address', async () => {
    const guard = createGuard({ clock: () => Date.parse('2026-01-10T09:30:00Z') });
    await guard.ready();
    const decision = await guard.assess({ accountId: 'u-9', phone: '+14155552671', phoneBoundAt: '2024-01-01', ip: '8.8.8.8', at: '2026-01-10T09:30:00Z' });
    expect(decision.evidence.geo).toBe('ok');
    const local = await guard.assess({ accountId: 'u-9', phone: '+14155552671', phoneBoundAt: '2024-01-01', ip: '10.1.2.3', at: '2026-01-10T09:30:00Z' });
    expect(local.evidence.geo).toBe('unavailable');
  });
});

describe('the previous owner still signs in with a password after losing the number', () => {
  it("does not move the carrier question past the reissue: the new holder's SMS login is still caught", async () => {
    const reissuedAt = Date.parse('2025-10-01T00:00:00Z');
    const asked: number[] = [];
    // An exact carrier: did the subscriber change after `since`?
    const carrier = {
      name: 'carrier',
      check: async ({ since }: { since: Date }) => {
        asked.push(since.getTime());
        return since.getTime() < reissuedAt
          ? { source: 'carrier', changedSince: true, reissuedAt: new Date(reissuedAt).toISOString() }
          : { source: 'carrier', changedSince: false };
      },
    };
    const { guard, base } = setup({ numberIntel: carrier, intelCacheTtl: { changedMs: 0, unchangedMs: 0, inconclusiveMs: 0 } });
    // Months after the reissue the previous owner signs in with his password only (no SMS code: he
    // no longer has the number), from his usual phone.
    // His login did not use the number, so who holds it now is not scored: he gets in, and is asked
    // to bind a current number.
    const owner = await guard.assess({ ...base, verified: ['password'], at: Date.parse('2026-01-05T09:00:00Z') });
    expect(owner.action).toBe('allow');
    expect(owner.numberChangedHands).toBe('yes');
    expect(owner.advice).toMatchObject({ newHolder: 'none', previousHolder: 'review_binding' });
    expect(owner.reasons.find((reason) => reason.code === 'number_reissued_after_binding')).toMatchObject({ effect: 0 });
    // Then the number's new holder logs in with the SMS code.
    const stranger = await guard.assess({
      ...base,
      userAgent: ANDROID,
      deviceId: 'new-holder',
      ip: '198.51.100.200',
      verified: ['sms_otp'],
      at: Date.parse('2026-01-10T09:30:00Z'),
    });
    expect(asked.at(-1)).toBeLessThan(reissuedAt);
    expect(stranger.numberChangedHands).toBe('yes');
    expect(stranger.action).not.toBe('allow');
  });
});
