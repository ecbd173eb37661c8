import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

export type OutcomeRejection =
  /** Unknown, forged, or already used decision id. */
  | 'UNKNOWN_DECISION'
  | 'EXPIRED'
  | 'ACCOUNT_MISMATCH'
  /** The store could not be reached; the outcome was not recorded. */
  | 'STORE_UNAVAILABLE';

/** `recordOutcome` refused the outcome. The host must treat the step-up as failed. */
export class OutcomeRejectedError extends RecycledNumberGuardError {
  readonly reason: OutcomeRejection;
  readonly decisionId: string;

  constructor(reason: OutcomeRejection, decisionId: string, message: string, options?: { cause?: unknown }) {
    super(reason, message, options);
    this.name = 'OutcomeRejectedError';
    this.reason = reason;
    this.decisionId = decisionId;
  }
}
