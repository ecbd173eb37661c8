/**
 * The synthetic location table: a few dozen cities per profile, travel destinations and VPN
 * exits, each given its own private address block. No real geolocation data is involved, so
 * ground truth is exact and no licence applies. Coordinates are city
 * centres rounded to 0.01°; populations (weights) are rough city sizes, used only to place homes.
 *
 * Address plan: location i owns 10.i.0.0/16 (RFC 1918) and 2001:db8:i::/48 (RFC 3849):
 *   10.i.0.0/17    residential ISP   (accuracy 25 km)
 *   10.i.128.0/18  mobile operator   (accuracy 100 km: mobile IPs geolocate coarsely)
 *   10.i.192.0/19  hosting / VPN exits (accuracy 50 km)
 *   2001:db8:i:1::/64  mobile operator over IPv6
 * ASNs are private-use numbers (RFC 6996), one per operator kind and country.
 */
import { cidrGeoLookup, type CidrGeoEntry } from '../evidence/geo/cidr-geo.js';
import type { GeoLookup, GeoResult } from '../types/index.js';
import type { ProfileName } from './config.js';
import type { Rng } from './random.js';

export type NetworkKind = 'isp' | 'mobile' | 'hosting';
export type AsnType = 'isp' | 'mobile' | 'hosting' | 'vpn';

export interface City {
  name: string;
  country: string;
  /** ISO 3166-2 subdivision suffix (state / province). */
  region: string;
  lat: number;
  lon: number;
  /** Hours from UTC (standard time; daylight saving is ignored). */
  tz: number;
  /** Relative population, to place homes. */
  weight: number;
  /** US area codes sold in this city. */
  areaCodes?: number[];
}

type Row = [name: string, region: string, lat: number, lon: number, tz: number, weight: number, areaCodes?: number[]];

const US_ROWS: Row[] = [
  ['New York', 'NY', 40.71, -74.01, -5, 8.3, [212, 646, 718, 917]],
  ['Los Angeles', 'CA', 34.05, -118.24, -8, 3.9, [213, 310, 323]],
  ['Chicago', 'IL', 41.88, -87.63, -6, 2.7, [312, 773]],
  ['Houston', 'TX', 29.76, -95.37, -6, 2.3, [713, 832]],
  ['Phoenix', 'AZ', 33.45, -112.07, -7, 1.6, [602, 480]],
  ['Philadelphia', 'PA', 39.95, -75.17, -5, 1.6, [215, 267]],
  ['San Antonio', 'TX', 29.42, -98.49, -6, 1.5, [210]],
  ['San Diego', 'CA', 32.72, -117.16, -8, 1.4, [619, 858]],
  ['Dallas', 'TX', 32.78, -96.8, -6, 1.3, [214, 469]],
  ['San Jose', 'CA', 37.34, -121.89, -8, 1.0, [408]],
  ['Austin', 'TX', 30.27, -97.74, -6, 1.0, [512]],
  ['Jacksonville', 'FL', 30.33, -81.66, -5, 0.95, [904]],
  ['Columbus', 'OH', 39.96, -83.0, -5, 0.9, [614]],
  ['Charlotte', 'NC', 35.23, -80.84, -5, 0.9, [704]],
  ['Indianapolis', 'IN', 39.77, -86.16, -5, 0.88, [317]],
  ['San Francisco', 'CA', 37.77, -122.42, -8, 0.87, [415]],
  ['Seattle', 'WA', 47.61, -122.33, -8, 0.75, [206]],
  ['Denver', 'CO', 39.74, -104.99, -7, 0.72, [303, 720]],
  ['Washington', 'DC', 38.91, -77.04, -5, 0.69, [202]],
  ['Boston', 'MA', 42.36, -71.06, -5, 0.68, [617]],
  ['Nashville', 'TN', 36.16, -86.78, -6, 0.69, [615]],
  ['Detroit', 'MI', 42.33, -83.05, -5, 0.64, [313]],
  ['Portland', 'OR', 45.52, -122.68, -8, 0.65, [503]],
  ['Las Vegas', 'NV', 36.17, -115.14, -8, 0.65, [702]],
  ['Miami', 'FL', 25.76, -80.19, -5, 0.44, [305, 786]],
  ['Atlanta', 'GA', 33.75, -84.39, -5, 0.5, [404, 678]],
  ['Minneapolis', 'MN', 44.98, -93.27, -6, 0.43, [612]],
  ['Kansas City', 'MO', 39.1, -94.58, -6, 0.5, [816]],
  ['Pittsburgh', 'PA', 40.44, -79.99, -5, 0.3, [412]],
  ['Salt Lake City', 'UT', 40.76, -111.89, -7, 0.2, [801]],
  ['Honolulu', 'HI', 21.31, -157.86, -10, 0.35, [808]],
];

