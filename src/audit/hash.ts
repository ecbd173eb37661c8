/**
 * The hashing both chains use (the log's, and each account's), shared by the sinks, the log
 * verifier and the evidence export.
 */
import { createHash, createHmac } from 'node:crypto';

/** The zero hash every chain (the log's and each account's) starts from. */
export const GENESIS_HASH = '0'.repeat(64);

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

/**
 * An account link's hash: over the account's previous hash and the canonical JSON of the entry with
 * its `accountSeq` and `accountPrev`, never the log's `seq` or `prev`, so verifying it needs
 * nothing from other accounts (and reveals nothing about them, not even how many records they have).
 */
export function accountDigest(record: { accountPrev?: string }, key: string | Uint8Array | undefined): string {
  const body = canonicalJson(record);
  return (key ? createHmac('sha256', key) : createHash('sha256'))
    .update(record.accountPrev ?? '')
    .update('\n')
    .update(body)
    .digest('hex');
}

/** HMAC-SHA-256 (or SHA-256) of a text: the seal of an evidence export. */
export function sealText(text: string, key: string | Uint8Array | undefined): string {
  return (key ? createHmac('sha256', key) : createHash('sha256')).update(text).digest('hex');
}
