import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/**
 * The guard's store cannot hold protected accounts (a custom store written before protection
 * existed: it does not declare `capabilities.protection`). Nothing was protected; the host must not
 * tell the owner otherwise.
 */
export class ProtectionUnsupportedError extends RecycledNumberGuardError {
  readonly store: string;

  constructor(store: string) {
    super(
      'PROTECTION_UNSUPPORTED',
      `the ${store} store cannot hold protected accounts: implement protect, unprotect, hit and read().protection, and declare capabilities.protection`,
    );
    this.name = 'ProtectionUnsupportedError';
    this.store = store;
  }
}