const CN_ROWS: Row[] = [
  ['Beijing', 'BJ', 39.9, 116.41, 8, 21.9],
  ['Shanghai', 'SH', 31.23, 121.47, 8, 24.9],
  ['Guangzhou', 'GD', 23.13, 113.26, 8, 18.7],
  ['Shenzhen', 'GD', 22.54, 114.06, 8, 17.6],
  ['Chengdu', 'SC', 30.57, 104.07, 8, 21],
  ['Chongqing', 'CQ', 29.56, 106.55, 8, 16],
  ['Tianjin', 'TJ', 39.34, 117.36, 8, 13.9],
  ['Wuhan', 'HB', 30.59, 114.31, 8, 12.3],
  ['Hangzhou', 'ZJ', 30.27, 120.16, 8, 12.2],
  ["Xi'an", 'SN', 34.34, 108.94, 8, 12.9],
  ['Nanjing', 'JS', 32.06, 118.8, 8, 9.3],
  ['Suzhou', 'JS', 31.3, 120.59, 8, 12.7],
  ['Zhengzhou', 'HA', 34.75, 113.63, 8, 12.6],
  ['Changsha', 'HN', 28.23, 112.94, 8, 10],
  ['Shenyang', 'LN', 41.81, 123.43, 8, 9.1],
  ['Qingdao', 'SD', 36.07, 120.38, 8, 10.1],
  ['Jinan', 'SD', 36.65, 117.12, 8, 9.2],
  ['Harbin', 'HL', 45.8, 126.53, 8, 10],
  ['Kunming', 'YN', 25.04, 102.71, 8, 8.5],
  ['Dalian', 'LN', 38.91, 121.61, 8, 7.5],
  ['Xiamen', 'FJ', 24.48, 118.09, 8, 5.2],
  ['Fuzhou', 'FJ', 26.07, 119.3, 8, 8.3],
  ['Hefei', 'AH', 31.82, 117.23, 8, 9.4],
  ['Nanchang', 'JX', 28.68, 115.86, 8, 6.3],
  ['Nanning', 'GX', 22.82, 108.32, 8, 8.7],
  ['Guiyang', 'GZ', 26.65, 106.63, 8, 6],
  ['Taiyuan', 'SX', 37.87, 112.55, 8, 5.3],
  ['Shijiazhuang', 'HE', 38.04, 114.51, 8, 11],
  ['Changchun', 'JL', 43.82, 125.32, 8, 9],
  ['Urumqi', 'XJ', 43.83, 87.62, 8, 4],
  ['Lanzhou', 'GS', 36.06, 103.83, 8, 4.4],
  ['Haikou', 'HI', 20.04, 110.34, 8, 2.9],
  ['Hohhot', 'NM', 40.84, 111.75, 8, 3.4],
];

type ForeignRow = [name: string, country: string, region: string, lat: number, lon: number, tz: number];

