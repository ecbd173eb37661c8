/**
 * The edges of protection: bad input gets a typed error naming the field, a store written before
 * protection existed keeps working (and protecting refuses rather than pretends), a store that
 * cannot be read fails closed, and no error path lets the SMS code alone in.
 */
import { describe, expect, it } from 'vitest';
import {
  createGuard,
  InvalidInputError,
  memoryStore,
  NoticeStoreError,
  ProtectionFailedError,
  ProtectionUnsupportedError,
  RecycledNumberGuardError,
  type AttemptInput,
  type Store,
} from 'recycled-number-guard';
import { hmacSha256Signature, hmacSha256Verifier, unbindNoticeResponse } from 'recycled-number-guard/http';

const NOW = Date.parse('2026-01-10T09:00:00Z');
const DAY = 86_400_000;
const HASH_KEY = 'protection-edges-key-0123456789';
const ATTEMPT: AttemptInput = {
  accountId: 'acct-1',
  phone: '+8613800138000',
  phoneBoundAt: '2025-06-01T00:00:00Z',
  lastSeenAt: NOW - 3 * DAY,
  ip: '198.51.100.7',
  deviceId: 'phone-1',
  verified: ['sms_otp'],
};

const guardOn = (store: Store, checks: ('password' | 'face')[] = ['password']) =>
  createGuard({ store, geo: false, hashKey: HASH_KEY, clock: () => NOW, checks, budgetMs: 2_000 });

/** A custom store from before protection: the memory store without the new methods and flag. */
function legacyStore(): Store {
  const inner = memoryStore();
  return {
    name: 'legacy',
    capabilities: { shared: false, persistent: false, ttl: true, atomicMerge: true },
    read: async (keys) => {
      const { protection: _dropped, ...rest } = await inner.read(keys);
      return rest;
    },
    write: (write, limits) => inner.write(write, limits),
    takePending: (id) => inner.takePending(id),
    addNumberEvents: (phone, events) => inner.addNumberEvents(phone, events),
  };
}

/** A protection-capable store whose reads (or writes) fail. */
function failing(inner: Store, what: { read?: boolean; protect?: boolean }): Store {
  return {
    ...inner,
    name: 'failing',
    read: async (keys, signal) => {
      if (what.read) throw new Error('connection refused');
      return inner.read(keys, signal);
    },
    protect: async (account, protection) => {
      if (what.protect) throw new Error('connection refused');
      return inner.protect!(account, protection);
    },
    hit: async (key, windowMs) => {
      if (what.protect) throw new Error('connection refused');
      return inner.hit!(key, windowMs);
    },
  };
}

async function fieldsOf(work: Promise<unknown>): Promise<string[]> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toBeInstanceOf(RecycledNumberGuardError);
    return (error as InvalidInputError).fields;
  }
  throw new Error('expected InvalidInputError');
}

