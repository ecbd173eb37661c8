import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** One input line or row that is not a valid event, with its number: the backtest names where, never what. */
export class MalformedLineError extends RecycledNumberGuardError {
  constructor(
    readonly line: number,
    readonly reason: string,
    readonly unit: 'line' | 'row' = 'line',
  ) {
    super('MALFORMED_LINE', `${unit} ${line}: ${reason}`);
    this.name = 'MalformedLineError';
  }
}
