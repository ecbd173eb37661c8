import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** A store under `describeStoreConformance` broke the store contract: what, and what was expected and received. */
export class StoreConformanceError extends RecycledNumberGuardError {
  constructor(what: string, expected: string, received: string) {
    super('STORE_CONFORMANCE', `store conformance: ${what}\n  expected ${expected}\n  received ${received}`);
    this.name = 'StoreConformanceError';
  }
}