describe('bad input: a typed error naming the field', () => {
  const guard = guardOn(memoryStore());
  it('protect, unprotect, freeze', async () => {
    expect(await fieldsOf(guard.protect('', { reason: 'owner_request', by: 'owner' }))).toEqual(['accountId']);
    expect(await fieldsOf(guard.protect('a', { reason: 'because' as 'owner_request', by: 'owner' }))).toEqual(['reason']);
    expect(await fieldsOf(guard.protect('a', { reason: 'owner_request', by: 'someone' as 'owner' }))).toEqual(['by']);
    expect(await fieldsOf(guard.unprotect('a', { check: 'sms_otp' as 'password', passed: true }))).toEqual(['proof.check']);
    expect(await fieldsOf(guard.unprotect('a', { passed: true }))).toEqual(['proof.check']);
    expect(await fieldsOf(guard.freeze({ accountId: 'a', proof: { check: 'password', passed: 'yes' as unknown as boolean } }))).toEqual(['proof.passed']);
    expect(await fieldsOf(guard.freeze({ accountId: 'x'.repeat(300), proof: { check: 'password', passed: true } }))).toEqual(['accountId']);
  });
  it('releaseNumber and unbind notices', async () => {
    const binding = { accountId: 'a', phoneBoundAt: '2024-01-01' };
    expect(await fieldsOf(guard.releaseNumber({ phone: '+8613800138000', proofOfPossession: 'password' as 'sms_otp', bindings: [binding] }))).toEqual([
      'proofOfPossession',
    ]);
    expect(await fieldsOf(guard.releaseNumber({ phone: '+8613800138000', proofOfPossession: 'sms_otp', bindings: [] }))).toEqual(['bindings']);
    expect(await fieldsOf(guard.releaseNumber({ phone: 'not a number', proofOfPossession: 'sms_otp', bindings: [binding] }))).toEqual(['phone']);
    expect(
      await fieldsOf(
        guard.releaseNumber({ phone: '+8613800138000', proofOfPossession: 'sms_otp', bindings: [{ accountId: 'a', phoneBoundAt: 'yesterday-ish' }] }),
      ),
    ).toEqual(['bindings.0.phoneBoundAt']);
    const notice = { requestId: 'r-1', source: 'cmcc-unbind', phone: '+8613800138000', newSubscriberSince: '2025-11-20' };
    expect(await fieldsOf(guard.ingestUnbindNotice({ ...notice, requestId: 'has space' }))).toEqual(['requestId']);
    expect(await fieldsOf(guard.ingestUnbindNotice({ ...notice, newSubscriberSince: NOW + 30 * DAY }))).toEqual(['newSubscriberSince']);
    expect(await fieldsOf(guard.ingestUnbindNotice({ ...notice, phone: '12' }))).toEqual(['phone']);
  });
  it('options', () => {
    expect(() => createGuard({ dormancy: { smsAloneAfterDays: 200, protectAfterDays: 100 } })).toThrow(/dormancy\.protectAfterDays/);
    expect(() => createGuard({ freezeLimit: { attempts: 0, windowMs: 60_000 } })).toThrow(/freezeLimit/);
  });
});

describe('a custom store written before protection', () => {
  it('keeps deciding as before, and protecting refuses with ProtectionUnsupportedError instead of pretending', async () => {
    const guard = guardOn(legacyStore());
    expect((await guard.assess(ATTEMPT)).action).toBe('allow');
    await expect(guard.protect('acct-1', { reason: 'owner_request', by: 'owner' })).rejects.toBeInstanceOf(ProtectionUnsupportedError);
    await expect(guard.freeze({ accountId: 'acct-1', proof: { check: 'password', passed: true } })).rejects.toBeInstanceOf(ProtectionUnsupportedError);
    await expect(
      guard.releaseNumber({ phone: ATTEMPT.phone, proofOfPossession: 'sms_otp', bindings: [{ accountId: 'acct-1', phoneBoundAt: ATTEMPT.phoneBoundAt }] }),
    ).rejects.toBeInstanceOf(ProtectionUnsupportedError);
  });
});

describe('failing closed', () => {
  it('a protection-capable store that cannot be read: the SMS code alone does not enter (a password with it does)', async () => {
    const store = failing(memoryStore(), { read: true });
    const decision = await guardOn(store).assess(ATTEMPT);
    expect(decision.action).toBe('step_up');
    expect(decision.reasons.find((reason) => reason.code === 'account_protected')?.details).toMatchObject({ unreadable: true });
    expect((await guardOn(store, []).assess(ATTEMPT)).action).toBe('deny');
    expect((await guardOn(store).assess({ ...ATTEMPT, verified: ['sms_otp', 'password'] })).action).toBe('allow');
  });

  it('a store that fails to protect: freeze answers store_unavailable, protect throws ProtectionFailedError, a release refuses', async () => {
    const inner = memoryStore();
    const guard = guardOn(failing(inner, { protect: true }));
    expect(await guard.freeze({ accountId: 'acct-1', proof: { check: 'password', passed: true } })).toEqual({ frozen: false, reason: 'store_unavailable' });
    await expect(guard.protect('acct-1', { reason: 'owner_request', by: 'owner' })).rejects.toBeInstanceOf(ProtectionFailedError);
    await guardOn(inner).ingestUnbindNotice({ requestId: 'r-1', source: 'test', phone: ATTEMPT.phone, newSubscriberSince: '2025-11-20' });
    const release = await guard.releaseNumber({
      phone: ATTEMPT.phone,
      proofOfPossession: 'sms_otp',
      bindings: [{ accountId: 'acct-1', phoneBoundAt: ATTEMPT.phoneBoundAt }],
    });
    // The evidence says released, but without protecting the old account a release would let the SMS code in.
    expect(release).toMatchObject({ released: [], refused: [{ accountId: 'acct-1', reason: 'store_unavailable' }] });
  });

  it('an unbind notice that cannot be stored throws NoticeStoreError; over HTTP that is a 503 the sender retries', async () => {
    const store = { ...memoryStore(), name: 'broken', addNumberEvents: async () => Promise.reject(new Error('disk full')) } as Store;
    const guard = guardOn(store);
    const notice = { requestId: 'r-2', source: 'test', phone: ATTEMPT.phone, newSubscriberSince: '2025-11-20' };
    await expect(guard.ingestUnbindNotice(notice)).rejects.toBeInstanceOf(NoticeStoreError);
    const secret = 'edges-notice-secret-0123456789';
    const body = JSON.stringify(notice);
    const answer = await unbindNoticeResponse(
      guard,
      { body, headers: { 'x-signature': hmacSha256Signature(secret, body) } },
      { verify: hmacSha256Verifier(secret) },
    );
    expect(answer).toMatchObject({ status: 503, body: { error: 'not_stored' } });
  });
});

