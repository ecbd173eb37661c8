import { createHash, createHmac } from 'node:crypto';
import { appendFile, open, readFile } from 'node:fs/promises';
import type { OutcomeRejection } from '../errors/outcome-rejected-error.js';
import type { Decision, StepUpCheck } from '../types/index.js';
import { redactText } from './redact.js';

export { redactText } from './redact.js';

/**
 * An append-only, hash-chained audit trail: what a platform shows when it must prove which
 * security measures it took. Each record carries `seq`, the previous record's `hash` (`prev`) and
 * its own `hash` = SHA-256 (or HMAC-SHA-256 with a key) over `prev` and the canonical JSON of the
 * record. Removing, editing or reordering a record breaks the chain at that point.
 */
export interface AuditEntry {
  /**
   * `decision` and `outcome` as above; `protect` and `unprotect` when an account's protection is set
   * or lifted, `freeze` for every owner freeze request (granted or not), `release` for every binding
   * `releaseNumber` released or refused, with its evidence.
   */
  kind: 'decision' | 'outcome' | 'protect' | 'unprotect' | 'freeze' | 'release';
  /** Guard-clock time the record was made, ISO-8601. */
  at: string;
  decisionId: string;
  accountId: string;
  /** Keyed hash of the number: never the number itself. */
  phoneHash: string;
  action?: Decision['action'];
  wouldBe?: Decision['wouldBe'];
  risk?: number;
  numberChangedHands?: Decision['numberChangedHands'];
  reasons?: { code: string; effect: number; message: string }[];
  evidenceSources?: string[];
  preset?: Decision['preset'];
  policyVersion?: string;
  mode?: Decision['mode'];
  /** For `kind: 'outcome'`: the step-up result; `rejected` when `recordOutcome` refused it (replayed, forged, foreign or late id). */
  outcome?: { checks: StepUpCheck[]; passed: boolean; satisfied: boolean; rejected?: OutcomeRejection };
  /** For `protect` / `unprotect` / `freeze` / `release`: why, by whom, and what it rested on (no number, no address). */
  protection?: { reason: string; by: string; since?: string };
  /** For `freeze` and `unprotect`: the non-SMS checks the host ran, whether they passed, and the answer. */
  proof?: { checks: StepUpCheck[]; passed: boolean; granted: boolean; answer: string };
  /** For `release`: released or refused, the rule, and the evidence (sources and reason codes). */
  release?: { released: boolean; rule: string; evidence: string[] };
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  prev: string;
  hash: string;
}

export interface AuditSink {
  readonly name: string;
  append(entry: AuditEntry): Promise<AuditRecord>;
}

export interface AuditChainOptions {
  /** HMAC key: without it anyone can recompute the chain after editing; with it only key holders. */
  key?: string | Uint8Array;
}

const GENESIS = '0'.repeat(64);

/** JSON with sorted keys at every level, so the hash does not depend on property order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function digest(record: Omit<AuditRecord, 'hash'>, key: string | Uint8Array | undefined): string {
  const body = canonicalJson(record);
  return (key ? createHmac('sha256', key) : createHash('sha256')).update(record.prev).update('\n').update(body).digest('hex');
}

/**
 * Reason messages quote evidence text (a provider's or a store's error message), which can echo a
 * phone number or an address; audit records keep the code and effect and a scrubbed message.
 */
function scrub(entry: AuditEntry): AuditEntry {
  return entry.reasons ? { ...entry, reasons: entry.reasons.map((reason) => ({ ...reason, message: redactText(reason.message) })) } : entry;
}

/** Chains entries: seq, prev and hash. Appends are serialised so concurrent assesses keep order. */
function chain(write: (record: AuditRecord) => Promise<void>, start: () => Promise<{ seq: number; hash: string }>, options: AuditChainOptions) {
  let tail: Promise<{ seq: number; hash: string }> | undefined;
  return (entry: AuditEntry): Promise<AuditRecord> => {
    const previous = tail ?? start();
    const next = previous.then(async (last) => {
      const unsigned = { ...scrub(entry), seq: last.seq + 1, prev: last.hash };
      const record: AuditRecord = { ...unsigned, hash: digest(unsigned, options.key) };
      await write(record);
      return record;
    });
    // A failed write leaves the chain where it was: the next record links to the last one written.
    const settled = next.then(
      (record) => ({ seq: record.seq, hash: record.hash }),
      () => previous,
    );
    tail = settled;
    // If the log could not be read (start failed), the next append reads it again. Handling the
    // rejection here also keeps it from surfacing as an unhandled rejection in the host process.
    settled.catch(() => {
      if (tail === settled) tail = undefined;
    });
    return next;
  };
}

