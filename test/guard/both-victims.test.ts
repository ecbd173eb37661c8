/**
 * Both victims of a recycled number, end to end through createGuard, on every bundled store
 * (memory, Redis, PostgreSQL server; PGlite too): the previous holder freezes without SMS, the new
 * holder gets the number released, an unbind notice arrives twice, and the dormancy rules hold.
 */
import type { ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createGuard, InvalidInputError, memoryStore, type AttemptInput, type GuardOptions, type NumberIntelProvider, type Store } from 'recycled-number-guard';
import { callbackAuditSink, type AuditRecord } from 'recycled-number-guard/audit';
import { camaraNumberRecycling, createCamaraClient, hostToken } from 'recycled-number-guard/camara';
import { hmacSha256Signature, hmacSha256Verifier, unbindNoticeHandler } from 'recycled-number-guard/http';
import { postgresStore } from 'recycled-number-guard/postgres';
import { redisStore } from 'recycled-number-guard/redis';
import { echo, json, localServer, type LocalServer, type Recorded } from '../providers/helpers.js';
import { createHasher } from '../../src/persist/keys.js';
import { services } from '../services.js';
import { deleteRedisKeys, redisClient, runId } from '../stores/helpers.js';
import { closeEmbedded, postgresTargets } from '../stores/postgres-targets.js';

const run = runId('bv');
const DAY = 86_400_000;
const HASH_KEY = 'both-victims-hash-key-0123456789';
const NOTICE_SECRET = 'unbind-notice-shared-secret-0123';
const PHONE = '+8613800138000';
/** The previous holder bound the number in 2022. */
const BOUND = '2022-03-01T00:00:00Z';
/** The carrier gave the number to its new holder on this day. */
const REISSUED = Date.parse('2025-11-20T00:00:00Z');
const NOW = Date.parse('2026-01-10T09:00:00Z');
const IPHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const ANDROID_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

interface Backend {
  name: string;
  up: () => boolean;
  make(): Promise<Store>;
}

const redisClients: Redis[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
let counter = 0;

const backends: Backend[] = [
  { name: 'memory', up: () => true, make: async () => memoryStore() },
  {
    name: 'redis',
    up: () => services().redis,
    make: async () => {
      if (redisClients.length === 0) redisClients.push(redisClient());
      return redisStore({ client: redisClients[0]!, prefix: `rng-${run}-${counter++}` });
    },
  },
  ...postgresTargets().map((target): Backend => {
    let pool: pg.Pool | undefined;
    return {
      name: `postgres (${target.name})`,
      up: () => target.up,
      make: async () => {
        if (!pool) {
          const opened = (pool = target.pool({ max: 4 }));
          cleanups.push(() => opened.end());
        }
        const schema = `rng_${run}_${counter++}`;
        const owner = pool;
        cleanups.unshift(() => owner.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined));
        const store = postgresStore({ pool, schema });
        await store.migrate();
        return store;
      },
    };
  }),
];

afterAll(async () => {
  for (const client of redisClients) {
    await deleteRedisKeys(client, `rng-${run}-`);
    await client.quit();
  }
  for (const cleanup of cleanups) await cleanup();
  await closeEmbedded();
});

/**
 * A CAMARA Number Recycling endpoint on 127.0.0.1. Once the carrier has reissued the number (on
 * REISSUED), it says "changed since" for any date before that; before, for none.
 */
async function carrierServer(): Promise<LocalServer & { reissue(): void }> {
  let reissued = false;
  const server = await localServer((request: Recorded, response: ServerResponse) => {
    const { specifiedDate } = JSON.parse(request.body || '{}') as { specifiedDate?: string };
    json(response, 200, { phoneNumberRecycled: reissued && specifiedDate !== undefined && Date.parse(specifiedDate) < REISSUED }, echo(request));
  });
  return { ...server, reissue: () => (reissued = true) };
}

