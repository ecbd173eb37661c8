import { describe, expect, it } from 'vitest';
import { createGuard, GuardConfigError, InvalidInputError, type AttemptInput } from 'recycled-number-guard';

const NOW = Date.parse('2026-01-10T09:30:00Z');
const valid: AttemptInput = {
  accountId: 'u-42',
  phone: '+8613800138000',
  phoneBoundAt: '2022-11-02T08:00:00Z',
  ip: '203.0.113.7',
  at: '2026-01-10T09:30:00Z',
};
const guard = createGuard({ geo: false, clock: () => NOW });

async function fieldsOf(input: unknown): Promise<string[]> {
  try {
    await guard.assess(input as AttemptInput);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).fields;
  }
  throw new Error('expected InvalidInputError');
}

describe('invalid input names the field and never allows', () => {
  it.each([
    ['accountId', { accountId: '' }],
    ['accountId', { accountId: 'x'.repeat(300) }],
    ['phone', { phone: 'not a number' }],
    ['phone', { phone: '+86 123' }],
    ['phone', { phone: '13800138000' }],
    ['phoneBoundAt', { phoneBoundAt: 'yesterday' }],
    ['phoneBoundAt', { phoneBoundAt: '2027-01-01T00:00:00Z' }],
    ['phoneBoundAt', { phoneBoundAt: Number.NaN }],
    ['ip', { ip: '999.1.1.1' }],
    ['ip', { ip: 'localhost' }],
    ['action', { action: 'hack' }],
    ['verified.0', { verified: ['sms'] }],
    ['verified', { verified: [] }],
    ['at', { at: '2030-01-01T00:00:00Z' }],
    ['lastSeenAt', { lastSeenAt: '2026-02-01T00:00:00Z' }],
    ['deviceId', { deviceId: '' }],
    ['clientHints.sec-ch-ua-model', { clientHints: { 'sec-ch-ua-model': 'x'.repeat(300) } }],
  ])('%s: %j', async (field, patch) => {
    expect(await fieldsOf({ ...valid, ...patch })).toContain(field);
  });

  it('lists every bad field at once', async () => {
    expect(await fieldsOf({ ...valid, ip: 'nope', phone: 'nope', phoneBoundAt: 'nope' })).toEqual(expect.arrayContaining(['ip', 'phone', 'phoneBoundAt']));
  });

  it('rejects a missing attempt and wrong types', async () => {
    expect(await fieldsOf(undefined)).toEqual(['']);
    expect(await fieldsOf({ ...valid, accountId: 42 })).toContain('accountId');
  });

  it('accepts national digits with defaultCountry, IPv6 and IPv4-mapped IPv6, and no user agent', async () => {
    const national = await guard.assess({ ...valid, phone: '138 0013 8000', defaultCountry: 'CN' });
    expect(national.reasons.length).toBeGreaterThan(0);
    const v6 = await guard.assess({ ...valid, ip: '2001:DB8::1' });
    expect(v6.evidence.device).toBe('unavailable');
    expect(v6.reasons.map((r) => r.code)).toContain('device_unavailable');
    const mapped = await guard.assess({ ...valid, ip: '::ffff:203.0.113.7' });
    expect(mapped.action).toBeDefined();
  });

  it('rejects bad options with GuardConfigError naming the option', () => {
    expect(() => createGuard({ preset: 'bank' as never })).toThrow(GuardConfigError);
    expect(() => createGuard({ thresholds: { stepUp: 0.9, deny: 0.1 } })).toThrow(/thresholds/);
    expect(() => createGuard({ hashKey: 'short' })).toThrow(/hashKey/);
    expect(() => createGuard({ weights: { nope: 1 } as never })).toThrow(/weights.nope/);
    // A confirmed reissue replaces dormancy, tenure and SIM evidence (ln 40 + ln 6 + ln 3 = ln 720
    // by default): a lower weight would let "the carrier says reissued" lower risk.
    for (const number_reissued_after_binding of [0, -5, Math.log(100), Math.log(719)]) {
      expect(() => createGuard({ weights: { number_reissued_after_binding } })).toThrow(/weights\.number_reissued_after_binding.*ln 720/);
    }
    expect(() => createGuard({ weights: { number_reissued_after_binding: Math.log(720) } })).not.toThrow();
    expect(() => createGuard({ weights: { number_reissued_after_binding: Math.log(200), dormant_beyond_aging_cap: Math.log(10) } })).not.toThrow();
    expect(() => createGuard({ weights: { dormant_beyond_aging_cap: Math.log(400) } })).toThrow(/weights\.number_reissued_after_binding/);
    expect(() => createGuard({ checks: ['sms'] as never })).toThrow(/checks/);
  });
});

describe('alwaysStepUp: actions that always need a non-SMS check', () => {
  const AT = Date.parse('2026-01-10T09:30:00Z');
  const login: AttemptInput = {
    accountId: 'acct-pay',
    phone: '+14155552671',
    phoneBoundAt: '2025-12-20T08:00:00Z',
    ip: '192.0.2.10',
    deviceId: 'device-of-the-owner',
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    at: AT,
  };
  // Inside the session the login's factor is what the host has: verified ['sms_otp'].
  const payment: AttemptInput = { ...login, action: 'payment', verified: ['sms_otp'], at: AT + 5 * 60_000 };

  it('a payment inside the session inherits the login trust by default; listed, it always steps up', async () => {
    for (const alwaysStepUp of [undefined, ['payment' as const]]) {
      const guard = createGuard({
        preset: 'cloud-drive',
        geo: false,
        checks: ['password', 'face'],
        hashKey: 'always-step-up-key-0123456789',
        clock: () => AT,
        ...(alwaysStepUp ? { alwaysStepUp } : {}),
      });
      expect((await guard.assess(login)).action).toBe('allow');
      const decision = await guard.assess(payment);
      if (!alwaysStepUp) {
        expect(decision.action).toBe('allow');
      } else {
        expect(decision.action).toBe('step_up');
        expect(decision.stepUp?.anyOf.length).toBeGreaterThan(0);
        expect(
          decision.reasons.some((reason) => reason.code === 'fail_mode_applied' && /always asks for a non-SMS check before payment/.test(reason.message)),
        ).toBe(true);
        // A payment that already carries a strong check goes through.
        expect((await guard.assess({ ...payment, verified: ['sms_otp', 'face'] })).action).toBe('allow');
      }
    }
  });

  it('rejects an unknown action, naming the option', () => {
    expect(() => createGuard({ alwaysStepUp: ['pay'] as never })).toThrow(/alwaysStepUp/);
  });
});
