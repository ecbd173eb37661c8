import type { GeoLookup, GeoResult } from '../../types/index.js';
import { BoundedCache } from '../../util/bounded-cache.js';
import { geoipLiteModule } from '../../util/lazy-deps.js';
import { recordStall } from '../../util/stall.js';

interface GeoipLiteModule {
  lookup(ip: string): { country: string; region: string; city: string; ll: [number, number] | number[]; area?: number } | null;
}

/**
 * The default lookup, on geoip-lite's bundled GeoLite2 data (MaxMind's licence terms apply; see
 * the README). Nothing is loaded at import: geoip-lite reads its whole database synchronously when
 * it is required (~150 MB of RAM, 150-400 ms with the event loop blocked), which hosts that bring
 * their own `GeoLookup` never pay. `ready()` loads it; a guard calls that from `guard.ready()` or
 * after its first attempt, never inside an attempt's budget, and the blocked time is recorded so
 * the budgets of attempts in flight do not count it. Called directly, `lookup` before `ready()`
 * loads the data and answers with a promise.
 */
export function geoipLiteLookup(): GeoLookup {
  let loaded: GeoipLiteModule | undefined;
  let loading: Promise<void> | undefined;
  const load = () => {
    const started = performance.now();
    try {
      const mod = geoipLiteModule() as GeoipLiteModule & { default?: GeoipLiteModule };
      loaded = mod.default ?? mod;
    } finally {
      recordStall(performance.now() - started);
    }
  };
  const ready = () => {
    // A microtask later, so a caller holds the promise before the thread blocks.
    loading ??= Promise.resolve().then(load);
    return loading;
  };
  const toResult = (hit: ReturnType<GeoipLiteModule['lookup']>): GeoResult | null => {
    if (!hit?.country) return null;
    const result: GeoResult = { country: hit.country };
    if (hit.region) result.region = hit.region;
    if (hit.city) result.city = hit.city;
    const [lat, lon] = hit.ll ?? [];
    // geoip-lite reports 0,0 or nothing when it only knows the country.
    if (typeof lat === 'number' && typeof lon === 'number' && (lat !== 0 || lon !== 0)) {
      result.lat = lat;
      result.lon = lon;
    }
    if (typeof hit.area === 'number' && hit.area > 0) result.accuracyKm = hit.area;
    return result;
  };
  // The database does not change while loaded, and logins repeat addresses (7 in 8 logins come
  // from a known IP, FxA figure): a bounded cache saves the binary search.
  const cache = new BoundedCache<string, GeoResult | null>(50_000);
  const find = (mod: GeoipLiteModule, ip: string) => {
    let hit = cache.get(ip);
    if (hit === undefined) {
      hit = toResult(mod.lookup(ip));
      cache.set(ip, hit);
    }
    return hit;
  };
  return {
    name: 'geoip-lite',
    ready,
    lookup(ip: string) {
      // Synchronous once loaded: no promise on the hot path.
      if (loaded) return find(loaded, ip);
      return ready().then(() => find(loaded!, ip));
    },
  };
}
