// `recycled-number-guard/audit`: the audit sinks and the log's verifier (index.ts), and one
// account's dispute evidence: its verifier and its printable page. A file of its own because the
// evidence code imports the sinks' types; re-exporting it from index.ts would make an import cycle.
export * from './index.js';
export { EVIDENCE_FORMAT, verifyEvidence } from './evidence.js';
export type { EvidenceExport, EvidenceProblem, EvidenceRange, EvidenceRecord, EvidenceVerification } from './evidence.js';
export { renderEvidenceHtml } from './evidence-html.js';
export type { EvidenceHtmlOptions } from './evidence-html.js';
