/**
 * The guard's geolocation: a lookup whose data may still be loading. Data with a load step
 * (`geo.ready`) is never waited for inside an attempt: until it has loaded, attempts are decided
 * without a location (reason `geo_unavailable`), and the load starts after an attempt is decided.
 */
import { GeoNotReadyError } from '../errors/geo-not-ready-error.js';
import { geoipLiteLookup } from '../evidence/geo/geoip-lite.js';
import type { ErrorStage, GeoLookup } from '../types/index.js';
import { withinDeadline, type Deadline } from '../util/deadline.js';
import { placeOf, type Place } from './conclude.js';

export interface GeoState {
  /** The lookup in use; `null` when the host turned geolocation off. */
  readonly lookup: GeoLookup | null;
  readonly loaded: boolean;
  /** Loads the data now; rejects when it cannot be loaded. */
  load(): Promise<void>;
  /** Starts the load after the current attempt, if it has not started. */
  loadLater(): void;
  locate(ip: string, deadline: Deadline): Promise<Place>;
}

export function createGeoState(configured: GeoLookup | false | undefined, report: (error: unknown, stage: ErrorStage) => void): GeoState {
  const geo: GeoLookup | null = configured === false ? null : (configured ?? geoipLiteLookup());
  let loaded = !geo?.ready;
  let loading: Promise<void> | undefined;
  let failure: GeoNotReadyError | undefined;

  const load = (): Promise<void> =>
    (loading ??= Promise.resolve()
      .then(() => geo!.ready!())
      .then(
        () => {
          loaded = true;
        },
        (error: unknown) => {
          failure = new GeoNotReadyError(geo!.name, error);
          throw error;
        },
      ));

  return {
    lookup: geo,
    get loaded() {
      return loaded;
    },
    load,
    loadLater() {
      if (loading) return;
      // After the caller has its decision; unref: a short script may end without it.
      setTimeout(() => load().catch((error: unknown) => report(error, 'geo')), 0).unref?.();
    },
    async locate(ip, deadline) {
      if (!geo) return { status: 'not_configured', result: null };
      if (!loaded) {
        const why = failure ?? new GeoNotReadyError(geo.name);
        report(why, 'geo');
        return { status: 'unavailable', result: null, error: why.message };
      }
      try {
        const hit = geo.lookup(ip);
        return placeOf(hit instanceof Promise ? await withinDeadline(hit, deadline, `${geo.name} geolocation`) : hit, geo);
      } catch (error) {
        report(error, 'geo');
        return { status: 'unavailable', result: null, error: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
