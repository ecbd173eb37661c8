import { describe, expect, it } from 'vitest';
import { createGuard, InvalidInputError, memoryStore, OutcomeRejectedError, type AttemptInput, type StepUpOutcome } from 'recycled-number-guard';
import { cidrGeoLookup } from 'recycled-number-guard/evidence';
import { callbackAuditSink, type AuditRecord } from 'recycled-number-guard/audit';

/** Abuse of the API itself: oversized inputs, and recordOutcome used with ids it should refuse. */

const AT = Date.parse('2026-01-10T09:00:00Z');
const DAY = 86_400_000;
const IPHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const geo = cidrGeoLookup([{ cidr: '198.51.100.0/24', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4 } }]);
const base: AttemptInput = { accountId: 'acct-1', phone: '+8613800138000', phoneBoundAt: '2022-01-01T00:00:00Z', ip: '198.51.100.7', at: AT };

function setup() {
  let now = AT;
  const store = memoryStore({ now: () => now });
  const audit: AuditRecord[] = [];
  const guard = createGuard({
    store,
    geo,
    checks: ['password', 'face'],
    hashKey: 'abuse-test-key-0123456789abcdef',
    clock: () => now,
    audit: callbackAuditSink((record) => void audit.push(record)),
  });
  return { guard, store, audit, advance: (ms: number) => (now += ms), now: () => now };
}

async function invalidFields(work: Promise<unknown>): Promise<string[]> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return (error as InvalidInputError).fields;
}

describe('inputs are capped before any parsing', () => {
  it('a 1 MB user agent is cut to its first 512 characters before the parser sees it', async () => {
    // The same iPhone marker, once inside the first 512 characters and once only after them.
    const inside = `${IPHONE_UA} ${'A'.repeat(1_000_000)}`;
    const outside = `${'x'.repeat(600)} ${IPHONE_UA}`.padEnd(1_000_000, 'A');
    const learned: string[] = [];
    for (const [accountId, userAgent] of [
      ['ua-inside', inside],
      ['ua-outside', outside],
    ] as const) {
      const ctx = setup();
      const decision = await ctx.guard.assess({ ...base, accountId, userAgent, verified: ['sms_otp', 'face'], lastSeenAt: AT - DAY });
      expect(decision.action).toBe('allow');
      const profile = (await ctx.store.read({ account: accountId, phone: '' })).profile!;
      learned.push(profile.devices[0]!.osFamily ?? 'unknown');
    }
    expect(learned).toEqual(['ios', 'unknown']);
  });

  it.each([
    ['accountId', { accountId: 'x'.repeat(10_000) }],
    ['deviceId', { deviceId: 'd'.repeat(10_000) }],
    ['phone', { phone: `+86${'1'.repeat(10_000)}` }],
    ['ip', { ip: `1.${'1'.repeat(10_000)}` }],
    ['phoneBoundAt', { phoneBoundAt: `2022-01-01${' '.repeat(10_000)}` }],
    ['at', { at: '9'.repeat(10_000) }],
    ['defaultCountry', { defaultCountry: 'C'.repeat(10_000) }],
  ])('a 10k-character %s is rejected with InvalidInputError naming it', async (field, patch) => {
    expect(await invalidFields(setup().guard.assess({ ...base, ...patch } as AttemptInput))).toContain(field);
  });

  it('client hints: too many, or one too long, are rejected naming the field', async () => {
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`sec-ch-ua-x${i}`, '?1']));
    expect(await invalidFields(setup().guard.assess({ ...base, clientHints: many }))).toContain('clientHints');
    const long = { 'sec-ch-ua-model': `"${'M'.repeat(10_000)}"` };
    expect(await invalidFields(setup().guard.assess({ ...base, clientHints: long }))).toContain('clientHints.sec-ch-ua-model');
  });

  it('recordOutcome caps its inputs too: a 10k-character decision id or account id names the field', async () => {
    const { guard } = setup();
    expect(await invalidFields(guard.recordOutcome(`dec_${'A'.repeat(10_000)}`, { check: 'password', passed: true }))).toEqual(['decisionId']);
    const decision = await guard.assess(base);
    expect(await invalidFields(guard.recordOutcome(decision.id, { check: 'password', passed: true, accountId: 'a'.repeat(10_000) }))).toEqual(['accountId']);
    expect(await invalidFields(guard.recordOutcome(decision.id, { check: 'password', passed: true, at: '2'.repeat(10_000) }))).toEqual(['at']);
  });
});

