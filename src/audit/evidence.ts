/**
 * Dispute evidence: one account's audit records, exported so that the account's owner (or a
 * court, or a regulator) can check that nothing was changed, removed, reordered or added, without
 * learning anything about any other account.
 *
 * Why a per-account chain and not a slice of the log's chain: the log's hash covers each record's
 * full content, so checking a run of it needs every record in the run, including other accounts'.
 * Each record is therefore also a link of its account's own chain (`accountSeq`, `accountPrev`,
 * `accountHash`, hashed over that account's entry only; see src/audit/index.ts). An export carries
 * those links and none of the log's (`seq`, `prev`, `hash` are left out, so not even the log's size
 * shows), and a seal (HMAC-SHA-256 with the chain's key, SHA-256 without one) over the whole export
 * pins its ends: the link before the first record, the last record's hash, the count and the period.
 * docs/evidence.md has the format, the threat model and the verification steps.
 */
import { EvidenceUnavailableError } from '../errors/evidence-unavailable-error.js';
import { InvalidInputError, type InputIssue } from '../errors/invalid-input-error.js';
import { lazySchema } from '../util/lazy-deps.js';
import { isoTime } from '../util/iso-time.js';
import { toEpochMs } from '../validate/attempt.js';
import { GENESIS_HASH, accountDigest, canonicalJson, sealText } from './hash.js';
import type { AuditChainOptions, AuditRecord, AuditSink } from './index.js';

export const EVIDENCE_FORMAT = 'recycled-number-guard/evidence@1';

/** One record as exported: the audit entry and its account link, without the log's chain fields. */
export type EvidenceRecord = Omit<AuditRecord, 'seq' | 'prev' | 'hash'> & { accountSeq: number; accountPrev: string; accountHash: string };

export interface EvidenceExport {
  format: typeof EVIDENCE_FORMAT;
  accountId: string;
  /** The period asked for, ISO-8601; `null` for an open end. */
  period: { from: string | null; to: string | null };
  /** Guard-clock time of the export. */
  exportedAt: string;
  /** The chain and the seal are HMACs: verifying needs the audit key. */
  keyed: boolean;
  /** The account chain's stretch this export covers. */
  segment: {
    /** `accountSeq` of the first record (the one after `prev` when there is none). */
    firstSeq: number;
    /** The account link before the first record: the genesis hash when the export starts at the account's first record. */
    prev: string;
    /** The last record's `accountHash` (`prev` when the period holds no record). */
    last: string;
    count: number;
  };
  records: EvidenceRecord[];
  /** Seal over the canonical JSON of everything above. */
  seal: string;
}

export interface EvidenceRange {
  /** Inclusive; any date form `assess` takes. Default: the account's first record. */
  from?: string | Date | number;
  /** Inclusive. Default: now. */
  to?: string | Date | number;
}

/**
 * Builds the export from a sink that can read back by account (`fileAuditSink`, `memoryAuditSink`,
 * or `callbackAuditSink` with `readAccount`). Throws `EvidenceUnavailableError` without one, and
 * `InvalidInputError` naming `from` or `to` when a date is unreadable or the period is reversed.
 */
export async function exportEvidence(sink: AuditSink | undefined, accountId: string, range: EvidenceRange, now: number): Promise<EvidenceExport> {
  const issues: InputIssue[] = [];
  if (typeof accountId !== 'string' || accountId === '' || accountId.length > 256)
    issues.push({ field: 'accountId', message: 'a non-empty string of at most 256 characters' });
  const from = range.from === undefined ? undefined : toEpochMs(range.from, 'from', issues);
  const to = range.to === undefined ? undefined : toEpochMs(range.to, 'to', issues);
  if (from !== undefined && to !== undefined && from > to) issues.push({ field: 'from', message: 'must not be after to' });
  if (issues.length > 0) throw new InvalidInputError(issues);
  if (!sink) throw new EvidenceUnavailableError('no audit sink is configured (the guard option audit)');
  if (typeof sink.readAccount !== 'function' || typeof sink.sealEvidence !== 'function') {
    throw new EvidenceUnavailableError(
      `the audit sink ${sink.name} cannot read records back by account (use fileAuditSink, memoryAuditSink, or callbackAuditSink with readAccount)`,
    );
  }
  let linked: AuditRecord[];
  try {
    linked = (await sink.readAccount(accountId)).filter((record) => record.accountId === accountId && record.accountSeq !== undefined);
  } catch (error) {
    throw new EvidenceUnavailableError(`the audit sink ${sink.name} could not be read`, error);
  }
  linked.sort((a, b) => a.accountSeq! - b.accountSeq!);
  const inPeriod = (record: AuditRecord) => {
    const at = Date.parse(record.at);
    return (from === undefined || at >= from) && (to === undefined || at <= to);
  };
  // A contiguous stretch of the chain: from the first record in the period to the last one.
  const first = linked.findIndex(inPeriod);
  let lastIndex = linked.length - 1;
  while (lastIndex >= 0 && !inPeriod(linked[lastIndex]!)) lastIndex--;
  const chosen = first === -1 ? [] : linked.slice(first, lastIndex + 1);
  const before = first === -1 ? linked.filter((record) => from !== undefined && Date.parse(record.at) < from).at(-1) : undefined;
  const records: EvidenceRecord[] = chosen.map(({ seq: _seq, prev: _prev, hash: _hash, ...record }) => record as EvidenceRecord);
  const prev = records[0]?.accountPrev ?? before?.accountHash ?? GENESIS_HASH;
  const body: Omit<EvidenceExport, 'seal'> = {
    format: EVIDENCE_FORMAT,
    accountId,
    period: { from: from === undefined ? null : isoTime(from), to: to === undefined ? null : isoTime(to) },
    exportedAt: isoTime(now),
    keyed: sink.keyed === true,
    segment: {
      firstSeq: records[0]?.accountSeq ?? (before?.accountSeq ?? 0) + 1,
      prev,
      last: records.at(-1)?.accountHash ?? prev,
      count: records.length,
    },
    records,
  };
  return { ...body, seal: sink.sealEvidence(canonicalJson(body)) };
}