const FOREIGN_ROWS: ForeignRow[] = [
  ['London', 'GB', 'ENG', 51.51, -0.13, 0],
  ['Paris', 'FR', 'IDF', 48.86, 2.35, 1],
  ['Rome', 'IT', '62', 41.9, 12.5, 1],
  ['Berlin', 'DE', 'BE', 52.52, 13.4, 1],
  ['Cancun', 'MX', 'ROO', 21.16, -86.85, -5],
  ['Mexico City', 'MX', 'CMX', 19.43, -99.13, -6],
  ['Toronto', 'CA', 'ON', 43.65, -79.38, -5],
  ['Vancouver', 'CA', 'BC', 49.28, -123.12, -8],
  ['Tokyo', 'JP', '13', 35.68, 139.69, 9],
  ['Osaka', 'JP', '27', 34.69, 135.5, 9],
  ['Seoul', 'KR', '11', 37.57, 126.98, 9],
  ['Bangkok', 'TH', '10', 13.76, 100.5, 7],
  ['Singapore', 'SG', '01', 1.35, 103.82, 8],
  ['Hong Kong', 'HK', 'HK', 22.32, 114.17, 8],
  ['Kuala Lumpur', 'MY', '14', 3.14, 101.69, 8],
  ['Sydney', 'AU', 'NSW', -33.87, 151.21, 10],
  ['Dubai', 'AE', 'DU', 25.2, 55.27, 4],
  // Hosting hubs where VPN exits live.
  ['Ashburn', 'US', 'VA', 39.04, -77.49, -5],
  ['Amsterdam', 'NL', 'NH', 52.37, 4.9, 1],
  ['Frankfurt', 'DE', 'HE', 50.11, 8.68, 1],
];

export const TRAVEL_DESTINATIONS: Record<ProfileName, string[]> = {
  us: ['London', 'Paris', 'Rome', 'Berlin', 'Cancun', 'Mexico City', 'Toronto', 'Vancouver', 'Tokyo', 'Dubai'],
  cn: ['Tokyo', 'Osaka', 'Seoul', 'Bangkok', 'Singapore', 'Hong Kong', 'Kuala Lumpur', 'Sydney', 'Paris', 'London', 'Dubai'],
};

/** VPN exits: domestic ones for the US profile, foreign ones for both (CN users' VPNs exit abroad). */
export const VPN_EXITS: Record<ProfileName, { domestic: string[]; foreign: string[] }> = {
  us: { domestic: ['Ashburn', 'Los Angeles', 'Dallas', 'New York', 'Seattle'], foreign: ['Amsterdam', 'Frankfurt', 'London', 'Toronto'] },
  cn: { domestic: [], foreign: ['Hong Kong', 'Tokyo', 'Singapore', 'Los Angeles', 'Seoul'] },
};

export interface Location extends City {
  /** Index in the table = the second octet of its 10.x.0.0/16 block. */
  index: number;
  home: ProfileName | null;
}

function build(): Location[] {
  const out: Location[] = [];
  const add = (city: City, home: ProfileName | null) => out.push({ ...city, index: out.length, home });
  for (const [name, region, lat, lon, tz, weight, areaCodes] of US_ROWS)
    add({ name, country: 'US', region, lat, lon, tz, weight, areaCodes: areaCodes! }, 'us');
  for (const [name, region, lat, lon, tz, weight] of CN_ROWS) add({ name, country: 'CN', region, lat, lon, tz, weight }, 'cn');
  for (const [name, country, region, lat, lon, tz] of FOREIGN_ROWS) add({ name, country, region, lat, lon, tz, weight: 0 }, null);
  if (out.length > 255) throw new Error('location table outgrew the 10.x.0.0/16 plan');
  return out;
}

export const LOCATIONS: readonly Location[] = build();

const byName = new Map(LOCATIONS.map((location) => [location.name, location]));

export function locationByName(name: string): Location {
  const hit = byName.get(name);
  if (!hit) throw new Error(`unknown simulated location ${name}`);
  return hit;
}

export function homeCities(profile: ProfileName): Location[] {
  return LOCATIONS.filter((location) => location.home === profile);
}

/** Private-use ASNs (RFC 6996): a few operators per country and kind, so ASN novelty exists. Bases
 * follow the table order, so every lookup agrees whatever is asked first. */
const COUNTRY_ASN_BASE = new Map<string, number>();
for (const location of LOCATIONS) {
  if (!COUNTRY_ASN_BASE.has(location.country)) COUNTRY_ASN_BASE.set(location.country, 64512 + 8 * COUNTRY_ASN_BASE.size);
}

