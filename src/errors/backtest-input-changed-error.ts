import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** The backtest input changed while it was read: a sharded backtest reads it twice, so the shards would disagree. */
export class InputChangedError extends RecycledNumberGuardError {
  constructor(input: string) {
    super('BACKTEST_INPUT_CHANGED', `${input} changed while it was read (a sharded backtest reads it twice); backtest a copy that stays put`);
    this.name = 'InputChangedError';
  }
}
