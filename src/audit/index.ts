import { createHash, createHmac } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, open, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { OutcomeRejection } from '../errors/outcome-rejected-error.js';
import type { Decision, StepUpCheck } from '../types/index.js';
import { BoundedCache } from '../util/bounded-cache.js';
import { GENESIS_HASH, accountDigest, canonicalJson, sealText } from './hash.js';
import { redactText } from './redact.js';

export { canonicalJson } from './hash.js';

export { redactText } from './redact.js';

/**
 * An append-only, hash-chained audit trail: what a platform shows when it must prove which
 * security measures it took. Each record carries `seq`, the previous record's `hash` (`prev`) and
 * its own `hash` = SHA-256 (or HMAC-SHA-256 with a key) over `prev` and the canonical JSON of the
 * record. Removing, editing or reordering a record breaks the chain at that point.
 *
 * Every record is also a link of its account's own chain (`accountSeq`, `accountPrev`,
 * `accountHash`), hashed over that account's entry alone, so one account's records can be exported
 * and verified without any other account's (src/audit/evidence.ts, docs/evidence.md).
 */
export interface AuditEntry {
  /**
   * `decision` and `outcome` from assess and recordOutcome (evidence exports carry any kind); `protect` and `unprotect` when an account's protection is set
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
  /**
   * The account's own chain: its records numbered 1, 2, ... , each naming the previous one's
   * `accountHash`; `accountHash` covers the entry and these two fields only. Absent in records
   * written by a sink that cannot read back (a plain `callbackAuditSink`) or by versions before it.
   */
  accountSeq?: number;
  accountPrev?: string;
  accountHash?: string;
}

/** One account's link in its own chain, as the next record continues it. */
export interface AccountHead {
  accountSeq: number;
  accountHash: string;
}

export interface AuditSink {
  readonly name: string;
  append(entry: AuditEntry): Promise<AuditRecord>;
  /**
   * Every record of one account that carries account links, in chain order. Needed by
   * `guard.evidenceFor`; the built-in file and memory sinks have it, a `callbackAuditSink` has it
   * when the host passes `readAccount`.
   */
  readAccount?(accountId: string): Promise<AuditRecord[]>;
  /**
   * Seals an evidence export: HMAC-SHA-256 with the chain's key, or SHA-256 without one. Only sinks
   * that can read back offer it.
   */
  sealEvidence?(text: string): string;
  /** Whether the chain (and the seal) is an HMAC: verifying then needs the key. */
  readonly keyed?: boolean;
}

export interface AuditChainOptions {
  /** HMAC key: without it anyone can recompute the chain after editing; with it only key holders. */
  key?: string | Uint8Array;
}

const GENESIS = GENESIS_HASH;

function digest(record: Omit<AuditRecord, 'hash'>, key: string | Uint8Array | undefined): string {
  const body = canonicalJson(record);
  return (key ? createHmac('sha256', key) : createHash('sha256')).update(record.prev).update('\n').update(body).digest('hex');
}

/** The fields the log's chain adds; an account link is hashed without them. */
type LogFields = 'seq' | 'prev' | 'hash' | 'accountHash';

/**
 * Reason messages quote evidence text (a provider's or a store's error message), which can echo a
 * phone number or an address; audit records keep the code and effect and a scrubbed message.
 */
function scrub(entry: AuditEntry): AuditEntry {
  return entry.reasons ? { ...entry, reasons: entry.reasons.map((reason) => ({ ...reason, message: redactText(reason.message) })) } : entry;
}

/**
 * Where each account's chain stands (`undefined`: no linked record yet). A sink that cannot read
 * back passes none, and its records carry no account links: after a restart it could not continue them.
 */
interface AccountHeads {
  head(accountId: string): Promise<AccountHead | undefined>;
  advance(accountId: string, head: AccountHead): void;
}

