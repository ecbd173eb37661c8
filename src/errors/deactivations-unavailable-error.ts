import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/**
 * The deactivations file could not be fetched for another reason: Twilio or the file host failed
 * (5xx, 429, network), the signed link expired, or the answer was not what Twilio documents.
 * Usually worth a later retry (`retryable`).
 */
export class DeactivationsUnavailableError extends RecycledNumberGuardError {
  readonly date: string;
  /** HTTP status, when there was a response. */
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(date: string, detail: string, options: { status?: number; retryable: boolean; cause?: unknown }) {
    const message = `The Twilio deactivations file for ${date} could not be fetched: ${detail}`;
    super('DEACTIVATIONS_UNAVAILABLE', message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeactivationsUnavailableError';
    this.date = date;
    this.status = options.status;
    this.retryable = options.retryable;
  }
}
