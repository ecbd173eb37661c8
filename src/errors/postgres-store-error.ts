import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** What the PostgreSQL store was doing when PostgreSQL failed. */
export type PostgresOperation = 'migrate' | 'read' | 'write' | 'takePending' | 'addNumberEvents' | 'protect' | 'unprotect' | 'hit';

/** PostgreSQL failed or timed out; the guard reports it and decides without history (the preset's fail mode). */
export class PostgresStoreError extends RecycledNumberGuardError {
  readonly operation: PostgresOperation;
  constructor(operation: PostgresOperation, cause: unknown) {
    super('STORE_UNAVAILABLE', `postgres store ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PostgresStoreError';
    this.operation = operation;
  }
}
