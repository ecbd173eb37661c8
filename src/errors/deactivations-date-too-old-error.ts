import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/**
 * Twilio keeps no deactivations file for the date: it is older than Twilio's retention (Twilio
 * error 30113). Asking again will not help; skip the date.
 */
export class DeactivationsDateTooOldError extends RecycledNumberGuardError {
  /** The date asked for, `YYYY-MM-DD`. */
  readonly date: string;
  readonly status: number;
  /** Twilio's error code from the response body: 30113. */
  readonly twilioCode: number;

  constructor(date: string, status: number, twilioCode: number, detail: string) {
    super('DEACTIVATIONS_DATE_TOO_OLD', `Twilio keeps no deactivations file for ${date} (error ${twilioCode}): ${detail}`);
    this.name = 'DeactivationsDateTooOldError';
    this.date = date;
    this.status = status;
    this.twilioCode = twilioCode;
  }
}
