// recycled-number-guard/testing: the conformance suite every store adapter must pass.
//
// Runner-agnostic on purpose: the cases are plain async functions that throw StoreConformanceError,
// so a host runs them under vitest, jest (ESM, top-level await), mocha or node:test without this
// package depending on (or pinning a version of) any test runner. `describeStoreConformance` takes
// the runner's own `describe`/`it`/`it.skip`.
import { DEFAULT_PROFILE_LIMITS, mergeProfile } from '../persist/merge-profile.js';
import { createGuard } from '../guard/create-guard.js';
import { createHasher } from '../persist/keys.js';
import type {
  AccountProfile,
  CachedIntel,
  NumberEvent,
  PendingDecision,
  ProfileLimits,
  ProfilePatch,
  Protection,
  Store,
  StoreCapabilities,
} from '../persist/types.js';
import { prng } from '../util/prng.js';
import { StoreConformanceError } from '../errors/store-conformance-error.js';

export interface ConformanceOptions {
  /** A fresh, empty store for each case (a unique key prefix or schema). Called only inside the cases when `capabilities` is given. */
  makeStore(): Promise<Store> | Store;
  /**
   * The store's capability flags, which decide the cases it is held to. Given, the suite registers
   * without making a store, so nothing connects while the runner collects tests (inside a
   * `describe.skipIf` body too); without it, one store is made at collection to read them.
   */
  capabilities?: StoreCapabilities;
  /**
   * Another instance on the same backend as `store` (as a second app server or a restarted process
   * would have). Without it the persistence case is skipped.
   */
  reopen?(store: Store): Promise<Store> | Store;
  /** Seed of the random patch sequences (default 7); a failure names the sequence and step. */
  seed?: number;
  /** Random patch sequences in the merge-equivalence case (default 24, 16 patches each). */
  sequences?: number;
  /** How many ingested events per number the store keeps (default 32, as the bundled stores). */
  maxEventsPerNumber?: number;
}

export interface ConformanceCase {
  name: string;
  /** Set when the store's capability flags rule the case out; the name then says so too. */
  skip?: string;
  /** A generous per-case timeout for slow CI machines. */
  timeoutMs: number;
  run(): Promise<void>;
}

/** The subset of a test runner the suite needs; vitest: `{ describe, it, skip: it.skip }`. */
export interface ConformanceRunner {
  describe(name: string, body: () => Promise<void>): unknown;
  it(name: string, body: () => Promise<void>, timeoutMs?: number): unknown;
  /** Registers a skipped test (vitest/jest/mocha: `it.skip`; node:test: `(n, f) => it(n, { skip: true }, f)`). */
  skip(name: string, body: () => Promise<void>): unknown;
}

/**
 * Register the suite with a runner whose `describe` accepts an async body (vitest, node:test, mocha
 * with --delay). With jest, call `storeConformanceCases` at the top level of an ESM test file.
 *   describeStoreConformance('my store', { makeStore }, { describe, it, skip: it.skip });
 */
export function describeStoreConformance(name: string, options: ConformanceOptions, runner: ConformanceRunner): void {
  runner.describe(name, async () => {
    let cases: ConformanceCase[];
    try {
      cases = await storeConformanceCases(options);
    } catch (error) {
      // A store that cannot be made (its server is down) fails one test instead of the collection,
      // and inside a skipped describe that test is skipped like the rest.
      runner.it('makeStore() made a store to read its capability flags', async () => {
        throw error;
      });
      return;
    }
    for (const c of cases) {
      if (c.skip) runner.skip(c.name, c.run);
      else runner.it(c.name, c.run, c.timeoutMs);
    }
  });
}

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const HASH_KEY = 'conformance-hash-key-0123456789';

/**
 * The cases. Every one starts from `makeStore()`. Cases the store's capability flags rule out are
 * returned with `skip` set and the reason in the name, never faked.
 */
