import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** One CSV or Parquet cell does not hold what its column needs; reported with its row and column. */
export class CellError extends RecycledNumberGuardError {
  constructor(message: string) {
    super('BACKTEST_CELL', message);
    this.name = 'CellError';
  }
}
