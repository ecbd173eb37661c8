import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** The store could not read, set or lift a protection (unreachable, timed out). Nothing changed that the guard knows of; retry. */
export class ProtectionFailedError extends RecycledNumberGuardError {
  readonly operation: 'protect' | 'unprotect' | 'read';

  constructor(operation: 'protect' | 'unprotect' | 'read', cause: unknown) {
    super('PROTECTION_FAILED', `${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ProtectionFailedError';
    this.operation = operation;
  }
}
