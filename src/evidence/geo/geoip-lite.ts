import type { GeoLookup, GeoResult } from '../../types.js';
import { BoundedCache } from '../../util/bounded-cache.js';

interface GeoipLiteModule {
  lookup(ip: string): { country: string; region: string; city: string; ll: [number, number] | number[]; area?: number } | null;
}

/**
 * The default lookup, on geoip-lite's bundled GeoLite2 data (MaxMind's licence terms apply; see
 * the README). Loaded on the first lookup, not at import: loading costs ~100-150 MB of RAM and
 * ~150 ms, which hosts that bring their own `GeoLookup` never pay.
 */
export function geoipLiteLookup(): GeoLookup {
  let loading: Promise<GeoipLiteModule> | undefined;
  let loaded: GeoipLiteModule | undefined;
  const load = () => {
    loading ??= import('geoip-lite').then((mod) => {
      loaded = ((mod as { default?: GeoipLiteModule }).default ?? mod) as GeoipLiteModule;
      return loaded;
    });
    return loading;
  };
  const toResult = (hit: ReturnType<GeoipLiteModule['lookup']>): GeoResult | null => {
    if (!hit || !hit.country) return null;
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
    lookup(ip: string) {
      // Synchronous once loaded: no promise on the hot path.
      if (loaded) return find(loaded, ip);
      return load().then((mod) => find(mod, ip));
    },
  };
}
