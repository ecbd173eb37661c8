/**
 * `guard.evidenceFor`: one account's audit records for a dispute, sealed and verifiable on their
 * own (src/audit/evidence.ts has the design, docs/evidence.md the format).
 */
import { exportEvidence, type EvidenceExport, type EvidenceRange } from '../audit/evidence.js';
import type { AuditSink } from '../audit/index.js';

export function createEvidenceFor(audit: AuditSink | undefined, clock: () => number) {
  return function evidenceFor(accountId: string, range: EvidenceRange = {}): Promise<EvidenceExport> {
    return exportEvidence(audit, accountId, range, clock());
  };
}
