// `recycled-number-guard/evidence`: the evidence a host may configure or inspect. IP geolocation
// for the `geo` option (geoip-lite is the default, loaded on first use; mmdb reads the host's own
// GeoLite2 / DB-IP file; cidr takes a table) and the user-agent / Client Hints device parser.
export { geoipLiteLookup } from './geo/geoip-lite.js';
export { mmdbGeoLookup } from './geo/mmdb.js';
export type { MmdbGeoOptions } from './geo/mmdb.js';
export { cidrGeoLookup } from './geo/cidr-geo.js';
export type { CidrGeoEntry } from './geo/cidr-geo.js';
export { parseDevice } from './device/parse-device.js';
export type { DeviceFacts, GeoLookup, GeoResult } from '../types/index.js';
export { GeoNotReadyError } from '../errors/geo-not-ready-error.js';
export type { AccountScopedProvider } from './number-intel/runner.js';
