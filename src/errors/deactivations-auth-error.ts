import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** Twilio refused the credentials (HTTP 401/403, e.g. Twilio error 20003). Nothing was read. */
export class DeactivationsAuthError extends RecycledNumberGuardError {
  readonly status: number;
  readonly twilioCode: number | undefined;

  constructor(status: number, twilioCode: number | undefined, detail: string) {
    super('DEACTIVATIONS_AUTH_FAILED', `Twilio refused the credentials for the deactivations file (HTTP ${status}): ${detail}`);
    this.name = 'DeactivationsAuthError';
    this.status = status;
    this.twilioCode = twilioCode;
  }
}
