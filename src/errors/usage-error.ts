import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** The command line was wrong: the CLI prints the message and its usage, and exits 2. */
export class UsageError extends RecycledNumberGuardError {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}
