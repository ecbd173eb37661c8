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
import type { Decoded } from './input.js';
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

/** How the first pass saw a record. */
export const SCAN_OK = 0;
export const SCAN_BLANK = 1;
export const SCAN_UNREADABLE = 2;

/** The first pass's view of a batch: per record its status, time, account and number key. */
export interface ScanResult {
  status: Uint8Array;
  /** The event time (epoch ms) of each readable record. */
  at: Float64Array;
  /** The account id ('' when it is not a string: the guard rejects it before reading any state). */
  accounts: string[];
  /** The number as the guard keys it (E.164), '' when it does not parse. */
  numbers: string[];
}

/**
 * Numbers as the guard keys them (E.164 for the attempt's region), cached per spelling: parsing is
 * the costly part, and two spellings of one number must land in one group.
 */
export class NumberKeys {
  /** Region ('' for the default) -> spelling -> E.164 ('' when it does not parse). */
  private readonly spellings = new Map<string, Map<string, string>>();

  constructor(private readonly defaultCountry: string | undefined) {}

  of(event: ReplayEvent): string {
    if (typeof event.phone !== 'string') return '';
    const region = typeof event.defaultCountry === 'string' ? event.defaultCountry.toUpperCase() : (this.defaultCountry ?? '');
    let spellings = this.spellings.get(region);
    if (!spellings) this.spellings.set(region, (spellings = new Map()));
    let e164 = spellings.get(event.phone);
    if (e164 === undefined) {
      const parsed = parsePhone(event.phone, region === '' ? undefined : region);
      spellings.set(event.phone, (e164 = 'e164' in parsed ? parsed.e164 : ''));
    }
    return e164;
  }
}

/**
 * Account ids and number keys as small integers, per worker thread: a scan sends each string once
 * (the first time this worker meets it) and then only its id, and the main thread maps the ids to
 * its group nodes with an array index instead of a string lookup.
 */
export class KeyDictionary {
  private readonly ids = new Map<string, number>();
  private fresh: string[] = [];

  id(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      this.ids.set(key, (id = this.ids.size));
      this.fresh.push(key);
    }
    return id;
  }

  /** Keys given an id since the last call, in id order. */
  take(): string[] {
    const fresh = this.fresh;
    this.fresh = [];
    return fresh;
  }
}

/** Decode a batch of raw records for the first pass (`null`: the reader could not read it). */
export function scanBatch(raws: readonly (string | unknown[] | null)[], decode: (raw: string | unknown[]) => Decoded, keys: NumberKeys): ScanResult {
  const result: ScanResult = {
    status: new Uint8Array(raws.length),
    at: new Float64Array(raws.length),
    accounts: new Array<string>(raws.length),
    numbers: new Array<string>(raws.length),
  };
  for (let i = 0; i < raws.length; i++) {
    const raw = raws[i];
    const decoded = raw === null || raw === undefined ? undefined : decode(raw);
    if (!decoded?.event) {
      result.status[i] = decoded?.blank ? SCAN_BLANK : SCAN_UNREADABLE;
      result.accounts[i] = '';
      result.numbers[i] = '';
      continue;
    }
    result.at[i] = decoded.at;
    result.accounts[i] = typeof decoded.event.accountId === 'string' ? decoded.event.accountId : '';
    result.numbers[i] = keys.of(decoded.event);
  }
  return result;
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
  /** Per account node: the number node it was last joined to (an account keeps its number for most events). */
  private lastNumber = new Int32Array(1024).fill(-1);

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

  /** Joins an event's account and number (keys from `scanBatch`); returns the account's node. */
  add(accountId: string, e164: string): number {
    const account = this.accountNode(accountId);
    if (e164 !== '') this.join(account, this.numberNode(e164));
    return account;
  }

  accountNode(accountId: string): number {
    let node = this.accounts.get(accountId);
    if (node === undefined) this.accounts.set(accountId, (node = this.node(accountId)));
    return node;
  }

  numberNode(e164: string): number {
    let node = this.numbers.get(e164);
    if (node === undefined) this.numbers.set(e164, (node = this.node(undefined)));
    return node;
  }

  /** One event binds this account node to this number node. */
  join(account: number, number: number): void {
    if (this.lastNumber[account] === number) return;
    this.lastNumber[account] = number;
    this.union(account, number);
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
}
