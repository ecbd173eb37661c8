import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** No access token could be had from the operator's authorization server (CAMARA: OIDC client credentials or CIBA). */
export class TokenError extends RecycledNumberGuardError {
  constructor(message: string) {
    super('TOKEN_UNAVAILABLE', message);
    this.name = 'TokenError';
  }
}
