import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** Stored data that does not parse. The guard reports it as unavailable history. */
export class CorruptStoreDataError extends RecycledNumberGuardError {
  readonly what: string;
  constructor(what: string, detail: string) {
    super('CORRUPT_STORE_DATA', `stored ${what} is corrupt: ${detail}`);
    this.name = 'CorruptStoreDataError';
    this.what = what;
  }
}