export async function storeConformanceCases(options: ConformanceOptions): Promise<ConformanceCase[]> {
  const capabilities: StoreCapabilities = options.capabilities ?? (await options.makeStore()).capabilities;
  const make = async () => options.makeStore();
  const limits: ProfileLimits = { ...DEFAULT_PROFILE_LIMITS };
  const sequences = options.sequences ?? 24;
  const maxEvents = options.maxEventsPerNumber ?? 32;
  const cases: ConformanceCase[] = [];
  const add = (name: string, run: () => Promise<void>, timeoutMs = 30_000, requires?: { flag: keyof StoreCapabilities; why: string } | string) => {
    let skip: string | undefined;
    if (typeof requires === 'string') skip = requires;
    else if (requires && !capabilities[requires.flag]) skip = `the store declares ${requires.flag} = false (${requires.why})`;
    cases.push({ name: skip ? `${name} [skipped: ${skip}]` : name, ...(skip ? { skip } : {}), timeoutMs, run });
  };

  add('read-after-write: a written profile reads back exactly as mergeProfile computes it; unknown keys read as empty', async () => {
    const store = await make();
    const keys = { account: 'acct-raw', phone: 'phone-raw' };
    assertEqual(
      await store.read(keys),
      { profile: null, intel: null, numberEvents: [], ...(capabilities.protection ? { protection: null } : {}) },
      'an empty store reads as empty',
    );
    const patch: ProfilePatch = {
      at: T0,
      phoneHash: 'phone-raw',
      device: device('t:first', true),
      location: { key: 'CN|BJ|Beijing', country: 'CN', region: 'BJ', lat: 39.904211, lon: 116.407395 },
      lastLogin: { at: T0, country: 'CN', region: 'BJ', lat: 39.904211, lon: 116.407395, accuracyKm: 25 },
      ownerProofAt: T0,
      strongProofAt: T0 - DAY,
      failedStepUp: { at: T0 - 3_600_000, checks: ['password'] },
    };
    await store.write({ keys, patch }, limits);
    const snapshot = await store.read(keys);
    assertEqual(snapshot.profile, mergeProfile(null, patch, limits), 'profile after one write');
    assertEqual(snapshot.intel, null, 'no carrier cache was written');
    assertEqual(snapshot.numberEvents, [], 'no events were written');
    const second: ProfilePatch = { at: T0 + DAY, phoneHash: 'phone-raw', device: device('t:first', false), location: place('Tianjin') };
    await store.write({ keys, patch: second }, limits);
    assertEqual((await store.read(keys)).profile, mergeProfile(mergeProfile(null, patch, limits), second, limits), 'profile after a second write');
  });

  add(
    `merge equivalence: ${sequences} random patch sequences (ties, late writers, number changes, key rotation, Unicode keys, full-precision numbers, tight limits) read back exactly as mergeProfile computes them`,
    async () => {
      const store = await make();
      const random = prng(options.seed ?? 7);
      for (let sequence = 0; sequence < sequences; sequence++) {
        const keys = { account: `acct-seq-${sequence}`, phone: 'ph-main' };
        const sequenceLimits = LIMIT_SETS[sequence % LIMIT_SETS.length]!;
        let reference: AccountProfile | null = null;
        let at = T0;
        for (let step = 0; step < 16; step++) {
          at = nextTime(random, at);
          const patch = randomPatch(random, at);
          await store.write({ keys, patch }, sequenceLimits);
          reference = mergeProfile(reference, patch, sequenceLimits);
          const stored = (await store.read(keys)).profile;
          assertEqual(stored, reference, `sequence ${sequence} step ${step} (limits ${stable(sequenceLimits)}) after patch ${stable(patch)}`);
        }
      }
    },
    120_000,
  );

  add('bounded history: at most maxDevices, maxLocations and maxFailedStepUps entries, vouched devices kept first, newest first', async () => {
    const store = await make();
    const keys = { account: 'acct-bounded', phone: 'phone-bounded' };
    let reference: AccountProfile | null = null;
    for (let i = 0; i < 40; i++) {
      const at = T0 + i * 3_600_000;
      const patch: ProfilePatch = {
        at,
        phoneHash: 'phone-bounded',
        device: device(`t:d${String(i).padStart(2, '0')}`, i === 3 || i === 7),
        location: place(`L${i}`),
        failedStepUp: { at, checks: ['password'] },
      };
      await store.write({ keys, patch }, limits);
      reference = mergeProfile(reference, patch, limits);
    }
    const profile = (await store.read(keys)).profile;
    assertEqual(profile, reference, 'the bounded profile');
    assertEqual(profile?.devices.length, limits.maxDevices, 'devices kept');
    assertEqual(
      profile?.devices.slice(0, 3).map((d) => d.key),
      ['t:d07', 't:d03', 't:d39'],
      'vouched devices first, then the newest',
    );
    assertEqual(profile?.locations.length, limits.maxLocations, 'places kept');
    assertEqual(profile?.failedStepUps.length, limits.maxFailedStepUps, 'failed step-ups kept');
    assertEqual(profile?.failedStepUps[0]?.at, T0 + 39 * 3_600_000, 'newest failed step-up first');
  });

  add('retention: a write drops every device, place, failed step-up and owner proof older than the window', async () => {
    const store = await make();
    const keys = { account: 'acct-retention', phone: 'phone-retention' };
    const first: ProfilePatch = {
      at: T0,
      phoneHash: 'phone-retention',
      device: device('t:old'),
      location: place('Old'),
      ownerProofAt: T0,
      strongProofAt: T0,
      failedStepUp: { at: T0, checks: ['face'] },
    };
    const late: ProfilePatch = { at: T0 + limits.retentionMs + DAY, phoneHash: 'phone-retention', device: device('t:new') };
    await store.write({ keys, patch: first }, limits);
    await store.write({ keys, patch: late }, limits);
    const profile = (await store.read(keys)).profile;
    assertEqual(profile, mergeProfile(mergeProfile(null, first, limits), late, limits), 'the profile after the window passed');
    assertEqual(
      profile?.devices.map((d) => d.key),
      ['t:new'],
      'only the new device is left',
    );
    assertEqual(
      [profile?.locations.length, profile?.failedStepUps.length, profile?.ownerProofAt],
      [0, 0, undefined],
      'old places, failures and owner proof are gone',
    );
  });

  add('accounts are isolated: one account never sees another account’s profile', async () => {
    const store = await make();
    await store.write({ keys: { account: 'acct-a', phone: 'pa' }, patch: { at: T0, phoneHash: 'pa', device: device('t:a') } }, limits);
    await store.write({ keys: { account: 'acct-b', phone: 'pb' }, patch: { at: T0, phoneHash: 'pb', device: device('t:b') } }, limits);
    assertEqual(
      (await store.read({ account: 'acct-a', phone: 'pa' })).profile?.devices.map((d) => d.key),
      ['t:a'],
      'account a',
    );
    assertEqual(
      (await store.read({ account: 'acct-b', phone: 'pb' })).profile?.devices.map((d) => d.key),
      ['t:b'],
      'account b',
    );
    assertEqual((await store.read({ account: 'acct-c', phone: 'pa' })).profile, null, 'an unknown account on a known number');
  });

  add('pending decisions: exact round trip, single use, and of 20 concurrent takes exactly one wins', async () => {
    const store = await make();
    const first = pendingDecision('dec_conformance_single_use_1', 60_000);
    const second = pendingDecision('dec_conformance_single_use_2', 60_000);
    await store.write({ keys: { account: first.accountKey, phone: 'p' }, pending: first }, limits);
    await store.write({ keys: { account: second.accountKey, phone: 'p' }, pending: second }, limits);
    const takes = await Promise.all(Array.from({ length: 20 }, () => store.takePending(first.decisionId)));
    const winners = takes.filter((taken) => taken !== null);
    assertEqual(winners.length, 1, 'exactly one concurrent take wins');
    assertEqual(winners[0], first, 'the pending decision round-trips exactly');
    assertEqual(await store.takePending(first.decisionId), null, 'a second take finds nothing');
    assertEqual(await store.takePending(second.decisionId), second, 'another pending decision is untouched');
    assertEqual(await store.takePending('dec_never_written_xxxxxxxxxx'), null, 'an unknown id finds nothing');
  });

  add('carrier answers: kept per number (not per account), the latest write wins', async () => {
    const store = await make();
    const intel = cachedIntel(60_000, true);
    await store.write({ keys: { account: 'acct-1', phone: 'phone-n' }, intel }, limits);
    assertEqual((await store.read({ account: 'acct-2', phone: 'phone-n' })).intel, intel, 'another account on the same number sees the answer');
    assertEqual((await store.read({ account: 'acct-1', phone: 'phone-m' })).intel, null, 'another number does not');
    // An account-scoped entry (KYC Match) carries its account's keyed hash; the guard checks it on read.
    const newer: CachedIntel = { ...cachedIntel(60_000, false), fetchedAt: T0 + DAY, account: 'account-scope-hash' };
    await store.write({ keys: { account: 'acct-2', phone: 'phone-n' }, intel: newer }, limits);
    assertEqual((await store.read({ account: 'acct-1', phone: 'phone-n' })).intel, newer, 'the latest answer, with its account scope');
  });

  add(`ingested events: deduplicated by type and time, newest first, at most ${maxEvents} per number (the newest)`, async () => {
    const store = await make();
    const events: NumberEvent[] = [
      { type: 'disconnected', at: T0 - 60 * DAY, source: 'file' },
      { type: 'reissued', at: T0 - 10 * DAY, source: 'file' },
    ];
    await store.addNumberEvents('phone-e', events);
    await store.addNumberEvents('phone-e', [
      { ...events[1]!, source: 'another file' },
      { type: 'ported', at: T0 - 10 * DAY, source: 'notice' },
      { type: 'reissued', at: T0 - 5 * DAY, source: 'notice' },
    ]);
    const read = (await store.read({ account: 'someone', phone: 'phone-e' })).numberEvents;
    assertNewestFirst(read, 'events');
    assertEqual(
      read.map((e) => `${e.type}@${e.at}`).sort(),
      [`disconnected@${T0 - 60 * DAY}`, `ported@${T0 - 10 * DAY}`, `reissued@${T0 - 10 * DAY}`, `reissued@${T0 - 5 * DAY}`].sort(),
      'same type and time kept once; same time with another type, or same type at another time, kept',
    );
    assertEqual((await store.read({ account: 'someone', phone: 'phone-other' })).numberEvents, [], 'another number has none');
    const many = Array.from({ length: maxEvents + 8 }, (_, i): NumberEvent => ({ type: 'sim_change', at: T0 + i * 60_000, source: 'feed' }));
    await store.addNumberEvents('phone-many', many.slice(0, 20));
    await store.addNumberEvents('phone-many', many.slice(20));
    const kept = (await store.read({ account: 'someone', phone: 'phone-many' })).numberEvents;
    assertEqual(
      kept.map((e) => e.at),
      many
        .slice(-maxEvents)
        .map((e) => e.at)
        .reverse(),
      `the newest ${maxEvents}`,
    );
  });

  add(
    'concurrent ingests of one number lose no event',
    async () => {
      const store = await make();
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.addNumberEvents('phone-c', [{ type: 'ported', at: T0 + i * DAY, source: `ingest-${i}` }])));
      const read = (await store.read({ account: 'x', phone: 'phone-c' })).numberEvents;
      assertEqual(read.length, 20, 'all 20 events');
      assertNewestFirst(read, 'events');
    },
    30_000,
    { flag: 'atomicMerge', why: 'concurrent updates may be lost' },
  );

  add(
    'TTL: pending decisions, carrier answers and profiles are there before their TTL and gone after it',
    async () => {
      const store = await make();
      const ttl = 1_000;
      const keys = { account: 'acct-ttl', phone: 'phone-ttl' };
      const probe = pendingDecision('dec_conformance_expiring_01', ttl);
      const expiring = pendingDecision('dec_conformance_expiring_02', ttl);
      const intel = cachedIntel(ttl, false);
      const shortLimits = { ...limits, retentionMs: ttl };
      await store.write({ keys, pending: probe, intel, patch: { at: T0, phoneHash: 'phone-ttl', device: device('t:x') } }, shortLimits);
      await store.write({ keys, pending: expiring }, shortLimits);
      const before = await store.read(keys);
      assertEqual([before.profile !== null, before.intel], [true, intel], 'profile and carrier answer before the TTL');
      assertEqual(await store.takePending(probe.decisionId), probe, 'pending decision before the TTL');
      await sleep(ttl + 600);
      assertEqual(await store.takePending(expiring.decisionId), null, 'expired pending decision');
      const after = await store.read(keys);
      assertEqual(after.intel, null, 'expired carrier answer');
      assertEqual(after.profile, null, 'expired profile (TTL = retention window)');
    },
    30_000,
    { flag: 'ttl', why: 'it does not expire entries itself' },
  );

  add(
    'concurrency: 200 concurrent guard assessments of one account from 50 device tokens leave all 50 devices known, every sighting counted',
    async () => {
      const store = await make();
      const at = Date.parse('2026-01-10T09:00:00Z');
      const guard = createGuard({ store, geo: false, hashKey: HASH_KEY, clock: () => at, budgetMs: 30_000, limits: { maxDevices: 64 } });
      const decisions = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          guard.assess({
            accountId: 'acct-concurrent',
            phone: '+8613800138000',
            phoneBoundAt: '2025-12-01T00:00:00Z',
            lastSeenAt: '2026-01-09T00:00:00Z',
            ip: '198.51.100.7',
            deviceId: `device-${i % 50}`,
            userAgent: IPHONE_UA,
            verified: ['sms_otp', 'password'],
            at: '2026-01-10T09:00:00Z',
          }),
        ),
      );
      assertEqual(decisions.filter((d) => d.action !== 'allow').length, 0, 'attempts not allowed (each allowed one teaches the profile)');
      assertEqual(decisions.filter((d) => !d.persisted).length, 0, 'writes that did not land');
      const hasher = createHasher([HASH_KEY]);
      const profile = (await store.read({ account: 'acct-concurrent', phone: hasher.phone('+8613800138000') })).profile;
      const expected = Array.from({ length: 50 }, (_, i) => `t:${hasher.token(`device-${i}`)}`).sort();
      assertEqual(profile?.devices.map((d) => d.key).sort(), expected, 'the 50 devices known afterwards');
      assertEqual(
        profile?.devices.map((d) => d.count),
        Array.from({ length: 50 }, () => 4),
        'each device seen 4 times',
      );
      const again = await guard.assess({
        accountId: 'acct-concurrent',
        phone: '+8613800138000',
        phoneBoundAt: '2025-12-01T00:00:00Z',
        ip: '198.51.100.7',
        deviceId: 'device-17',
        userAgent: IPHONE_UA,
        at: '2026-01-10T09:00:00Z',
      });
      assertEqual(
        again.reasons.some((reason) => reason.code === 'known_device' || reason.code === 'vouched_device'),
        true,
        'the guard knows device-17',
      );
    },
    120_000,
    { flag: 'atomicMerge', why: 'concurrent updates may be lost' },
  );

  const persistenceSkip = !capabilities.persistent
    ? 'the store declares persistent = false (history is lost with the process)'
    : !capabilities.shared
      ? 'the store declares shared = false (app servers cannot see each other)'
      : !options.reopen
        ? 'no reopen() was given to open a second instance on the same backend'
        : undefined;
  add(
    'a second instance on the same backend (a restart, another app server) sees the history and shares single-use pending decisions',
    async () => {
      const store = await make();
      const keys = { account: 'acct-restart', phone: 'phone-restart' };
      const patch: ProfilePatch = { at: T0, phoneHash: 'phone-restart', device: device('t:kept', true), ownerProofAt: T0 };
      const pending = pendingDecision('dec_conformance_restarted_1', 60_000);
      await store.write({ keys, patch, pending }, limits);
      const other = await options.reopen!(store);
      assertEqual((await other.read(keys)).profile, mergeProfile(null, patch, limits), 'the history seen by the second instance');
      assertEqual(await other.takePending(pending.decisionId), pending, 'the second instance takes the pending decision');
      assertEqual(await store.takePending(pending.decisionId), null, 'after which the first finds it gone');
    },
    30_000,
    persistenceSkip,
  );

  const protectionRequired = { flag: 'protection', why: 'the store cannot hold protected accounts' } as const;
  add(
    'protection: protect keeps the first protection (idempotent), read returns it with the profile, unprotect lifts it, other accounts stay unprotected',
    async () => {
      const store = await make();
      const keys = { account: 'acct-protected', phone: 'phone-protected' };
      const first: Protection = { since: T0, reason: 'owner_request', by: 'owner' };
      assertEqual(await store.protect!(keys.account, first), { created: true, protection: first }, 'the first protect');
      assertEqual(
        await store.protect!(keys.account, { since: T0 + DAY, reason: 'failed_step_up', by: 'guard' }),
        { created: false, protection: first },
        'a second protect keeps the first',
      );
      assertEqual((await store.read(keys)).protection, first, 'read returns the protection');
      assertEqual((await store.read({ account: 'acct-other', phone: 'phone-protected' })).protection, null, 'another account on the same number');
      assertEqual(await store.unprotect!(keys.account), true, 'unprotect lifts it');
      assertEqual(await store.unprotect!(keys.account), false, 'a second unprotect finds nothing');
      assertEqual((await store.read(keys)).protection, null, 'read after unprotect');
    },
    30_000,
    protectionRequired,
  );

  add(
    'counters: hit counts within a fixed window per key, and a new window starts after it',
    async () => {
      const store = await make();
      const counts: number[] = [];
      for (let i = 0; i < 3; i++) counts.push(await store.hit!('freeze:k1', 60_000));
      assertEqual(counts, [1, 2, 3], 'hits in one window');
      assertEqual(await store.hit!('freeze:k2', 60_000), 1, 'another key counts on its own');
      const concurrent = await Promise.all(Array.from({ length: 20 }, () => store.hit!('notice:k3', 60_000)));
      assertEqual(
        [...concurrent].sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1),
        '20 concurrent hits each get their own count',
      );
      assertEqual(await store.hit!('short:k4', 1_000), 1, 'a short window opens');
      await sleep(1_300);
      assertEqual(await store.hit!('short:k4', 1_000), 1, 'after the window a new one starts');
    },
    30_000,
    protectionRequired,
  );

  add(
    'concurrent protect and assess: of 20 concurrent protects exactly one creates it; once protect has answered, no SMS-alone assessment of the account is allowed',
    async () => {
      const store = await make();
      const at = Date.parse('2026-01-10T09:00:00Z');
      const guard = createGuard({ store, geo: false, hashKey: HASH_KEY, clock: () => at, budgetMs: 30_000, checks: ['password'] });
      const attempt = (i: number) =>
        guard.assess({
          accountId: 'acct-protect-race',
          phone: '+8613800138000',
          phoneBoundAt: '2025-12-01T00:00:00Z',
          lastSeenAt: '2026-01-09T00:00:00Z',
          ip: '198.51.100.7',
          deviceId: `device-${i % 5}`,
          userAgent: IPHONE_UA,
          verified: ['sms_otp'],
          at: '2026-01-10T09:00:00Z',
        });
      const [protects] = await Promise.all([
        Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            guard.protect('acct-protect-race', { reason: i % 2 ? 'owner_request' : 'unbind_notice', by: i % 2 ? 'owner' : 'carrier' }),
          ),
        ),
        Promise.all(Array.from({ length: 20 }, (_, i) => attempt(i))),
      ]);
      assertEqual(protects.filter((result) => result.created).length, 1, 'protects that created the protection');
      assertEqual(new Set(protects.map((result) => `${result.since}|${result.reason}|${result.by}`)).size, 1, 'every caller sees the same (first) protection');
      const after = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(i)));
      assertEqual(after.filter((decision) => decision.action === 'allow').length, 0, 'SMS-alone attempts allowed after protect answered');
      assertEqual(
        after.every((decision) => decision.reasons.some((reason) => reason.code === 'account_protected')),
        true,
        'each names account_protected',
      );
      assertEqual(
        after.every((decision) => decision.stepUp?.anyOf.some((set) => set.includes('password')) === true),
        true,
        'each asks for the non-SMS check the host runs',
      );
    },
    120_000,
    protectionRequired,
  );

  add(
    'protection survives a restart: a second instance on the same backend sees the protection, and its guard does not let the SMS code alone in',
    async () => {
      const store = await make();
      await store.protect!('acct-protect-restart', { since: T0, reason: 'owner_request', by: 'owner' });
      const other = await options.reopen!(store);
      assertEqual(
        (await other.read({ account: 'acct-protect-restart', phone: 'p' })).protection,
        { since: T0, reason: 'owner_request', by: 'owner' },
        'the protection seen by the second instance',
      );
      const guard = createGuard({ store: other, geo: false, hashKey: HASH_KEY, clock: () => T0 + DAY, budgetMs: 30_000, checks: [] });
      const decision = await guard.assess({
        accountId: 'acct-protect-restart',
        phone: '+8613800138000',
        phoneBoundAt: T0 - 30 * DAY,
        lastSeenAt: T0,
        ip: '198.51.100.7',
        deviceId: 'device-1',
        userAgent: IPHONE_UA,
        verified: ['sms_otp'],
      });
      assertEqual(decision.action, 'deny', 'a protected account on a host without non-SMS checks');
    },
    30_000,
    !capabilities.protection ? 'the store declares protection = false (it cannot hold protected accounts)' : persistenceSkip,
  );

  return cases;
}

const IPHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

/** Default, tight and degenerate limits: the tight ones make truncation and tie-breaks decide. */
const LIMIT_SETS: ProfileLimits[] = [
  { ...DEFAULT_PROFILE_LIMITS },
  { maxDevices: 3, maxLocations: 2, maxFailedStepUps: 2, retentionMs: 30 * DAY },
  { maxDevices: 1, maxLocations: 1, maxFailedStepUps: 1, retentionMs: 10 * DAY },
  { maxDevices: 5, maxLocations: 4, maxFailedStepUps: 3, retentionMs: 365 * DAY },
];

/**
 * Keys chosen to disagree between orders: upper before lower case (byte order, not a locale's),
 * punctuation, a common prefix, Cyrillic, a private-use character (U+E000) against characters above
 * U+FFFF (JavaScript puts the surrogate pair first; UTF-8 byte order would not).
 */
const DEVICE_KEYS = [
  't:Zeta',
  't:alpha',
  't:alpha-2',
  't:_under',
  't:A',
  'c:android|mobile#Галактика',
  'c:ios|mobile#\uE000',
  'c:ios|mobile#😀',
  'c:ios|mobile#𠀋',
  'c:windows|desktop',
];
const LOCATION_KEYS: [string, string][] = [
  ['CN|BJ|Beijing', 'CN'],
  ['BR|SP|São Paulo', 'BR'],
  ['JP|13|東京', 'JP'],
  ['US||', 'US'],
  ['US|CA|', 'US'],
  ['XX|\uFFFD|x', 'XX'],
  ['XX|😀|x', 'XX'],
];
const CHECKS = ['password', 'face', 'email_link', 'passkey'];

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

