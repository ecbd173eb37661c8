import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** A store, provider or lookup did not answer within the attempt's time budget. */
export class DeadlineExceededError extends RecycledNumberGuardError {
  constructor(what: string) {
    super('DEADLINE_EXCEEDED', `${what} did not answer within the time budget`);
    this.name = 'DeadlineExceededError';
  }
}
