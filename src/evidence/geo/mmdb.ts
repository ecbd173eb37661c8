import { readFile } from 'node:fs/promises';
import { GuardConfigError } from '../../errors/guard-config-error.js';
import type { GeoLookup, GeoResult } from '../../types/index.js';
import { BoundedCache } from '../../util/bounded-cache.js';
import { mmdbModule } from '../../util/lazy-deps.js';

export interface MmdbGeoOptions {
  /**
   * A MaxMind DB file of your own: GeoLite2 / GeoIP2 City or Country (MaxMind), DB-IP City or
   * Country Lite, or any database with the GeoIP2 record layout. Read once, asynchronously.
   */
  path?: string;
  /** The file's bytes, when you load them yourself. */
  data?: Uint8Array;
  /** Names the lookup in reasons and errors. Default `mmdb`. */
  name?: string;
  /** Language of the region and city names when a record has no ISO code. Default `en`. */
  language?: string;
}

/** The parts of a GeoIP2 City / Country record the guard reads. */
interface GeoIp2Record {
  country?: { iso_code?: string };
  subdivisions?: { iso_code?: string; names?: Record<string, string> }[];
  city?: { names?: Record<string, string> };
  location?: { latitude?: number; longitude?: number; accuracy_radius?: number };
  traits?: { autonomous_system_number?: number };
}

interface MmdbReader {
  get(ip: string): GeoIp2Record | null;
}

/**
 * Geolocation from a MaxMind DB (.mmdb) file the host provides, through mmdb-lib (an optional peer
 * dependency, loaded by `ready()`). The whole file is held in memory: about its own size (a country
 * database is ~10 MB, a city one 60-130 MB), against geoip-lite's ~150 MB for IPv4 and IPv6 city
 * data. Lookups are synchronous once loaded.
 */
export function mmdbGeoLookup(options: MmdbGeoOptions): GeoLookup {
  if ((options.path === undefined) === (options.data === undefined)) throw new GuardConfigError('geo', 'mmdbGeoLookup takes one of path or data');
  const name = options.name ?? 'mmdb';
  const language = options.language ?? 'en';
  let reader: MmdbReader | undefined;
  let loading: Promise<void> | undefined;

  const open = async () => {
    const bytes = options.data ?? (await readFile(options.path!));
    let Reader: new (db: Buffer) => MmdbReader;
    try {
      ({ Reader } = mmdbModule() as { Reader: typeof Reader });
    } catch (error) {
      throw new GuardConfigError('geo', `mmdbGeoLookup needs the mmdb-lib package (npm i mmdb-lib): ${error instanceof Error ? error.message : String(error)}`);
    }
    reader = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  };
  const ready = () => {
    loading ??= open();
    return loading;
  };

  const cache = new BoundedCache<string, GeoResult | null>(50_000);
  const find = (ip: string): GeoResult | null => {
    let hit = cache.get(ip);
    if (hit === undefined) {
      hit = toResult(reader!.get(ip), language);
      cache.set(ip, hit);
    }
    return hit;
  };
  return {
    name,
    ready,
    lookup(ip: string) {
      if (reader) return find(ip);
      return ready().then(() => find(ip));
    },
  };
}

function toResult(record: GeoIp2Record | null, language: string): GeoResult | null {
  const country = record?.country?.iso_code;
  if (!record || typeof country !== 'string') return null;
  const result: GeoResult = { country };
  const subdivision = record.subdivisions?.[0];
  const region = subdivision?.iso_code ?? subdivision?.names?.[language];
  if (region) result.region = region;
  const city = record.city?.names?.[language];
  if (city) result.city = city;
  const { latitude, longitude, accuracy_radius: radius } = record.location ?? {};
  if (typeof latitude === 'number' && typeof longitude === 'number') {
    result.lat = latitude;
    result.lon = longitude;
  }
  if (typeof radius === 'number' && radius > 0) result.accuracyKm = radius;
  const asn = record.traits?.autonomous_system_number;
  if (typeof asn === 'number') result.asn = asn;
  return result;
}