export type EvidenceProblem = 'malformed' | 'key_required' | 'foreign' | 'tampered' | 'missing' | 'reordered' | 'appended' | 'seal';

export interface EvidenceVerification {
  ok: boolean;
  /** Records checked before the first problem (all of them when `ok`). */
  records: number;
  problem?: { kind: EvidenceProblem /** Index of the record in `records`, when one is at fault. */; index?: number; message: string };
}

const recordSchema = lazySchema((z) =>
  z
    .object({
      kind: z.string().min(1).max(64),
      at: z.string().max(64),
      accountId: z.string().max(256),
      accountSeq: z.number().int().min(1),
      accountPrev: z.string().regex(/^[0-9a-f]{64}$/),
      accountHash: z.string().regex(/^[0-9a-f]{64}$/),
    })
    .passthrough(),
);

const exportSchema = lazySchema((z) =>
  z.object({
    format: z.literal(EVIDENCE_FORMAT),
    accountId: z.string().min(1).max(256),
    period: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
    exportedAt: z.string(),
    keyed: z.boolean(),
    segment: z.object({
      firstSeq: z.number().int().min(1),
      prev: z.string().regex(/^[0-9a-f]{64}$/),
      last: z.string().regex(/^[0-9a-f]{64}$/),
      count: z.number().int().min(0),
    }),
    records: z.array(recordSchema()).max(1_000_000),
    seal: z.string().regex(/^[0-9a-f]{64}$/),
  }),
);

/**
 * Checks an export: its shape, that every record is this account's, hashes to itself and follows
 * the one before it, that the stretch starts where the segment says and holds exactly `count`
 * records ending at `last`, and the seal. A keyed export needs `key` (the audit chain's HMAC key).
 */
export function verifyEvidence(document: unknown, options: AuditChainOptions = {}): EvidenceVerification {
  const parsed = exportSchema().safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map(String).join('.') || '(document)';
    const index = issue.path[0] === 'records' && typeof issue.path[1] === 'number' ? issue.path[1] : undefined;
    return {
      ok: false,
      records: 0,
      problem: { kind: 'malformed', ...(index !== undefined ? { index } : {}), message: `not an evidence export: ${where}: ${issue.message}` },
    };
  }
  const evidence = document as EvidenceExport;
  if (evidence.keyed && options.key === undefined) {
    return {
      ok: false,
      records: 0,
      problem: { kind: 'key_required', message: 'this export is sealed with the audit key (HMAC): verifying it needs that key' },
    };
  }
  const key = evidence.keyed ? options.key : undefined;
  const { segment } = evidence;
  let previous = segment.prev;
  for (let index = 0; index < evidence.records.length; index++) {
    const record = evidence.records[index]!;
    const fail = (kind: EvidenceProblem, message: string): EvidenceVerification => ({ ok: false, records: index, problem: { kind, index, message } });
    if (record.accountId !== evidence.accountId) return fail('foreign', `record ${index + 1} belongs to another account`);
    const expected = segment.firstSeq + index;
    if (record.accountSeq !== expected) {
      // A gap is a removal unless the expected record turns up later (then the records were moved).
      const moved = evidence.records.slice(index + 1).some((later) => later.accountSeq === expected);
      if (record.accountSeq > expected && !moved)
        return fail('missing', `record ${index + 1} is number ${record.accountSeq} of the account's chain where ${expected} was due: records are missing`);
      return fail(
        'reordered',
        `record ${index + 1} is number ${record.accountSeq} of the account's chain where ${expected} was due: records were reordered or repeated`,
      );
    }
    const { accountHash, ...linked } = record;
    if (accountDigest(linked, key) !== accountHash)
      return fail('tampered', `record ${index + 1} (${record.kind} at ${record.at}) was changed after it was written`);
    if (record.accountPrev !== previous) return fail('reordered', `record ${index + 1} does not follow the record before it`);
    previous = accountHash;
  }
  const checked = evidence.records.length;
  if (checked !== segment.count || previous !== segment.last) {
    const kind: EvidenceProblem = checked > segment.count ? 'appended' : 'missing';
    return {
      ok: false,
      records: checked,
      problem: { kind, message: `the export says ${segment.count} records ending at ${segment.last.slice(0, 12)}..., it holds ${checked}` },
    };
  }
  const { seal, ...body } = evidence;
  if (sealText(canonicalJson(body), key) !== seal) {
    return {
      ok: false,
      records: checked,
      problem: { kind: 'seal', message: 'the seal does not match: the export was changed after it was made (or the key is wrong)' },
    };
  }
  return { ok: true, records: checked };
}
