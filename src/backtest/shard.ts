/**
 * Which shard replays which events, for worker threads (`--workers`) and for machines (`--shard`).
 *
 * A decision reads two kinds of state: the account's profile and pending step-ups (keyed by
 * account), and the number's cached carrier answers and ingested events (keyed by number). One
 * number can be bound to several accounts (a reissued number reaching a second account on the
 * platform, family accounts, a number moved between accounts), so sharding by account alone would
 * split a number's state across shards. The unit of sharding is therefore a connected group: the
 * accounts and numbers linked by appearing on one event, joined with union-find in a first pass over
 * the input. Every state a decision reads lives in exactly one group, so each shard's in-memory
 * store holds everything its events read, and its decisions equal the single-threaded run's.
 *
 * A group's shard is the keyed hash of its smallest account id (in the common case the group is one
 * account, so an account's shard is its own keyed hash). The hash is HMAC-SHA-256 under a key every
 * shard of a run shares (`--shard-key`, default a fixed string: these hashes never leave the
 * process), so every machine computes the same partition from the same input. Machine k of n takes
 * the groups with hash mod n = k; its w-th of m worker threads takes those with floor(hash / n) mod m
 * = w. With n = 1 the workers split by hash mod m, the same partition `--shard k/m` gives.
 */
import { createHmac } from 'node:crypto';
import { parsePhone } from '../validate/phone.js';
import type { ReplayEvent } from './replay.js';

export const DEFAULT_SHARD_KEY = 'recycled-number-guard backtest shard v1';

/** `k/n` -> { index: k, count: n }. */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new RangeError(`--shard takes k/n with 0 <= k < n (for example 0/4), got ${JSON.stringify(text)}`);
  }
  return { index, count };
}

/** The 32-bit keyed hash that places a group. */
export function shardHash(key: string, accountId: string): number {
  return createHmac('sha256', key).update('account').update('\0').update(accountId).digest().readUInt32BE(0);
}

/** Where a hash goes: the machine (`--shard k/n`) and, on that machine, the worker thread. */
export function placeOf(hash: number, machines: number, workers: number): { machine: number; worker: number } {
  return { machine: hash % machines, worker: Math.floor(hash / machines) % workers };
}

/**
 * Union-find over accounts and numbers. Accounts and numbers are nodes; each event joins its
 * account to its number. Node ids are dense integers, so the per-line record is one Int32.
 */
export class Grouping {
  private parent = new Int32Array(1024);
  /** Smallest account id in the group, kept at the root. */
  private smallest: (string | undefined)[] = [];
  private size = 0;
  private readonly accounts = new Map<string, number>();
  private readonly numbers = new Map<string, number>();
  /** Region ('' for the default) -> the number's spelling in the input -> its node, or -1 when it does not parse. */
  private readonly spellings = new Map<string, Map<string, number>>();
  /** Per account node: the number node it was last joined to (an account keeps its number for most events). */
  private lastNumber = new Int32Array(1024).fill(-1);

  constructor(private readonly defaultCountry: string | undefined) {}

  private node(name: string | undefined): number {
    if (this.size === this.parent.length) {
      const grown = new Int32Array(this.parent.length * 2);
      grown.set(this.parent);
      this.parent = grown;
      const last = new Int32Array(grown.length).fill(-1);
      last.set(this.lastNumber);
      this.lastNumber = last;
    }
    this.parent[this.size] = this.size;
    this.smallest.push(name);
    return this.size++;
  }

  private find(node: number): number {
    let root = node;
    while (this.parent[root] !== root) root = this.parent[root]!;
    while (this.parent[node] !== root) {
      const next = this.parent[node]!;
      this.parent[node] = root;
      node = next;
    }
    return root;
  }

  private union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    const [root, child] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent[child] = root;
    const sa = this.smallest[root];
    const sb = this.smallest[child];
    if (sa === undefined || (sb !== undefined && sb < sa)) this.smallest[root] = sb;
    this.smallest[child] = undefined;
  }

  /**
   * Joins the event's account and number; returns the account's node. An event whose account id is
   * not a string is rejected by the guard before it reads any state: it joins the group of ''.
   */
  add(event: ReplayEvent): number {
    const accountId = typeof event.accountId === 'string' ? event.accountId : '';
    let account = this.accounts.get(accountId);
    if (account === undefined) this.accounts.set(accountId, (account = this.node(accountId)));
    const number = typeof event.phone === 'string' ? this.numberOf(event.phone, event.defaultCountry) : -1;
    if (number !== -1 && this.lastNumber[account] !== number) {
      this.lastNumber[account] = number;
      this.union(account, number);
    }
    return account;
  }

  /** The number's node, keyed as the guard keys it (E.164), so two spellings of one number are one node. */
  private numberOf(raw: string, country: unknown): number {
    const region = typeof country === 'string' ? country.toUpperCase() : (this.defaultCountry ?? '');
    let spellings = this.spellings.get(region);
    if (!spellings) this.spellings.set(region, (spellings = new Map()));
    let number = spellings.get(raw);
    if (number === undefined) {
      const parsed = parsePhone(raw, region === '' ? undefined : region);
      if ('e164' in parsed) {
        number = this.numbers.get(parsed.e164);
        if (number === undefined) this.numbers.set(parsed.e164, (number = this.node(undefined)));
      } else number = -1;
      spellings.set(raw, number);
    }
    return number;
  }

  /** After the first pass: the hash of every account node's group, by node id (-1 for number nodes). */
  hashes(key: string): Float64Array {
    const byRoot = new Map<number, number>();
    const out = new Float64Array(this.size).fill(-1);
    for (const node of this.accounts.values()) {
      const root = this.find(node);
      let hash = byRoot.get(root);
      if (hash === undefined) byRoot.set(root, (hash = shardHash(key, this.smallest[root]!)));
      out[node] = hash;
    }
    return out;
  }

  /** Account ids -> hash, for a pass that decodes every record anyway (a single-threaded shard). */
  accountHashes(key: string): Map<string, number> {
    const hashes = this.hashes(key);
    const out = new Map<string, number>();
    for (const [accountId, node] of this.accounts) out.set(accountId, hashes[node]!);
    return out;
  }
}
