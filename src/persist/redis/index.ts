// recycled-number-guard/redis: history in Redis (standalone or Cluster), shared by every app server.
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { CorruptStoreDataError } from '../../errors/corrupt-store-data-error.js';
import { GuardConfigError } from '../../errors/guard-config-error.js';
import { RecycledNumberGuardError } from '../../errors/recycled-number-guard-error.js';
import { decodeEvents, decodeIntel, decodePending, decodeProfile, decodeProtection } from '../stored-json.js';
import type { CachedIntel, NumberEvent, PendingDecision, ProfileLimits, Protection, Store, StoreKeys, StoreSnapshot, StoreWrite } from '../types.js';
import { ADD_EVENTS_LUA, HIT_LUA, MERGE_PROFILE_LUA, PROTECT_LUA, TAKE_LUA } from './merge.lua.js';
import { RedisStoreError, type RedisOperation } from '../../errors/redis-store-error.js';

export interface RedisStoreOptions {
  /** The host's ioredis client: `new Redis(...)` or `new Redis.Cluster(...)`. The store never closes it. */
  client: Redis | Cluster;
  /** Key prefix; one per deployment (or per test run). Letters, digits, `:`, `_`, `-`. Default `rng`. */
  prefix?: string;
  /** How long ingested number events are kept after the last ingest for the number. Default 400 days. */
  eventTtlMs?: number;
  /** Events kept per number, newest first. Default 32. */
  maxEventsPerNumber?: number;
  /**
   * Told when stored data failed validation and was dropped: a corrupt carrier cache read as a miss,
   * or a corrupt profile replaced by a write. (A corrupt profile or event list on read is not
   * dropped: the read fails and the guard reports the history as unavailable.)
   */
  onCorruptData?: (error: CorruptStoreDataError) => void;
}

export interface RedisKeyLayout {
  /** The account's profile. Hash tag `{a:<account>}`. */
  profile(account: string): string;
  /** Cached carrier answers for a number (by keyed hash). Hash tag `{n:<hash>}`. */
  intel(phoneHash: string): string;
  /** Ingested events for a number (by keyed hash). Same hash tag as `intel`. */
  events(phoneHash: string): string;
  /** A pending step-up. Hash tag `{d:<decision id>}`. */
  pending(decisionId: string): string;
  /** The account's protection, in the profile's slot (read in the same request). */
  protection(account: string): string;
  /** A rate-limit or replay counter. Hash tag `{c:<key>}`. */
  counter(key: string): string;
}

const DAY = 86_400_000;
const EVENT_TTL_MS = 400 * DAY;
const MAX_EVENTS_PER_NUMBER = 32;

/**
 * Where everything lives. The braces are Redis Cluster hash tags: everything about one account is
 * in one slot, everything about one number in one slot. Ids are URI-encoded, so a `}` in an account
 * id cannot end the tag early; `phoneHash` is the keyed HMAC, never the number.
 */
export function redisKeyLayout(prefix = 'rng'): RedisKeyLayout {
  const safe = encodeURIComponent;
  return {
    profile: (account) => `${prefix}:{a:${safe(account)}}:profile`,
    intel: (phoneHash) => `${prefix}:{n:${safe(phoneHash)}}:intel`,
    events: (phoneHash) => `${prefix}:{n:${safe(phoneHash)}}:events`,
    pending: (decisionId) => `${prefix}:{d:${safe(decisionId)}}:pending`,
    protection: (account) => `${prefix}:{a:${safe(account)}}:protection`,
    counter: (key) => `${prefix}:{c:${safe(key)}}:hit`,
  };
}

interface Script {
  source: string;
  sha: string;
}
const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });
const MERGE = script(MERGE_PROFILE_LUA);
const ADD_EVENTS = script(ADD_EVENTS_LUA);
const TAKE = script(TAKE_LUA);
const PROTECT = script(PROTECT_LUA);
const HIT = script(HIT_LUA);

const isNoScript = (error: unknown) => error instanceof Error && error.message.startsWith('NOSCRIPT');
const isUnknownCommand = (error: unknown) => error instanceof Error && /unknown command/i.test(error.message);

/** Redis wants whole milliseconds; a TTL of zero or less means "already expired": nothing to keep. */
const px = (ms: number) => (Number.isFinite(ms) && ms > 0 ? Math.ceil(ms) : 0);

type PipelineResult = [error: Error | null, result: unknown][] | null;

function resultAt(results: PipelineResult, index: number): unknown {
  const entry = results?.[index];
  if (!entry) throw new Error('pipeline returned no result');
  if (entry[0]) throw entry[0];
  return entry[1];
}

