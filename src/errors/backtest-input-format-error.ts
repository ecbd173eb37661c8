import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** The backtest input cannot be read in the chosen format (unknown extension, missing column, unreadable file). */
export class InputFormatError extends RecycledNumberGuardError {
  constructor(message: string) {
    super('BACKTEST_INPUT_FORMAT', message);
    this.name = 'InputFormatError';
  }
}
