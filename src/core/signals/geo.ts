/**
 * The region family: where the IP geolocates against the places this account used, the number's
 * own country, and the speed from the last login.
 */
import type { GeoResult } from '../../types/index.js';
import { distanceKm } from '../geo-math.js';
import type { Policy } from '../policy.js';
import type { Login, Signal, Subject } from './types.js';

export function geoSignals(subject: Subject, login: Login, policy: Policy, out: Signal[]): void {
  const { geo } = login;
  const w = policy.weights;
  if (geo.status !== 'ok' || !geo.result) {
    out.push({
      code: 'geo_unavailable',
      logLR: 0,
      text:
        geo.status === 'not_configured'
          ? { key: 'geo_unavailable.not_configured', params: {} }
          : { key: 'geo_unavailable', params: geo.error ? { error: geo.error } : {} },
      ...(geo.error ? { details: { why: geo.error } } : {}),
    });
    return;
  }
  const here = geo.result;
  const profile = subject.history.profile;
  const places = profile?.locations ?? [];
  const knownCountry = places.some((place) => place.country === here.country);
  if (places.length > 0) {
    const knownRegion = places.some((place) => place.country === here.country && (place.region ?? '') === (here.region ?? ''));
    if (knownRegion) {
      out.push({ code: 'known_region', logLR: w.known_region, text: { key: 'known_region', params: { place: placeName(here) } } });
    } else if (knownCountry) {
      out.push({
        code: 'new_region',
        logLR: w.new_region,
        text: { key: 'new_region', params: { place: placeName(here) } },
        details: { country: here.country, region: here.region },
      });
    } else {
      out.push({
        code: 'new_country',
        logLR: w.new_country,
        text: { key: 'new_country', params: { country: here.country, before: [...new Set(places.map((p) => p.country))] } },
        details: { country: here.country },
      });
    }
  }
  if (!knownCountry && here.country !== subject.phoneCountry) {
    out.push({
      code: 'number_country_mismatch',
      logLR: w.number_country_mismatch,
      text: { key: 'number_country_mismatch', params: { ipCountry: here.country, numberCountry: subject.phoneCountry } },
      details: { ipCountry: here.country, numberCountry: subject.phoneCountry },
    });
  }
  const last = profile?.lastLogin;
  if (last && last.lat !== undefined && last.lon !== undefined && here.lat !== undefined && here.lon !== undefined && subject.at > last.at) {
    const accuracy = Math.max(last.accuracyKm ?? 50, here.accuracyKm ?? 50);
    if (accuracy <= policy.maxTravelAccuracyKm) {
      const km = distanceKm(last.lat, last.lon, here.lat, here.lon) - (last.accuracyKm ?? 50) - (here.accuracyKm ?? 50);
      const hours = (subject.at - last.at) / 3_600_000;
      // 1,000 km/h is faster than any scheduled flight door to door; 500 km of slack absorbs VPN exits nearby.
      if (km > 500 && km / Math.max(hours, 1 / 60) > 1000) {
        out.push({
          code: 'impossible_travel',
          logLR: w.impossible_travel,
          text: {
            key: 'impossible_travel',
            params: hours < 1 ? { km: Math.round(km), minutes: Math.round(hours * 60) } : { km: Math.round(km), hours: Math.round(hours) },
          },
          details: { km: Math.round(km), hours: Math.round(hours * 10) / 10 },
        });
      }
    }
  }
}

function placeName(geo: GeoResult): string {
  return [geo.city, geo.region, geo.country].filter(Boolean).join(', ');
}