/**
 * Round trips per assess (the guard calls `read` once and `write` once):
 *  - standalone: read = 1 (a pipeline of MGET profile, protection + MGET intel, events); write = 1 (a pipeline of
 *    EVALSHA merge + SET pending PX + SET intel PX). After a Redis restart or SCRIPT FLUSH the first
 *    write takes a second one (EVAL with the source, which reloads the script).
 *  - Cluster: the account's, the number's and the decision's keys are in different slots, so the
 *    same commands go out as separate requests in parallel, one per slot: read = 2 requests, write =
 *    up to 3, each about one round trip of latency.
 * Atomicity: the profile merge is one Lua script (atomic in Redis), so concurrent writers never
 * lose an update. `takePending` is GETDEL (one winner among concurrent takes).
 */
export function redisStore(options: RedisStoreOptions): Store {
  const { client } = options;
  if (!client || typeof (client as Redis).pipeline !== 'function' || typeof (client as Redis).evalsha !== 'function') {
    throw new GuardConfigError('redisStore.client', 'pass an ioredis client (new Redis(...) or new Redis.Cluster(...))');
  }
  const prefix = options.prefix ?? 'rng';
  if (!/^[A-Za-z0-9:_-]{1,64}$/.test(prefix)) throw new GuardConfigError('redisStore.prefix', 'letters, digits, : _ - only, at most 64 characters');
  const eventTtlMs = options.eventTtlMs ?? EVENT_TTL_MS;
  if (!Number.isInteger(eventTtlMs) || eventTtlMs < 1) throw new GuardConfigError('redisStore.eventTtlMs', 'a positive whole number of milliseconds');
  const maxEvents = options.maxEventsPerNumber ?? MAX_EVENTS_PER_NUMBER;
  if (!Number.isInteger(maxEvents) || maxEvents < 1 || maxEvents > 1000)
    throw new GuardConfigError('redisStore.maxEventsPerNumber', 'a whole number from 1 to 1000');
  const isCluster = (client as Cluster).isCluster === true;
  const keys = redisKeyLayout(prefix);
  const corrupt = (error: CorruptStoreDataError) => {
    try {
      options.onCorruptData?.(error);
    } catch {
      // A failing logger must not fail a login decision.
    }
  };
  let hasGetdel = true;

  /** EVALSHA, and EVAL once if the server's script cache was flushed (it then holds the script again). */
  async function evalScript(code: Script, key: string, args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(code.sha, 1, key, ...args);
    } catch (error) {
      if (isNoScript(error)) return client.eval(code.source, 1, key, ...args);
      throw error;
    }
  }

  async function guarded<T>(operation: RedisOperation, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof RecycledNumberGuardError) throw error;
      throw new RedisStoreError(operation, error);
    }
  }

  function decodeSnapshot(profileRaw: unknown, intelRaw: unknown, eventsRaw: unknown, protectionRaw: unknown): StoreSnapshot {
    let intel: CachedIntel | null = null;
    if (typeof intelRaw === 'string') {
      try {
        intel = decodeIntel(intelRaw);
      } catch (error) {
        // A cache miss is always safe (the carrier is asked again), so a corrupt cache is only a miss.
        if (!(error instanceof CorruptStoreDataError)) throw error;
        corrupt(error);
      }
    }
    return {
      profile: typeof profileRaw === 'string' ? decodeProfile(profileRaw) : null,
      intel,
      numberEvents: typeof eventsRaw === 'string' ? decodeEvents(eventsRaw) : [],
      // A corrupt protection fails the read: the guard then fails closed, never open.
      protection: typeof protectionRaw === 'string' ? decodeProtection(protectionRaw) : null,
    };
  }

  function read(storeKeys: StoreKeys, signal?: AbortSignal): Promise<StoreSnapshot> {
    return guarded('read', async () => {
      // Past the budget the guard has already answered: send nothing.
      signal?.throwIfAborted();
      const profileKey = keys.profile(storeKeys.account);
      const numberKeys = [keys.intel(storeKeys.phone), keys.events(storeKeys.phone)] as const;
      const protectionKey = keys.protection(storeKeys.account);
      if (isCluster) {
        // The profile and the protection share the account's slot: one MGET.
        const [accountRaw, numberRaw] = await Promise.all([client.mget(profileKey, protectionKey), client.mget(...numberKeys)]);
        return decodeSnapshot(accountRaw[0], numberRaw[0], numberRaw[1], accountRaw[1]);
      }
      const results = (await client
        .pipeline()
        .mget(profileKey, protectionKey)
        .mget(...numberKeys)
        .exec()) as PipelineResult;
      const accountRaw = resultAt(results, 0) as (string | null)[];
      const numberRaw = resultAt(results, 1) as (string | null)[];
      return decodeSnapshot(accountRaw[0], numberRaw[0], numberRaw[1], accountRaw[1]);
    });
  }

  function mergeArgs(write: StoreWrite, limits: ProfileLimits): (string | number)[] {
    return [JSON.stringify(write.patch), JSON.stringify(limits), Math.max(1, px(limits.retentionMs))];
  }

  function afterMerge(status: unknown): void {
    if (status === 2) corrupt(new CorruptStoreDataError('profile', 'failed validation and was replaced by this write'));
  }

  function write(write: StoreWrite, limits: ProfileLimits, signal?: AbortSignal): Promise<void> {
    return guarded('write', async () => {
      signal?.throwIfAborted();
      const profileKey = keys.profile(write.keys.account);
      const pendingTtl = write.pending ? px(write.pending.ttlMs) : 0;
      const intelTtl = write.intel ? px(write.intel.ttlMs) : 0;

      if (isCluster) {
        // Different slots: one request per slot, all in flight at once.
        const work: Promise<unknown>[] = [];
        if (write.patch) work.push(evalScript(MERGE, profileKey, mergeArgs(write, limits)).then(afterMerge));
        if (write.pending && pendingTtl > 0) work.push(client.set(keys.pending(write.pending.decisionId), JSON.stringify(write.pending), 'PX', pendingTtl));
        if (write.intel && intelTtl > 0) work.push(client.set(keys.intel(write.keys.phone), JSON.stringify(write.intel), 'PX', intelTtl));
        await Promise.all(work);
        return;
      }

      const pipeline = client.pipeline();
      let commands = 0;
      if (write.patch) {
        pipeline.evalsha(MERGE.sha, 1, profileKey, ...mergeArgs(write, limits));
        commands++;
      }
      if (write.pending && pendingTtl > 0) {
        pipeline.set(keys.pending(write.pending.decisionId), JSON.stringify(write.pending), 'PX', pendingTtl);
        commands++;
      }
      if (write.intel && intelTtl > 0) {
        pipeline.set(keys.intel(write.keys.phone), JSON.stringify(write.intel), 'PX', intelTtl);
        commands++;
      }
      if (commands === 0) return;
      const results = (await pipeline.exec()) as PipelineResult;
      for (let index = 0; index < commands; index++) {
        const [error, result] = results?.[index] ?? [new Error('pipeline returned no result'), null];
        if (index === 0 && write.patch) {
          if (error && isNoScript(error)) afterMerge(await client.eval(MERGE.source, 1, profileKey, ...mergeArgs(write, limits)));
          else if (error) throw error;
          else afterMerge(result);
        } else if (error) {
          throw error;
        }
      }
    });
  }

  function takePending(decisionId: string): Promise<PendingDecision | null> {
    return guarded('takePending', async () => {
      const key = keys.pending(decisionId);
      let raw: unknown;
      if (hasGetdel) {
        try {
          // GETDEL is atomic: of concurrent takes, exactly one gets the value. Expired keys are gone.
          raw = await client.getdel(key);
        } catch (error) {
          if (!isUnknownCommand(error)) throw error;
          hasGetdel = false; // Redis before 6.2: the same in a script.
          raw = await evalScript(TAKE, key, []);
        }
      } else {
        raw = await evalScript(TAKE, key, []);
      }
      return typeof raw === 'string' ? decodePending(raw) : null;
    });
  }

  function addNumberEvents(phone: string, added: NumberEvent[]): Promise<void> {
    return guarded('addNumberEvents', async () => {
      if (added.length === 0) return;
      // One script: dedupe, order, bound and TTL, atomic against concurrent ingests of the number.
      await evalScript(ADD_EVENTS, keys.events(phone), [JSON.stringify(added), maxEvents, eventTtlMs]);
    });
  }

  function protect(account: string, protection: Protection, signal?: AbortSignal): Promise<{ created: boolean; protection: Protection }> {
    return guarded('protect', async () => {
      signal?.throwIfAborted();
      // One script: of concurrent protects, the first is kept and every caller learns which it was.
      const [created, raw] = (await evalScript(PROTECT, keys.protection(account), [JSON.stringify(protection)])) as [number, string];
      return { created: created === 1, protection: decodeProtection(raw) };
    });
  }

  function unprotect(account: string, signal?: AbortSignal): Promise<boolean> {
    return guarded('unprotect', async () => {
      signal?.throwIfAborted();
      return (await client.del(keys.protection(account))) > 0;
    });
  }

  function hit(key: string, windowMs: number, signal?: AbortSignal): Promise<number> {
    return guarded('hit', async () => {
      signal?.throwIfAborted();
      return Number(await evalScript(HIT, keys.counter(key), [Math.max(1, px(windowMs))]));
    });
  }

  return {
    name: 'redis',
    capabilities: { shared: true, persistent: true, ttl: true, atomicMerge: true, protection: true },
    read,
    write,
    takePending,
    addNumberEvents,
    protect,
    unprotect,
    hit,
  };
}

export { MERGE_PROFILE_LUA, ADD_EVENTS_LUA };

export { RedisStoreError };
