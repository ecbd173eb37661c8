import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/**
 * `guard.evidenceFor` cannot export: no audit sink is configured, the sink cannot read records back
 * by account (a `callbackAuditSink` without `readAccount`, or a host's own sink), or reading failed.
 */
export class EvidenceUnavailableError extends RecycledNumberGuardError {
  constructor(why: string, cause?: unknown) {
    super('EVIDENCE_UNAVAILABLE', `Cannot export evidence: ${why}`, cause === undefined ? undefined : { cause });
    this.name = 'EvidenceUnavailableError';
  }
}