/** Mostly forward, often the same instant (ties), sometimes late (out-of-order writers), sometimes a long gap. */
function nextTime(random: () => number, at: number): number {
  const roll = random();
  if (roll < 0.2) return at;
  if (roll < 0.35) return at - Math.floor(random() * 40) * DAY - Math.floor(random() * 1000);
  if (roll < 0.42) return at + Math.floor(random() * 400) * DAY;
  if (roll < 0.45) return at + random() * DAY; // not a whole millisecond: numbers must survive exactly
  return at + Math.floor(random() * 5 * DAY);
}

function randomPatch(random: () => number, at: number): ProfilePatch {
  const roll = random();
  // Usually the account's number; sometimes a new number; sometimes the same number under a rotated key.
  const patch: ProfilePatch =
    roll < 0.75
      ? { at, phoneHash: 'ph-main' }
      : roll < 0.88
        ? { at, phoneHash: 'ph-other' }
        : { at, phoneHash: 'ph-rotated', phoneHashAliases: ['ph-main', 'ph-retired'] };
  if (random() < 0.85) {
    const key = pick(random, DEVICE_KEYS);
    patch.device = {
      key,
      fromToken: key.startsWith('t:'),
      classKey: random() < 0.5 ? 'ios|mobile#iphone' : 'android|mobile#pixel 8',
      deviceType: random() < 0.8 ? 'mobile' : 'desktop',
      vouched: random() < 0.25,
    };
    if (random() < 0.6) patch.device.osFamily = random() < 0.5 ? 'ios' : 'android';
  }
  if (random() < 0.7) {
    const [key, country] = pick(random, LOCATION_KEYS);
    patch.location = { key, country };
    if (random() < 0.7) patch.location.region = key.split('|')[1]!;
    const coordinates = random();
    if (coordinates < 0.5) {
      patch.location.lat = random() * 180 - 90;
      patch.location.lon = random() * 360 - 180;
    } else if (coordinates < 0.6) {
      patch.location.lat = Math.round(random() * 900) / 10; // a lat without a lon: neither is kept
    }
  }
  if (random() < 0.6) {
    patch.lastLogin = { at: random() < 0.8 ? at : at - Math.floor(random() * 3) * DAY, country: 'CN' };
    if (random() < 0.7) Object.assign(patch.lastLogin, { region: 'BJ', lat: random() * 90, lon: random() * 180, accuracyKm: random() * 500 });
  }
  if (random() < 0.5) patch.ownerProofAt = random() < 0.7 ? at : at - Math.floor(random() * 200) * DAY;
  if (random() < 0.2) patch.strongProofAt = random() < 0.7 ? at : at - Math.floor(random() * 200) * DAY;
  if (random() < 0.3) patch.failedStepUp = { at: random() < 0.7 ? at : at - Math.floor(random() * 20) * DAY, checks: CHECKS.filter(() => random() < 0.4) };
  return patch;
}

