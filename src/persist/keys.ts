import { createHmac, randomBytes } from 'node:crypto';
import { BoundedCache } from '../util/bounded-cache.js';
import type { AccountProfile, CachedIntel, DeviceRecord, NumberEvent, StoreSnapshot } from './types.js';

/**
 * Keyed hashing for everything that identifies a person at rest: phone numbers and device tokens.
 * HMAC-SHA-256 with the host's secret; without the key a stored hash cannot be tested against a
 * list of numbers (the number space is small enough to enumerate, so a plain hash would not do).
 */
export interface Hasher {
  /** Hash under the current key. */
  phone(e164: string): string;
  token(value: string): string;
  /**
   * Hashes of the same number under the retired keys (`hashKey: [current, ...retired]`), so history
   * written before a key rotation is still found. Empty when only one key is configured.
   */
  phoneAliases(e164: string): string[];
  tokenAliases(value: string): string[];
  /** True when the key was generated for this process (history cannot outlive it). */
  readonly ephemeral: boolean;
}

// Logins repeat numbers and tokens; an HMAC costs microseconds, a map lookup far less. The caches
// live in process memory only, bounded, and are never written anywhere.
function cached<T>(compute: (value: string) => T, size: number): (value: string) => T {
  const cache = new BoundedCache<string, T>(size);
  return (value) => {
    let hit = cache.get(value);
    if (hit === undefined) {
      hit = compute(value);
      cache.set(value, hit);
    }
    return hit;
  };
}

export interface HasherOptions {
  /** Entries per in-memory cache (numbers, tokens): 50,000 unless a replay asks for more. */
  cacheSize?: number;
}

export function createHasher(keys: readonly (string | Uint8Array)[] | undefined, options: HasherOptions = {}): Hasher {
  const size = options.cacheSize ?? 50_000;
  const ephemeral = !keys || keys.length === 0;
  const secrets = ephemeral ? [randomBytes(32)] : keys;
  const mac = (secret: string | Uint8Array, domain: string, value: string) =>
    createHmac('sha256', secret).update(domain).update('\0').update(value).digest('base64url');
  const current = secrets[0]!;
  const retired = secrets.slice(1);
  const none: string[] = [];
  // Without rotation the alias lookups cost nothing: no HMAC, no cache, one shared empty array.
  const aliases = (compute: (secret: string | Uint8Array, value: string) => string) =>
    retired.length === 0 ? () => none : cached((value) => retired.map((secret) => compute(secret, value)), size);
  const phoneMac = (secret: string | Uint8Array, e164: string) => mac(secret, 'phone', e164);
  const tokenMac = (secret: string | Uint8Array, value: string) => mac(secret, 'device', value).slice(0, 22);
  return {
    phone: cached((e164) => phoneMac(current, e164), size),
    token: cached((value) => tokenMac(current, value), size),
    phoneAliases: aliases(phoneMac),
    tokenAliases: aliases(tokenMac),
    ephemeral,
  };
}

const ID_POOL_BYTES = 4096;
let idPool = Buffer.alloc(0);
let idOffset = ID_POOL_BYTES;

/** 128 random bits as base64url. Drawn from a pooled buffer: one system call per 256 ids. */
export function randomId128(): string {
  if (idOffset + 16 > idPool.length) {
    idPool = randomBytes(ID_POOL_BYTES);
    idOffset = 0;
  }
  const id = idPool.toString('base64url', idOffset, idOffset + 16);
  idOffset += 16;
  return id;
}

/**
 * Key rotation, read side. What the store holds under the number's retired hashes joins what it
 * holds under the current hash: the current cache entry wins (it is the newer write), events are
 * unioned, and events found only under a retired hash are returned so the guard copies them to the
 * current hash. Reads keep working while the retired key is configured; writes move history over.
 */
export function joinRetired(
  current: StoreSnapshot,
  retired: readonly StoreSnapshot[],
): { intel: CachedIntel | null; numberEvents: NumberEvent[]; migrate: NumberEvent[] } {
  let intel = current.intel;
  if (!intel) {
    for (const snapshot of retired) if (snapshot.intel && (!intel || snapshot.intel.fetchedAt > intel.fetchedAt)) intel = snapshot.intel;
  }
  const seen = new Set(current.numberEvents.map((event) => `${event.type}@${event.at}`));
  const migrate: NumberEvent[] = [];
  for (const snapshot of retired) {
    for (const event of snapshot.numberEvents) {
      const key = `${event.type}@${event.at}`;
      if (!seen.has(key)) {
        seen.add(key);
        migrate.push(event);
      }
    }
  }
  const numberEvents = migrate.length === 0 ? current.numberEvents : [...current.numberEvents, ...migrate].sort((a, b) => b.at - a.at);
  return { intel, numberEvents, migrate };
}

/**
 * Key rotation for device tokens. A device record written under a retired key is shown to the core
 * under the current key, so a known (or vouched) device stays known after a rotation; `carried` is
 * that record, whose `vouched` flag the next write copies to the current key.
 */
export function rekeyDevice(
  profile: AccountProfile | null,
  currentKey: string,
  retiredKeys: readonly string[],
): { profile: AccountProfile | null; carried?: DeviceRecord } {
  if (!profile || retiredKeys.length === 0 || profile.devices.some((record) => record.key === currentKey)) return { profile };
  const carried = profile.devices.find((record) => retiredKeys.includes(record.key));
  if (!carried) return { profile };
  return {
    profile: { ...profile, devices: profile.devices.map((record) => (record === carried ? { ...record, key: currentKey } : record)) },
    carried,
  };
}
