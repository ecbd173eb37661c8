import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** A replayed event the guard cannot take (a malformed line under --strict, events out of order). */
export class ReplayInputError extends RecycledNumberGuardError {
  constructor(message: string) {
    super('REPLAY_INPUT', message);
    this.name = 'ReplayInputError';
  }
}
