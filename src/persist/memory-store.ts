import { mergeProfile } from './merge-profile.js';
import { BoundedCache } from '../util/bounded-cache.js';
import type {
  AccountProfile,
  CachedIntel,
  NumberEvent,
  PendingDecision,
  ProfileLimits,
  Protection,
  Store,
  StoreKeys,
  StoreSnapshot,
  StoreWrite,
} from './types.js';

export interface MemoryStoreOptions {
  /** Least recently used accounts are evicted beyond this. */
  maxAccounts?: number;
  /** Bound on numbers with cached carrier answers or ingested events. */
  maxNumbers?: number;
  /** Bound on open step-ups. */
  maxPending?: number;
  /** Wall clock for TTLs (tests pass their own). */
  now?: () => number;
}

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/** Bounded (near-LRU, see BoundedCache) and TTL-aware: expired entries read as absent. */
class BoundedTtlMap<T> {
  private readonly cache: BoundedCache<string, Entry<T>>;
  constructor(
    max: number,
    private readonly now: () => number,
  ) {
    this.cache = new BoundedCache(max);
  }

  get(key: string): T | undefined {
    const entry = this.cache.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.cache.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T, ttlMs: number): void {
    this.cache.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  /** Replace the value, keeping its expiry. */
  update(key: string, value: T): void {
    const entry = this.cache.get(key);
    if (entry) entry.value = value;
  }

  take(key: string): T | undefined {
    const value = this.get(key);
    this.cache.delete(key);
    return value;
  }

  get size(): number {
    return this.cache.size;
  }

  clear(): void {
    this.cache.clear();
  }
}

const EVENT_TTL_MS = 400 * 86_400_000;
const MAX_EVENTS_PER_NUMBER = 32;

/**
 * Synchronous access to a memory store, for the backtest's replay engine: the same reads and
 * writes as the `Store` methods (which call these), without a promise per call.
 */
export interface MemoryStoreSync {
  read(keys: StoreKeys): StoreSnapshot;
  write(write: StoreWrite, limits: ProfileLimits): void;
  protect(account: string, protection: Protection): { created: boolean; protection: Protection };
  unprotect(account: string): boolean;
}

export type MemoryStore = Store & { readonly size: number; clear(): void; readonly sync: MemoryStoreSync };

/**
 * The default store: in-process, bounded and TTL-aware. Right for tests, demos, backtests and
 * single-process apps; history is lost on restart and not shared between app servers.
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const now = options.now ?? Date.now;
  const profiles = new BoundedTtlMap<AccountProfile>(options.maxAccounts ?? 100_000, now);
  const intel = new BoundedTtlMap<CachedIntel>(options.maxNumbers ?? 100_000, now);
  const events = new BoundedTtlMap<NumberEvent[]>(options.maxNumbers ?? 100_000, now);
  const pending = new BoundedTtlMap<PendingDecision>(options.maxPending ?? 100_000, now);
  // Never evicted: dropping a protection would quietly turn SMS-alone logins back on. Protections
  // are rare (owners who lost a number, released numbers), so an unbounded map stays small.
  const protections = new Map<string, Protection>();
  const counters = new BoundedTtlMap<number>(options.maxAccounts ?? 100_000, now);

  const sync: MemoryStoreSync = {
    read(keys) {
      // No copy: the core never mutates a profile, and mergeProfile builds a new one.
      return {
        profile: profiles.get(keys.account) ?? null,
        intel: intel.get(keys.phone) ?? null,
        numberEvents: events.get(keys.phone)?.slice() ?? [],
        protection: protections.get(keys.account) ?? null,
      };
    },
    write(write, limits) {
      // No await between read and write: atomic within this process.
      if (write.patch) {
        profiles.set(write.keys.account, mergeProfile(profiles.get(write.keys.account) ?? null, write.patch, limits), limits.retentionMs);
      }
      if (write.pending) pending.set(write.pending.decisionId, write.pending, write.pending.ttlMs);
      if (write.intel) intel.set(write.keys.phone, write.intel, write.intel.ttlMs);
    },
    protect(account, protection) {
      const current = protections.get(account);
      if (current) return { created: false, protection: { ...current } };
      protections.set(account, { ...protection });
      return { created: true, protection: { ...protection } };
    },
    unprotect(account) {
      return protections.delete(account);
    },
  };

  return {
    name: 'memory',
    sync,
    capabilities: { shared: false, persistent: false, ttl: true, atomicMerge: true, protection: true },
    get size() {
      return profiles.size;
    },
    clear() {
      profiles.clear();
      intel.clear();
      events.clear();
      pending.clear();
      protections.clear();
      counters.clear();
    },
    async read(keys: StoreKeys): Promise<StoreSnapshot> {
      return sync.read(keys);
    },
    async write(write: StoreWrite, limits: ProfileLimits): Promise<void> {
      sync.write(write, limits);
    },
    async takePending(decisionId: string): Promise<PendingDecision | null> {
      return pending.take(decisionId) ?? null;
    },
    async protect(account: string, protection: Protection): Promise<{ created: boolean; protection: Protection }> {
      return sync.protect(account, protection);
    },
    async unprotect(account: string): Promise<boolean> {
      return sync.unprotect(account);
    },
    async hit(key: string, windowMs: number): Promise<number> {
      // A fixed window: the first hit opens it, later hits within it count up.
      const count = (counters.get(key) ?? 0) + 1;
      if (count === 1) counters.set(key, 1, windowMs);
      else counters.update(key, count);
      return count;
    },
    async addNumberEvents(phone: string, added: NumberEvent[]): Promise<void> {
      const current = events.get(phone) ?? [];
      const seen = new Set(current.map((event) => `${event.type}@${event.at}`));
      const merged = [...current];
      for (const event of added) {
        const key = `${event.type}@${event.at}`;
        if (!seen.has(key)) {
          seen.add(key);
          merged.push(event);
        }
      }
      merged.sort((a, b) => b.at - a.at);
      events.set(phone, merged.slice(0, MAX_EVENTS_PER_NUMBER), EVENT_TTL_MS);
    },
  };
}
