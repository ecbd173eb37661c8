/**
 * A printable page of an evidence export, in English or Chinese: first what the account's owner
 * asked for (freeze, protection) and when, then every entry with what the guard decided and why.
 * Every value from the export is HTML-escaped; the page loads nothing (no script, no remote style).
 */
import { catalogue, type Locale } from '../locale/index.js';
import { REASON_CODES, type ReasonCode } from '../reasons.js';
import type { EvidenceExport, EvidenceRecord, EvidenceVerification } from './evidence.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** Entries the owner (or the guard protecting the owner) asked for: freeze, protect, unprotect, release. */
const OWNER_REQUEST = /freeze|protect|release|unbind/i;
/** Fields shown in the table's own columns, or not useful to a reader (hashes are in the chain column). */
const SHOWN = new Set(['kind', 'at', 'accountId', 'accountSeq', 'accountPrev', 'accountHash', 'phoneHash', 'decisionId']);

export interface EvidenceHtmlOptions {
  locale?: Locale;
  /** The result of `verifyEvidence`, shown at the top. Without it the page says nothing about integrity. */
  verification?: EvidenceVerification;
}

const time = (iso: string) => iso.replace('T', ' ').replace(/\.\d{3}Z$|Z$/, '');
const isReasonCode = (code: string): code is ReasonCode => (REASON_CODES as readonly string[]).includes(code);

export function renderEvidenceHtml(evidence: EvidenceExport, options: EvidenceHtmlOptions = {}): string {
  const locale = options.locale ?? 'en';
  const words = catalogue(locale);
  const labels = words.evidence;
  const percent = (risk: number) => `${(risk * 100).toFixed(risk < 0.001 ? 3 : 2)}%`;

  const what = (record: EvidenceRecord): string => {
    if (record.kind === 'decision') {
      const parts = [
        `<strong>${escapeHtml(record.action ? words.demo.actions[record.action] : '')}</strong>`,
        record.wouldBe && record.wouldBe !== record.action ? escapeHtml(`(${words.demo.actions[record.wouldBe]})`) : '',
        record.risk !== undefined ? escapeHtml(labels.risk(percent(record.risk))) : '',
        record.numberChangedHands ? escapeHtml(labels.changedHands[record.numberChangedHands]) : '',
        record.mode ? escapeHtml(labels.mode[record.mode]) : '',
      ];
      return parts.filter(Boolean).join(' · ');
    }
    if (record.kind === 'outcome' && record.outcome) {
      const checks = record.outcome.checks.map((check) => words.checkNames[check] ?? check).join(' + ');
      const text = record.outcome.rejected ? labels.rejected(record.outcome.rejected) : labels.outcome(record.outcome.passed, record.outcome.satisfied, checks);
      return escapeHtml(text);
    }
    // A kind this version does not describe (freeze, release...): its own fields, as recorded.
    return fields(record);
  };
  const fields = (record: EvidenceRecord): string => {
    const rows = Object.entries(record)
      .filter(([key, value]) => !SHOWN.has(key) && value !== undefined)
      .map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${escapeHtml(typeof value === 'string' ? value : JSON.stringify(value))}</dd>`);
    return rows.length > 0 ? `<dl>${rows.join('')}</dl>` : '';
  };
  const why = (record: EvidenceRecord): string => {
    if (!record.reasons || record.reasons.length === 0) return '';
    const items = record.reasons.map((reason) => {
      const title = isReasonCode(reason.code) ? words.reasonTitles[reason.code] : reason.code;
      const effect = reason.effect === 0 ? '' : ` (${reason.effect > 0 ? '+' : ''}${percent(reason.effect)})`;
      return `<li><strong>${escapeHtml(title)}</strong>${escapeHtml(effect)}<br><span class="message">${escapeHtml(reason.message)}</span></li>`;
    });
    return `<ul>${items.join('')}</ul>`;
  };
  const kindName = (kind: string) => (Object.hasOwn(labels.kinds, kind) ? labels.kinds[kind as keyof typeof labels.kinds] : labels.unknownKind(kind));
  const row = (record: EvidenceRecord) =>
    `<tr><td class="nowrap">${escapeHtml(time(record.at))}</td><td class="nowrap">${escapeHtml(kindName(record.kind))}</td><td>${what(record)}</td><td>${why(record)}</td>` +
    `<td class="hash">#${escapeHtml(record.accountSeq)} ${escapeHtml(record.accountHash.slice(0, 16))}</td></tr>`;

  const requests = evidence.records.filter((record) => OWNER_REQUEST.test(record.kind));
  const status = options.verification
    ? options.verification.ok
      ? `<p class="ok">${escapeHtml(labels.verified)}</p>`
      : `<p class="bad">${escapeHtml(labels.notVerified)}: ${escapeHtml(options.verification.problem?.message ?? '')}</p>`
    : '';
  const period = `${evidence.period.from ? time(evidence.period.from) : '…'} – ${evidence.period.to ? time(evidence.period.to) : '…'}`;
  const head = `<tr>${[labels.time, labels.kind, labels.what, labels.why, labels.chain].map((label) => `<th>${escapeHtml(label)}</th>`).join('')}</tr>`;
  const chain = [evidence.segment.prev, evidence.segment.last, evidence.seal].map((hash) => escapeHtml(hash.slice(0, 16)));

  return `<!doctype html>
<html lang="${escapeHtml(locale)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(labels.title)}</title>
<style>
body { font: 14px/1.5 system-ui, sans-serif; margin: 2em; color: #111; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: 4px 6px; vertical-align: top; text-align: left; }
ul { margin: 0; padding-left: 1.2em; }
dl { margin: 0; } dt { font-weight: bold; } dd { margin: 0 0 0.3em 0; }
.hash { font-family: monospace; font-size: 12px; } .nowrap { white-space: nowrap; }
.message { color: #444; } .ok { color: #064; font-weight: bold; } .bad { color: #a00; font-weight: bold; }
@media print { body { margin: 0; } tr { break-inside: avoid; } }
</style>
</head>
<body>
<h1>${escapeHtml(labels.title)}</h1>
<table class="meta">
<tr><th>${escapeHtml(labels.account)}</th><td>${escapeHtml(evidence.accountId)}</td></tr>
<tr><th>${escapeHtml(labels.period)}</th><td>${escapeHtml(period)}</td></tr>
<tr><th>${escapeHtml(labels.generated)}</th><td>${escapeHtml(time(evidence.exportedAt))}</td></tr>
<tr><th>${escapeHtml(labels.records)}</th><td>${escapeHtml(evidence.records.length)}</td></tr>
<tr><th>${escapeHtml(labels.chain)}</th><td class="hash">${chain[0]} → ${chain[1]} · ${chain[2]}</td></tr>
</table>
${status}
<h2>${escapeHtml(labels.ownerRequests)}</h2>
${requests.length > 0 ? `<table>${head}${requests.map(row).join('\n')}</table>` : `<p>${escapeHtml(labels.noOwnerRequests)}</p>`}
<h2>${escapeHtml(labels.decisions)}</h2>
<table>${head}
${evidence.records.map(row).join('\n')}
</table>
<p><small>${escapeHtml(labels.footer)}</small></p>
</body>
</html>
`;
}