function guardOn(store: Store, options: Partial<GuardOptions> = {}) {
  let now = NOW;
  const audit: AuditRecord[] = [];
  const guard = createGuard({
    store,
    preset: 'cloud-drive',
    checks: ['password', 'face'],
    geo: false,
    hashKey: HASH_KEY,
    budgetMs: 10_000,
    clock: () => now,
    audit: callbackAuditSink((record) => void audit.push(record)),
    ...options,
  });
  return { guard, audit, setNow: (at: number) => (now = at) };
}

const newHolder = (overrides: Partial<AttemptInput> = {}): AttemptInput => ({
  accountId: 'acct-old',
  phone: PHONE,
  phoneBoundAt: BOUND,
  ip: '198.51.100.9',
  userAgent: ANDROID_UA,
  deviceId: 'stranger-phone',
  verified: ['sms_otp'],
  ...overrides,
});

for (const backend of backends) {
  describe.skipIf(!backend.up())(`both victims on ${backend.name}`, () => {
    it("(a) the owner lost his number and freezes with his password: the new holder's SMS login is stepped up or denied, never allowed, and the audit shows the freeze", async () => {
      const store = await backend.make();
      const { guard, audit, setNow } = guardOn(store);
      // The owner signed in a month ago with the number and his phone.
      setNow(NOW - 30 * DAY);
      const before = await guard.assess({
        ...newHolder(),
        accountId: 'acct-a',
        lastSeenAt: NOW - 31 * DAY,
        userAgent: IPHONE_UA,
        deviceId: 'owner-phone',
        ip: '198.51.100.7',
      });
      expect(before.action).toBe('allow');
      setNow(NOW);

      // A failed proof freezes nothing.
      expect(await guard.freeze({ accountId: 'acct-a', proof: { check: 'password', passed: false } })).toEqual({ frozen: false, reason: 'proof_failed' });
      // A check below the preset's bar does not either.
      expect(await guard.freeze({ accountId: 'acct-a', proof: { check: 'known_address', passed: true } })).toEqual({ frozen: false, reason: 'check_too_weak' });
      const frozen = await guard.freeze({ accountId: 'acct-a', proof: { check: 'password', passed: true } });
      expect(frozen).toMatchObject({ frozen: true, reason: 'frozen' });

      // The new holder, with the SMS code only, on every host configuration.
      const stepped = await guard.assess(newHolder({ accountId: 'acct-a' }));
      expect(stepped.action).toBe('step_up');
      expect(stepped.reasons.map((reason) => reason.code)).toContain('account_protected');
      expect(stepped.stepUp?.anyOf.flat()).not.toContain('sms_otp');
      expect(stepped.advice).toMatchObject({ newHolder: 'offer_new_account', previousHolder: 'protect_account' });
      const noChecks = guardOn(store, { checks: [] }).guard;
      expect((await noChecks.assess(newHolder({ accountId: 'acct-a' }))).action).toBe('deny');
      // Even on the owner's old device profile and a register attempt, the SMS code alone is not enough.
      for (const action of ['login', 'register', 'recover'] as const) {
        expect((await guard.assess(newHolder({ accountId: 'acct-a', action, userAgent: IPHONE_UA }))).action).not.toBe('allow');
      }

      const kinds = audit.map((record) => record.kind);
      expect(kinds).toContain('freeze');
      const granted = audit.find((record) => record.kind === 'freeze' && record.proof?.granted);
      expect(granted).toMatchObject({
        accountId: 'acct-a',
        proof: { checks: ['password'], passed: true, answer: 'frozen' },
        protection: { reason: 'owner_request', by: 'owner' },
      });
      expect(audit.filter((record) => record.kind === 'freeze' && !record.proof?.granted).map((record) => record.proof?.answer)).toEqual([
        'proof_failed',
        'check_too_weak',
      ]);
      expect(audit.filter((record) => record.kind === 'protect')).toHaveLength(1);
      // No raw number or address in the audit.
      expect(JSON.stringify(audit)).not.toContain('8613800138000');
      expect(JSON.stringify(audit)).not.toContain('198.51.100');

      // Rate-limited per account, in the store (5 per hour by default): the 6th request in the hour is refused.
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push((await guard.freeze({ accountId: 'acct-a', proof: { check: 'password', passed: true } })).reason);
      // Requests 4 and 5 of the hour still answer; the 6th is refused.
      expect(answers).toEqual(['already_frozen', 'already_frozen', 'rate_limited']);
      // Another app server on the same store counts with it.
      if (store.capabilities.shared) {
        const otherServer = guardOn(store).guard;
        expect((await otherServer.freeze({ accountId: 'acct-a', proof: { check: 'password', passed: true } })).reason).toBe('rate_limited');
      }

      // Unprotecting needs a passed non-SMS check at the preset's high bar.
      expect(await guard.unprotect('acct-a', { check: 'email', passed: true })).toMatchObject({ unprotected: false, reason: 'check_too_weak' });
      expect(await guard.unprotect('acct-a', { check: 'face', passed: false })).toMatchObject({ unprotected: false, reason: 'proof_failed' });
      expect(await guard.unprotect('acct-a', { check: 'face', passed: true })).toMatchObject({ unprotected: true, reason: 'unprotected' });
      expect(audit.filter((record) => record.kind === 'unprotect').map((record) => record.proof?.answer)).toEqual([
        'check_too_weak',
        'proof_failed',
        'unprotected',
      ]);
    });

    it('(b) the new holder presses "register" on a bound number and the carrier says reissued: released, a new account made, the old one protected with its data intact', async () => {
      const carrier = await carrierServer();
      try {
        const store = await backend.make();
        const provider: NumberIntelProvider = camaraNumberRecycling(
          createCamaraClient({ apiRoot: carrier.url, auth: hostToken({ legs: 2, token: () => 't' }) }),
        );
        const { guard, audit, setNow } = guardOn(store, { numberIntel: provider });
        // The previous holder's history: a login in 2025, before the number went.
        setNow(Date.parse('2025-06-01T00:00:00Z'));
        await guard.assess(
          newHolder({
            lastSeenAt: '2025-05-30T00:00:00Z',
            userAgent: IPHONE_UA,
            deviceId: 'owner-phone',
            verified: ['sms_otp', 'password'],
            ip: '198.51.100.7',
          }),
        );
        setNow(NOW);
        carrier.reissue();
        const hashed = createHasher([HASH_KEY]).phone(PHONE);
        const oldProfile = (await store.read({ account: 'acct-old', phone: hashed })).profile;
        expect(oldProfile?.devices.length).toBeGreaterThan(0);

        const register = await guard.assess(newHolder({ action: 'register' }));
        expect(register.action).not.toBe('allow');
        expect(register.numberChangedHands).toBe('yes');
        expect(register.advice.newHolder).toBe('offer_new_account');

        // The SMS code alone is never enough: the proof must be named, and a wrong one is refused.
        await expect(
          guard.releaseNumber({ phone: PHONE, proofOfPossession: 'none' as 'sms_otp', bindings: [{ accountId: 'acct-old', phoneBoundAt: BOUND }] }),
        ).rejects.toThrow(InvalidInputError);
        const released = await guard.releaseNumber({
          phone: '+86 138 0013 8000',
          proofOfPossession: 'sms_otp',
          bindings: [{ accountId: 'acct-old', phoneBoundAt: BOUND }],
        });
        expect(released.phone).toBe(PHONE);
        expect(released.refused).toEqual([]);
        expect(released.released).toHaveLength(1);
        expect(released.released[0]).toMatchObject({
          accountId: 'acct-old',
          evidence: { rule: 'carrier_confirmed', numberChangedHands: 'yes', sources: ['camara-number-recycling'] },
        });

        // The host registers the new holder: a fresh account on the same number, let in by the SMS code.
        const fresh = await guard.assess(newHolder({ accountId: 'acct-new', phoneBoundAt: NOW - 60_000 }));
        expect(fresh.action).toBe('allow');
        expect(fresh.reasons.map((reason) => reason.code)).not.toContain('account_protected');

        // The old account: protected, its data kept, its SMS login off.
        const after = await store.read({ account: 'acct-old', phone: hashed });
        expect(after.protection).toMatchObject({ by: expect.any(String) });
        expect(after.profile?.devices).toEqual(oldProfile?.devices);
        const again = await guard.assess(newHolder());
        expect(again.action).not.toBe('allow');
        expect(again.reasons.map((reason) => reason.code)).toContain('account_protected');
        const releaseRecord = audit.find((record) => record.kind === 'release');
        expect(releaseRecord).toMatchObject({
          accountId: 'acct-old',
          release: { released: true, rule: 'carrier_confirmed', evidence: ['camara-number-recycling'] },
        });
        expect(releaseRecord?.phoneHash).toBe(hashed);
      } finally {
        await carrier.close();
      }
    });

    it('(c) no carrier data: "register" on an account dormant beyond the aging period, a failed step-up, then a release per policy', async () => {
      const store = await backend.make();
      const { guard, audit } = guardOn(store);
      const dormant = { accountId: 'acct-c', lastSeenAt: NOW - 300 * DAY };
      const binding = { accountId: 'acct-c', phoneBoundAt: BOUND, lastSeenAt: NOW - 300 * DAY };

      // Before anything failed, a possible reissue alone releases nothing.
      const early = await guard.releaseNumber({ phone: PHONE, proofOfPossession: 'sms_otp', bindings: [binding] });
      expect(early).toMatchObject({ released: [], refused: [{ accountId: 'acct-c', reason: 'needs_failed_step_up' }] });

      const register = await guard.assess(newHolder({ ...dormant, action: 'register' }));
      expect(register.action).toBe('step_up');
      const failed = await guard.recordOutcome(register.id, { check: 'password', passed: false, accountId: 'acct-c' });
      expect(failed).toMatchObject({ action: 'deny', satisfied: false, protected: true, advice: { newHolder: 'offer_new_account' } });

      const released = await guard.releaseNumber({ phone: PHONE, proofOfPossession: 'sms_otp', bindings: [binding] });
      expect(released.refused).toEqual([]);
      expect(released.released[0]).toMatchObject({
        accountId: 'acct-c',
        evidence: { rule: 'likely_and_failed_step_up', failedStepUps: [new Date(NOW).toISOString()] },
      });
      expect(audit.filter((record) => record.kind === 'release').map((record) => record.release?.released)).toEqual([false, true]);

      // An owner who proved the number recently is never released from it, whatever else happened.
      const recent = await guard.releaseNumber({
        phone: PHONE,
        proofOfPossession: 'sms_otp',
        bindings: [{ accountId: 'acct-c2', phoneBoundAt: BOUND, lastSeenAt: NOW - 5 * DAY }],
      });
      expect(recent.refused).toEqual([{ accountId: 'acct-c2', reason: 'owner_held_number_recently', numberChangedHands: 'no' }]);
    });

    it('(d) an unbind notice sent twice over HTTP (HMAC-signed) is stored once and protects the account once; bindings before its date count as changed hands', async () => {
      const store = await backend.make();
      const { guard, audit } = guardOn(store);
      const protectedBy: string[] = [];
      const bindings = new Map([[PHONE, ['acct-d']]]);
      const server = await localServer(async (request, response) => {
        const handler = unbindNoticeHandler(guard, {
          verify: hmacSha256Verifier(NOTICE_SECRET),
          onNotice: async (result) => {
            for (const accountId of bindings.get(result.phone) ?? []) {
              const answer = await guard.protect(accountId, { reason: 'unbind_notice', by: 'carrier' });
              if (answer.created) protectedBy.push(accountId);
            }
          },
        });
        await handler(
          Object.assign(
            (async function* () {
              yield Buffer.from(request.body);
            })(),
            { headers: request.headers, method: request.method },
          ),
          response,
        );
      });
      try {
        const body = JSON.stringify({
          requestId: 'unbind-2026-0001',
          source: 'cmcc-unbind',
          phone: '13800138000',
          defaultCountry: 'CN',
          newSubscriberSince: '2025-11-20',
        });
        const send = (signature: string) =>
          fetch(`${server.url}/notices`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': signature }, body });
        const forged = await send(hmacSha256Signature('some-other-secret-0123456789', body));
        expect(forged.status).toBe(401);
        const first = await send(hmacSha256Signature(NOTICE_SECRET, body));
        const second = await send(hmacSha256Signature(NOTICE_SECRET, body));
        expect([first.status, second.status]).toEqual([200, 200]);
        expect(await first.json()).toEqual({ accepted: true, requestId: 'unbind-2026-0001', duplicate: false });
        expect(await second.json()).toEqual({ accepted: true, requestId: 'unbind-2026-0001', duplicate: true });
        expect(protectedBy).toEqual(['acct-d']);
        expect(audit.filter((record) => record.kind === 'protect')).toHaveLength(1);

        // Bound before the notice's date: carrier-confirmed, and released to the new holder.
        const login = await guard.assess(newHolder({ accountId: 'acct-d', lastSeenAt: NOW - 20 * DAY }));
        expect(login.numberChangedHands).toBe('yes');
        expect(login.action).not.toBe('allow');
        const released = await guard.releaseNumber({ phone: PHONE, proofOfPossession: 'sms_otp', bindings: [{ accountId: 'acct-d', phoneBoundAt: BOUND }] });
        expect(released.released[0]?.evidence).toMatchObject({ rule: 'reissue_event', sources: ['unbind:cmcc-unbind'] });
        // Bound after it: the new holder's own binding, untouched.
        const own = await guard.releaseNumber({
          phone: PHONE,
          proofOfPossession: 'sms_otp',
          bindings: [{ accountId: 'acct-d-new', phoneBoundAt: '2025-12-01T00:00:00Z', lastSeenAt: NOW - DAY }],
        });
        expect(own.released).toEqual([]);
      } finally {
        await server.close();
      }
    });

    it("(e) dormancy: the owner's last proof is 200 days old, and the SMS code alone is not enough; the sweep lists him for a notice, later for protection", async () => {
      const store = await backend.make();
      const { guard, setNow } = guardOn(store);
      setNow(NOW - 200 * DAY);
      const earlier = await guard.assess(
        newHolder({ accountId: 'acct-e', lastSeenAt: NOW - 201 * DAY, userAgent: IPHONE_UA, deviceId: 'owner-phone', ip: '198.51.100.7' }),
      );
      expect(earlier.action).toBe('allow');
      setNow(NOW);
      // Back after 200 days on a new phone, with the SMS code only.
      const back = await guard.assess(newHolder({ accountId: 'acct-e', deviceId: 'owner-new-phone' }));
      expect(back.action).toBe('step_up');
      expect(back.reasons.find((reason) => reason.code === 'dormant_account')?.details).toMatchObject({ dormancyDays: 200, smsAloneAfterDays: 180 });
      expect((await guardOn(store, { checks: [] }).guard.assess(newHolder({ accountId: 'acct-e', deviceId: 'owner-new-phone' }))).action).toBe('deny');

      const bindings = [
        { accountId: 'acct-e', phone: PHONE, phoneBoundAt: BOUND },
        { accountId: 'acct-active', phone: '+8613900139000', phoneBoundAt: BOUND, lastSeenAt: NOW - 3 * DAY },
        { accountId: 'acct-gone', phone: '+8613700137000', phoneBoundAt: BOUND, lastSeenAt: NOW - 400 * DAY },
      ];
      const batches = [];
      for await (const batch of guard.sweepDormancy(bindings, { batchSize: 2 })) batches.push(batch);
      expect(batches.map((batch) => batch.read)).toEqual([2, 3]);
      expect(batches.flatMap((batch) => batch.notice.map((finding) => [finding.accountId, finding.dormantDays, finding.lastProofFrom]))).toEqual([
        ['acct-e', 200, 'history'],
      ]);
      expect(batches.flatMap((batch) => batch.protect.map((finding) => finding.accountId))).toEqual(['acct-gone']);
      await guard.protect('acct-gone', { reason: 'dormancy', by: 'guard' });
      const again = [];
      for await (const batch of guard.sweepDormancy(bindings)) again.push(...batch.protect);
      expect(again).toEqual([]);
    });

    it("(f) a protection the guard set itself ends when the owner passes the step-up at the high bar; the owner's own freeze does not", async () => {
      const store = await backend.make();
      const { guard, audit, setNow } = guardOn(store);
      const owner = (accountId: string) => newHolder({ accountId, userAgent: IPHONE_UA, deviceId: 'owner-phone', ip: '198.51.100.7' });
      setNow(NOW - 10 * DAY);
      for (const accountId of ['acct-f', 'acct-f2']) {
        expect((await guard.assess({ ...owner(accountId), lastSeenAt: NOW - 11 * DAY })).action).toBe('allow');
      }
      setNow(NOW);
      // A carrier once reported the owner's port as a new subscriber; the other owner froze his account himself.
      await guard.protect('acct-f', { reason: 'carrier_event', by: 'carrier' });
      await guard.freeze({ accountId: 'acct-f2', proof: { check: 'password', passed: true } });

      for (const accountId of ['acct-f', 'acct-f2']) {
        const stepped = await guard.assess(owner(accountId));
        expect(stepped.action).toBe('step_up');
        expect(stepped.reasons.map((reason) => reason.code)).toContain('account_protected');
        if (!stepped.stepUp) throw new Error('a step-up names its checks');
        const outcome = await guard.recordOutcome(stepped.id, { check: 'face', passed: true, accountId });
        expect(outcome).toMatchObject({ satisfied: true, action: 'allow' });
        expect(outcome.protectionLifted).toBe(accountId === 'acct-f' ? true : undefined);
      }
      const hashed = createHasher([HASH_KEY]).phone(PHONE);
      expect((await store.read({ account: 'acct-f', phone: hashed })).protection ?? null).toBeNull();
      expect((await store.read({ account: 'acct-f2', phone: hashed })).protection).toMatchObject({ reason: 'owner_request', by: 'owner' });
      // The next SMS login of the owner on his phone is let in again; the frozen account still asks for more.
      expect((await guard.assess(owner('acct-f'))).action).toBe('allow');
      expect((await guard.assess(owner('acct-f2'))).action).toBe('step_up');
      expect(audit.filter((record) => record.kind === 'unprotect')).toEqual([
        expect.objectContaining({
          accountId: 'acct-f',
          decisionId: expect.stringMatching(/^dec_/),
          proof: expect.objectContaining({ checks: ['face'], answer: 'unprotected' }),
        }),
      ]);

      // A failed step-up on a protected account lifts nothing.
      await guard.protect('acct-f', { reason: 'failed_step_up', by: 'guard' });
      const again = await guard.assess(owner('acct-f'));
      const failed = await guard.recordOutcome(again.id, { check: 'face', passed: false, accountId: 'acct-f' });
      expect(failed.protectionLifted).toBeUndefined();
      expect((await store.read({ account: 'acct-f', phone: hashed })).protection).toMatchObject({ reason: 'failed_step_up' });
    });
  });
}