describe('recordOutcome: once, own account, before expiry; everything else is a typed rejection, and audited', () => {
  async function stepUp(ctx: ReturnType<typeof setup>, accountId = 'acct-1') {
    const decision = await ctx.guard.assess({ ...base, accountId, at: ctx.now() });
    expect(decision.action).toBe('step_up');
    return decision;
  }
  // The check the step-up offers: a possible new holder on a host with a face check is asked for the face.
  const passed: StepUpOutcome = { check: 'face', passed: true };
  const rejection = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OutcomeRejectedError);
    return (error as OutcomeRejectedError).reason;
  };

  it('a replayed id: the first use counts, every later one is UNKNOWN_DECISION', async () => {
    const ctx = setup();
    const decision = await stepUp(ctx);
    expect(await ctx.guard.recordOutcome(decision.id, { ...passed, accountId: 'acct-1' })).toMatchObject({ action: 'allow' });
    for (let i = 0; i < 3; i++) expect(await rejection(ctx.guard.recordOutcome(decision.id, passed))).toBe('UNKNOWN_DECISION');
    // A replayed failure cannot pile up failed step-ups either.
    const second = await stepUp(ctx, 'acct-2');
    await ctx.guard.recordOutcome(second.id, { check: 'password', passed: false });
    expect(await rejection(ctx.guard.recordOutcome(second.id, { check: 'password', passed: false }))).toBe('UNKNOWN_DECISION');
    expect((await ctx.store.read({ account: 'acct-2', phone: '' })).profile!.failedStepUps).toHaveLength(1);
  });

  it("another account's id is refused and burned, so it cannot be retried with the right account", async () => {
    const ctx = setup();
    const decision = await stepUp(ctx);
    expect(await rejection(ctx.guard.recordOutcome(decision.id, { ...passed, accountId: 'acct-attacker' }))).toBe('ACCOUNT_MISMATCH');
    expect(await rejection(ctx.guard.recordOutcome(decision.id, { ...passed, accountId: 'acct-1' }))).toBe('UNKNOWN_DECISION');
    // Nothing was learned: the next login is not treated as a passed step-up.
    expect((await ctx.store.read({ account: 'acct-1', phone: '' })).profile).toBeNull();
  });

  it('an id past its window is EXPIRED, and cannot be retried', async () => {
    const ctx = setup();
    const decision = await stepUp(ctx);
    ctx.advance(Date.parse(decision.stepUp!.expiresAt) - ctx.now() + 1);
    expect(await rejection(ctx.guard.recordOutcome(decision.id, passed))).toBe('EXPIRED');
    expect(await rejection(ctx.guard.recordOutcome(decision.id, passed))).toBe('UNKNOWN_DECISION');
  });

  it('forged ids: well-formed random ones are UNKNOWN_DECISION; malformed ones InvalidInputError', async () => {
    const ctx = setup();
    const decision = await stepUp(ctx);
    // One character changed, a random id, an id from another guard with its own store.
    const tweaked = `${decision.id.slice(0, -1)}${decision.id.endsWith('A') ? 'B' : 'A'}`;
    const foreign = (await stepUp(setup())).id;
    for (const id of [tweaked, 'dec_AAAAAAAAAAAAAAAAAAAAAA', foreign]) expect(await rejection(ctx.guard.recordOutcome(id, passed))).toBe('UNKNOWN_DECISION');
    for (const id of ['', 'dec_', `${decision.id} `, decision.id.toUpperCase().replace('DEC_', 'DEC-'), '__proto__', 'dec_../../../../etc/pass', 42, null]) {
      expect(await invalidFields(ctx.guard.recordOutcome(id as string, passed))).toEqual(['decisionId']);
    }
    // The genuine id still works after all that.
    expect(await ctx.guard.recordOutcome(decision.id, passed)).toMatchObject({ action: 'allow' });
  });

  it('an allowed or denied decision has nothing to complete', async () => {
    const ctx = setup();
    const allowed = await ctx.guard.assess({ ...base, accountId: 'acct-ok', verified: ['sms_otp', 'face'], lastSeenAt: AT - DAY });
    expect(allowed.action).toBe('allow');
    expect(await rejection(ctx.guard.recordOutcome(allowed.id, passed))).toBe('UNKNOWN_DECISION');
  });

  it('an outcome time far in the future is rejected: it would age the whole profile out of retention', async () => {
    let now = AT;
    const store = memoryStore({ now: () => now });
    // fintech always asks for a non-SMS check before change_phone, so a known owner still gets a pending step-up.
    const guard = createGuard({ store, geo, preset: 'fintech', checks: ['password', 'face'], hashKey: 'abuse-test-key-0123456789abcdef', clock: () => now });
    const owner = { ...base, deviceId: 'owner-device' };
    const first = await guard.assess({ ...owner, at: now });
    await guard.recordOutcome(first.id, { check: 'face', passed: true });
    now += DAY;
    const sensitive = await guard.assess({ ...owner, action: 'change_phone', at: now });
    expect(sensitive.action).toBe('step_up');
    expect(await invalidFields(guard.recordOutcome(sensitive.id, { check: 'password', passed: false, at: '2099-01-01T00:00:00Z' }))).toEqual(['at']);
    // Refused before the id was used: the host can still report the real outcome.
    await guard.recordOutcome(sensitive.id, { check: 'password', passed: false, at: now + 3_600_000 });
    const profile = (await store.read({ account: 'acct-1', phone: '' })).profile!;
    expect(profile.devices.length).toBeGreaterThan(0);
    expect(profile.ownerProofAt).toBeDefined();
    expect(profile.failedStepUps).toHaveLength(1);
  });

  it("every rejection leaves an audit record naming the reason; the account is the decision's, not the claimed one", async () => {
    const ctx = setup();
    const decision = await stepUp(ctx);
    await rejection(ctx.guard.recordOutcome(decision.id, { ...passed, accountId: 'acct-attacker' }));
    await rejection(ctx.guard.recordOutcome(decision.id, passed));
    const outcomes = ctx.audit.filter((record) => record.kind === 'outcome');
    expect(outcomes).toEqual([
      expect.objectContaining({
        decisionId: decision.id,
        accountId: 'acct-1',
        action: 'deny',
        outcome: expect.objectContaining({ rejected: 'ACCOUNT_MISMATCH', satisfied: false }),
      }),
      expect.objectContaining({ decisionId: decision.id, action: 'deny', outcome: expect.objectContaining({ rejected: 'UNKNOWN_DECISION' }) }),
    ]);
  });
});