/** Chains entries: seq, prev and hash. Appends are serialised so concurrent assesses keep order. */
function chain(
  write: (record: AuditRecord) => Promise<void>,
  start: () => Promise<{ seq: number; hash: string }>,
  options: AuditChainOptions,
  heads: AccountHeads | null = null,
) {
  let tail: Promise<{ seq: number; hash: string }> | undefined;
  return (entry: AuditEntry): Promise<AuditRecord> => {
    const previous = tail ?? start();
    const next = previous.then(async (last) => {
      let linked: Omit<AuditRecord, LogFields> = scrub(entry);
      if (heads) {
        const head = await heads.head(entry.accountId);
        linked = { ...linked, accountSeq: (head?.accountSeq ?? 0) + 1, accountPrev: head?.accountHash ?? GENESIS };
        linked = { ...linked, accountHash: accountDigest(linked, options.key) } as typeof linked;
      }
      const unsigned = { ...linked, seq: last.seq + 1, prev: last.hash };
      const record: AuditRecord = { ...unsigned, hash: digest(unsigned, options.key) };
      await write(record);
      // Only a written record moves the account's chain on, as with the log's.
      if (heads && record.accountSeq !== undefined) heads.advance(entry.accountId, { accountSeq: record.accountSeq, accountHash: record.accountHash! });
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
    const lines = buffer
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
    const last = lines.at(-1);
    if (!last) return { seq: 0, hash: GENESIS };
    const parsed = JSON.parse(last) as Partial<AuditRecord>;
    if (typeof parsed.seq !== 'number' || typeof parsed.hash !== 'string') throw new Error(`${path}: the last line is not an audit record`);
    return { seq: parsed.seq, hash: parsed.hash };
  } finally {
    await handle.close();
  }
}

/** Every record of a JSONL log, streamed (an unreadable line is skipped: `verifyAuditLog` reports it). */
async function* readRecords(path: string): AsyncGenerator<AuditRecord> {
  let stream;
  try {
    await open(path, 'r').then((handle) => handle.close());
    stream = createReadStream(path, { encoding: 'utf8' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
    } catch {
      continue;
    }
    yield record;
  }
}

/**
 * The default sink: one JSON line per record, appended with one write each. On its first append it
 * reads the log once to learn where every account's chain stands (about 150 bytes of memory per
 * account); `readAccount` reads the file through.
 */
export function fileAuditSink(path: string, options: AuditChainOptions = {}): AuditSink {
  const heads = new Map<string, AccountHead>();
  let scanned: Promise<void> | undefined;
  const scan = () =>
    (scanned ??= (async () => {
      for await (const record of readRecords(path)) {
        if (record.accountSeq !== undefined && record.accountHash !== undefined)
          heads.set(record.accountId, { accountSeq: record.accountSeq, accountHash: record.accountHash });
      }
    })().catch((error: unknown) => {
      scanned = undefined;
      throw error;
    }));
  const start = async () => {
    const last = await lastRecord(path);
    await scan();
    return last;
  };
  const append = chain((record) => appendFile(path, `${JSON.stringify(record)}\n`, { flag: 'a' }), start, options, {
    head: async (accountId) => heads.get(accountId),
    advance: (accountId, head) => heads.set(accountId, head),
  });
  return {
    name: `file:${path}`,
    append,
    keyed: options.key !== undefined,
    sealEvidence: (text) => sealText(text, options.key),
    async readAccount(accountId) {
      const records: AuditRecord[] = [];
      for await (const record of readRecords(path)) if (record.accountId === accountId && record.accountSeq !== undefined) records.push(record);
      return records;
    },
  };
}

/** Keeps the chain in memory: tests, demos, and a single process that exports evidence before it exits. */
export function memoryAuditSink(options: AuditChainOptions = {}): AuditSink & { readonly records: readonly AuditRecord[] } {
  const records: AuditRecord[] = [];
  const byAccount = new Map<string, AuditRecord[]>();
  const append = chain(
    async (record) => {
      records.push(record);
      const list = byAccount.get(record.accountId) ?? [];
      list.push(record);
      byAccount.set(record.accountId, list);
    },
    async () => ({ seq: 0, hash: GENESIS }),
    options,
    {
      head: async (accountId) => {
        const last = byAccount.get(accountId)?.at(-1);
        return last ? { accountSeq: last.accountSeq!, accountHash: last.accountHash! } : undefined;
      },
      advance: () => undefined,
    },
  );
  return {
    name: 'memory',
    append,
    records,
    keyed: options.key !== undefined,
    sealEvidence: (text) => sealText(text, options.key),
    readAccount: async (accountId) => [...(byAccount.get(accountId) ?? [])],
  };
}

export interface CallbackAuditSinkOptions extends AuditChainOptions {
  /** Where the log ended before this process (its last `seq` and `hash`). */
  resume?: { seq: number; hash: string };
  /**
   * Reads back one account's records from the host's log (every record `write` was given for that
   * account, in order). With it, records carry account links and `guard.evidenceFor` works; it is
   * asked once per account per process for where that account's chain stands.
   */
  readAccount?: (accountId: string) => Promise<AuditRecord[]>;
}

/** Hands each chained record to the host's own log. */
export function callbackAuditSink(write: (record: AuditRecord) => void | Promise<void>, options: CallbackAuditSinkOptions = {}): AuditSink {
  const start = options.resume ?? { seq: 0, hash: GENESIS };
  const readAccount = options.readAccount;
  const appendWith = (heads: AccountHeads | null) =>
    chain(
      async (record) => write(record),
      async () => start,
      options,
      heads,
    );
  if (!readAccount) return { name: 'callback', append: appendWith(null) };
  // Where the accounts seen in this process stand; a forgotten one is read back again.
  const known = new BoundedCache<string, AccountHead>(100_000);
  const heads: AccountHeads = {
    async head(accountId) {
      const cached = known.get(accountId);
      if (cached) return cached;
      const linked = (await readAccount(accountId)).filter((record) => record.accountSeq !== undefined);
      const last = linked.at(-1);
      return last ? { accountSeq: last.accountSeq!, accountHash: last.accountHash! } : undefined;
    },
    advance: (accountId, head) => known.set(accountId, head),
  };
  return {
    name: 'callback',
    append: appendWith(heads),
    keyed: options.key !== undefined,
    sealEvidence: (text) => sealText(text, options.key),
    readAccount: async (accountId) => (await readAccount(accountId)).filter((record) => record.accountId === accountId && record.accountSeq !== undefined),
  };
}

export interface AuditVerification {
  ok: boolean;
  records: number;
  firstBad?: { line: number; seq?: number; problem: 'tampered' | 'missing' | 'reordered' | 'malformed' };
}

/** The record continues its account's chain (records without account links are not part of one). */
function accountLinkHolds(record: AuditRecord, accounts: Map<string, AccountHead>, key: AuditChainOptions['key']): boolean {
  if (record.accountSeq === undefined && record.accountPrev === undefined && record.accountHash === undefined) return true;
  const head = accounts.get(record.accountId);
  const { seq: _seq, prev: _prev, hash: _hash, accountHash, ...linked } = record;
  const holds =
    record.accountSeq === (head?.accountSeq ?? 0) + 1 && record.accountPrev === (head?.accountHash ?? GENESIS) && accountDigest(linked, key) === accountHash;
  if (holds) accounts.set(record.accountId, { accountSeq: record.accountSeq!, accountHash: accountHash! });
  return holds;
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
  const accounts = new Map<string, AccountHead>();
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
    if (record.prev !== previous.hash || digest(unsigned, options.key) !== hash || !accountLinkHolds(record, accounts, options.key)) {
      return { ok: false, records, firstBad: { line: lineNumber, seq: record.seq, problem: 'tampered' } };
    }
    previous = { seq: record.seq, hash };
    records++;
  }
  return { ok: true, records };
}