function asnFor(location: Location, kind: NetworkKind): number {
  const base = COUNTRY_ASN_BASE.get(location.country)!;
  // Three residential ISPs and two mobile operators per country, chosen by city; one hosting ASN.
  if (kind === 'isp') return base + (location.index % 3);
  if (kind === 'mobile') return base + 3 + (location.index % 2);
  return base + 5;
}

const ACCURACY_KM: Record<NetworkKind, number> = { isp: 25, mobile: 100, hosting: 50 };

export interface NetworkMeta {
  location: Location;
  kind: NetworkKind;
  asn: number;
}

function geoOf(location: Location, kind: NetworkKind): GeoResult {
  return {
    country: location.country,
    region: location.region,
    city: location.name,
    lat: location.lat,
    lon: location.lon,
    accuracyKm: ACCURACY_KM[kind],
    asn: asnFor(location, kind),
  };
}

/** The table as CIDR entries, for `cidrGeoLookup` or for a host that wants to inspect it. */
export function simulationGeoEntries(): CidrGeoEntry[] {
  const entries: CidrGeoEntry[] = [];
  for (const location of LOCATIONS) {
    const i = location.index;
    entries.push({ cidr: `10.${i}.0.0/17`, geo: geoOf(location, 'isp') });
    entries.push({ cidr: `10.${i}.128.0/18`, geo: geoOf(location, 'mobile') });
    entries.push({ cidr: `10.${i}.192.0/19`, geo: geoOf(location, 'hosting') });
    entries.push({ cidr: `2001:db8:${i.toString(16)}:1::/64`, geo: geoOf(location, 'mobile') });
  }
  return entries;
}

let sharedLookup: GeoLookup | undefined;

/** The `GeoLookup` that matches the simulator's addresses (one shared, immutable instance). */
export function simulationGeo(): GeoLookup {
  return (sharedLookup ??= cidrGeoLookup(simulationGeoEntries(), 'simulation-table'));
}

/** Location, network kind and ASN type of a simulated address, or null for any other address. */
export function describeSimIp(ip: string): NetworkMeta | null {
  const v4 = /^10\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    const location = LOCATIONS[Number(v4[1])];
    const third = Number(v4[2]);
    if (!location) return null;
    const kind: NetworkKind | null = third < 128 ? 'isp' : third < 192 ? 'mobile' : third < 224 ? 'hosting' : null;
    return kind ? { location, kind, asn: asnFor(location, kind) } : null;
  }
  const v6 = /^2001:db8:([0-9a-f]{1,4}):1:/i.exec(ip);
  if (v6) {
    const location = LOCATIONS[parseInt(v6[1]!, 16)];
    return location ? { location, kind: 'mobile', asn: asnFor(location, 'mobile') } : null;
  }
  return null;
}

export function isSimulationIp(ip: string): boolean {
  return describeSimIp(ip) !== null;
}

/** A fresh address in a location's block of the given kind. */
export function addressIn(location: Location, kind: NetworkKind, rng: Rng, ipv6 = false): string {
  const i = location.index;
  if (ipv6 && kind === 'mobile') {
    const a = rng.int(0x10000).toString(16);
    const b = rng.int(0x10000).toString(16);
    return `2001:db8:${i.toString(16)}:1:${a}:${b}:${rng.int(0x10000).toString(16)}:${(1 + rng.int(0xfffe)).toString(16)}`;
  }
  const [start, size] = kind === 'isp' ? [0, 128] : kind === 'mobile' ? [128, 64] : [192, 32];
  return `10.${i}.${start + rng.int(size)}.${1 + rng.int(254)}`;
}

const RADIUS_KM = 6371;

export function distanceKmBetween(a: City, b: City): number {
  const toRad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * toRad;
  const dLon = (b.lon - a.lon) * toRad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * toRad) * Math.cos(b.lat * toRad) * Math.sin(dLon / 2) ** 2;
  return 2 * RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
