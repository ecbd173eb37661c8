import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** An unbind / renewal notice could not be stored (the store failed). Nothing is acknowledged: let the sender retry. */
export class NoticeStoreError extends RecycledNumberGuardError {
  constructor(cause: unknown) {
    super('NOTICE_NOT_STORED', `the unbind notice could not be stored: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'NoticeStoreError';
  }
}
