import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/**
 * The deactivations file was cut short: the connection closed or stalled mid-file. Events already
 * written in batches before the cut stay stored (they are true deactivations); fetch the date again
 * to complete it, which stores nothing twice.
 */
export class DeactivationsTruncatedError extends RecycledNumberGuardError {
  readonly date: string;
  /** Lines read before the cut. */
  readonly lines: number;
  readonly bytes: number;
  /** The size the server announced (`content-length`), when it did. */
  readonly expectedBytes: number | undefined;

  constructor(date: string, lines: number, bytes: number, expectedBytes: number | undefined, detail: string, options?: { cause?: unknown }) {
    const of = expectedBytes === undefined ? '' : ` of ${expectedBytes}`;
    super('DEACTIVATIONS_FILE_TRUNCATED', `The deactivations file for ${date} was cut short after ${lines} lines (${bytes}${of} bytes): ${detail}`, options);
    this.name = 'DeactivationsTruncatedError';
    this.date = date;
    this.lines = lines;
    this.bytes = bytes;
    this.expectedBytes = expectedBytes;
  }
}