describe('the unbind notice helper', () => {
  const secret = 'helper-notice-secret-0123456789';
  const verify = hmacSha256Verifier(secret);
  const guard = guardOn(memoryStore());
  const send = (body: string, headers: Record<string, string> = { 'x-signature': hmacSha256Signature(secret, body) }, options = {}) =>
    unbindNoticeResponse(guard, { body, headers }, { verify, ...options });

  it('checks the signature over the raw body before parsing anything', async () => {
    const body = JSON.stringify({ requestId: 'h-1', source: 'test', phone: ATTEMPT.phone, newSubscriberSince: '2025-11-20' });
    expect((await send(body, {})).status).toBe(401);
    expect((await send(body, { 'x-signature': `sha256=${'0'.repeat(64)}` })).status).toBe(401);
    expect((await send(body, { 'x-signature': hmacSha256Signature(secret, `${body} `) })).status).toBe(401);
    expect((await send('not json')).body).toEqual({ error: 'invalid_json' });
    expect((await send(JSON.stringify({ requestId: 'h-2', source: 'test', phone: 'x', newSubscriberSince: '2025-11-20' }))).body).toEqual({
      error: 'invalid_input',
      fields: ['phone'],
    });
    expect((await send('x'.repeat(20_000))).status).toBe(413);
    expect((await send(body)).body).toEqual({ accepted: true, requestId: 'h-1', duplicate: false });
  });

  it("maps a sender's own body; a map that throws is the sender's bad input", async () => {
    const map = (raw: unknown) => {
      const body = raw as { serialNo?: string; msisdn: string; openDate: string };
      if (!body.serialNo) throw new Error('no serial');
      return { requestId: body.serialNo, source: 'renewal', phone: body.msisdn, defaultCountry: 'CN', newSubscriberSince: body.openDate };
    };
    const good = JSON.stringify({ serialNo: 'S-1', msisdn: '13800138000', openDate: '2025-11-20' });
    expect((await send(good, undefined, { map })).body).toEqual({ accepted: true, requestId: 'S-1', duplicate: false });
    const bad = JSON.stringify({ msisdn: '13800138000', openDate: '2025-11-20' });
    expect((await send(bad, undefined, { map })).body).toEqual({ error: 'invalid_input', fields: ['(body)'] });
  });

  it('a failing onNotice answers 500, and the retry reaches onNotice again (a replay is still handed over)', async () => {
    const body = JSON.stringify({ requestId: 'h-3', source: 'test', phone: ATTEMPT.phone, newSubscriberSince: '2025-11-20' });
    const seen: boolean[] = [];
    let fail = true;
    const onNotice = async (result: { duplicate: boolean }) => {
      seen.push(result.duplicate);
      if (fail) throw new Error('user table down');
    };
    expect((await send(body, undefined, { onNotice })).status).toBe(500);
    fail = false;
    expect((await send(body, undefined, { onNotice })).body).toEqual({ accepted: true, requestId: 'h-3', duplicate: true });
    expect(seen).toEqual([false, true]);
  });

  it('refuses a short secret', () => {
    expect(() => hmacSha256Verifier('short')).toThrow(/16 bytes/);
  });
});
