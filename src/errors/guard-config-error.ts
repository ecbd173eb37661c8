import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** `createGuard` options are wrong. Thrown at start-up, never during `assess`. */
export class GuardConfigError extends RecycledNumberGuardError {
  readonly field: string;

  constructor(field: string, message: string) {
    super('INVALID_CONFIG', `Invalid guard option ${field}: ${message}`);
    this.name = 'GuardConfigError';
    this.field = field;
  }
}
