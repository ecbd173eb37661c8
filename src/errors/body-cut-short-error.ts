import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** The connection ended (or failed) after the headers, before the body was complete. */
export class BodyCutShortError extends RecycledNumberGuardError {
  constructor(
    readonly bytes: number,
    readonly declared: number,
    readonly reason: unknown,
  ) {
    super('BODY_CUT_SHORT', 'response body cut short');
    this.name = 'BodyCutShortError';
  }
}
