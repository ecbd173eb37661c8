import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** Shard outputs that cannot be merged: missing, from different runs, or overlapping shards. */
export class MergeError extends RecycledNumberGuardError {
  constructor(message: string) {
    super('BACKTEST_MERGE', message);
    this.name = 'MergeError';
  }
}