/** The last record of an existing log, so a restarted process continues its chain. */
async function lastRecord(path: string): Promise<{ seq: number; hash: string }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { seq: 0, hash: GENESIS };
    throw error;
  }
  try {
    const { size } = await handle.stat();
    // Records are small; the last 64 KiB always hold the last complete line.
    const length = Math.min(size, 65_536);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    if (length > 0 && buffer[length - 1] !== 0x0a) {
      // A crash cut the last record: appending would glue the next one onto it and hide the damage.
      throw new Error(`${path}: the last record is incomplete (no final newline); verify the log and start a new file`);
    }
    const lines = buffer.toString('utf8').split('\n').filter((line) => line.trim() !== '');
    const last = lines.at(-1);
    if (!last) return { seq: 0, hash: GENESIS };
    const parsed = JSON.parse(last) as Partial<AuditRecord>;
    if (typeof parsed.seq !== 'number' || typeof parsed.hash !== 'string') throw new Error(`${path}: the last line is not an audit record`);
    return { seq: parsed.seq, hash: parsed.hash };
  } finally {
    await handle.close();
  }
}

/** The default sink: one JSON line per record, appended with one write each. */
export function fileAuditSink(path: string, options: AuditChainOptions = {}): AuditSink {
  const append = chain((record) => appendFile(path, `${JSON.stringify(record)}\n`, { flag: 'a' }), () => lastRecord(path), options);
  return { name: `file:${path}`, append };
}

/** Hands each chained record to the host's own log. */
export function callbackAuditSink(write: (record: AuditRecord) => void | Promise<void>, options: AuditChainOptions & { resume?: { seq: number; hash: string } } = {}): AuditSink {
  const start = options.resume ?? { seq: 0, hash: GENESIS };
  const append = chain(async (record) => write(record), async () => start, options);
  return { name: 'callback', append };
}

export interface AuditVerification {
  ok: boolean;
  records: number;
  firstBad?: { line: number; seq?: number; problem: 'tampered' | 'missing' | 'reordered' | 'malformed' };
}

function seqOf(line: string): number | undefined {
  try {
    const seq = (JSON.parse(line) as { seq?: unknown }).seq;
    return typeof seq === 'number' ? seq : undefined;
  } catch {
    return undefined;
  }
}

/** Checks a JSONL audit log: every record parses, follows its predecessor, and hashes to itself. */
export async function verifyAuditLog(path: string, options: AuditChainOptions = {}): Promise<AuditVerification> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  let previous = { seq: 0, hash: GENESIS };
  let records = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === '') continue;
    const lineNumber = index + 1;
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
      if (typeof record.seq !== 'number' || typeof record.prev !== 'string' || typeof record.hash !== 'string') throw new Error('shape');
    } catch {
      return { ok: false, records, firstBad: { line: lineNumber, problem: 'malformed' } };
    }
    if (record.seq !== previous.seq + 1) {
      // A gap is a removal unless the expected record turns up later in the file (then it was moved).
      const expected = previous.seq + 1;
      const moved = record.seq < expected || lines.slice(index + 1).some((later) => seqOf(later) === expected);
      return { ok: false, records, firstBad: { line: lineNumber, seq: record.seq, problem: moved ? 'reordered' : 'missing' } };
    }
    const { hash, ...unsigned } = record;
    if (record.prev !== previous.hash || digest(unsigned, options.key) !== hash) {
      return { ok: false, records, firstBad: { line: lineNumber, seq: record.seq, problem: 'tampered' } };
    }
    previous = { seq: record.seq, hash };
    records++;
  }
  return { ok: true, records };
}