function device(key: string, vouched = false): NonNullable<ProfilePatch['device']> {
  return { key, fromToken: key.startsWith('t:'), classKey: 'ios|mobile#iphone', osFamily: 'ios', deviceType: 'mobile', vouched };
}

function place(city: string): NonNullable<ProfilePatch['location']> {
  return { key: `CN|BJ|${city}`, country: 'CN', region: 'BJ', lat: 39.9, lon: 116.4 };
}

function pendingDecision(decisionId: string, ttlMs: number): PendingDecision {
  return {
    decisionId,
    accountId: 'acct-pending',
    accountKey: 'acct-pending',
    anyOf: [['password'], ['face', 'email_link']],
    expiresAt: T0 + 600_000,
    ttlMs,
    onPass: { at: T0, phoneHash: 'p', phoneHashAliases: ['p-old'], device: device('t:dp', true), ownerProofAt: T0, strongProofAt: T0 },
    reissuePossible: true,
  };
}

function cachedIntel(ttlMs: number, changed: boolean): CachedIntel {
  return {
    answers: [{ source: 'carrier', changedSince: changed, ...(changed ? { reissuedAt: T0 - 3 * DAY } : {}) }],
    since: T0 - 90 * DAY,
    fetchedAt: T0,
    expiresAt: T0 + DAY,
    ttlMs,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function assertNewestFirst(events: NumberEvent[], what: string): void {
  for (let i = 1; i < events.length; i++) {
    if (events[i - 1]!.at < events[i]!.at) throw new StoreConformanceError(`${what} newest first`, 'non-increasing times', stable(events.map((e) => e.at)));
  }
}

/** JSON with sorted object keys and undefined fields dropped: what a JSON round trip preserves. */
function stable(value: unknown): string {
  return (
    JSON.stringify(value, (_key, entry: unknown) => {
      if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(entry).sort()) out[key] = (entry as Record<string, unknown>)[key];
        return out;
      }
      return entry;
    }) ?? 'undefined'
  );
}

function assertEqual(actual: unknown, expected: unknown, what: string): void {
  if (stable(actual) !== stable(expected)) throw new StoreConformanceError(what, stable(expected), stable(actual));
}

export { StoreConformanceError };
