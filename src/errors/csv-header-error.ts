import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** A number-events CSV whose header lacks a required column or repeats one. */
export class CsvHeaderError extends RecycledNumberGuardError {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super('CSV_HEADER', message);
    this.name = 'CsvHeaderError';
  }
}
