import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** What the Redis store was doing when Redis failed. */
export type RedisOperation = 'read' | 'write' | 'takePending' | 'addNumberEvents' | 'protect' | 'unprotect' | 'hit';

/** Redis failed or timed out; the guard reports it and decides without history (the preset's fail mode). */
export class RedisStoreError extends RecycledNumberGuardError {
  readonly operation: RedisOperation;
  constructor(operation: RedisOperation, cause: unknown) {
    super('STORE_UNAVAILABLE', `redis store ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'RedisStoreError';
    this.operation = operation;
  }
}
