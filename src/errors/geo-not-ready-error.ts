import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/**
 * The geolocation data has not loaded (yet), so this attempt was decided without a location
 * (reason `geo_unavailable`). Reported to `onError` (stage `geo`); `await guard.ready()` at start-up
 * avoids it.
 */
export class GeoNotReadyError extends RecycledNumberGuardError {
  constructor(lookup: string, cause?: unknown) {
    super(
      'GEO_NOT_READY',
      cause === undefined
        ? `${lookup} is still loading its data (await guard.ready() at start-up)`
        : `${lookup} could not load its data: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'GeoNotReadyError';
  }
}
