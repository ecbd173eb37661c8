// A small writer of MaxMind DB files (MaxMind DB File Format Specification 2.0), so the mmdb
// geolocation path is tested on a database the test makes itself: no licensed data in the repo.
// IPv6 tree with IPv4 networks under ::/96 (where readers look them up), 24-bit records, no
// pointers (each network's record is written out in full), non-overlapping networks only.
import { isIPv4, isIPv6 } from 'node:net';

export type MmdbValue = string | number | bigint | boolean | MmdbValue[] | { [key: string]: MmdbValue };

export interface MmdbNetwork {
  /** `198.51.100.0/24` or `2001:db8:1::/48`. */
  cidr: string;
  record: { [key: string]: MmdbValue };
}

const TYPE = { utf8: 2, double: 3, uint32: 6, map: 7, int32: 8, uint64: 9, array: 11, boolean: 14 } as const;

function control(type: number, size: number): Buffer {
  const head: number[] = [];
  const extended = type > 7;
  const bits = (extended ? 0 : type) << 5;
  let sizeBytes: number[] = [];
  if (size < 29) head.push(bits | size);
  else if (size < 285) {
    head.push(bits | 29);
    sizeBytes = [size - 29];
  } else if (size < 65_821) {
    head.push(bits | 30);
    const rest = size - 285;
    sizeBytes = [rest >> 8, rest & 0xff];
  } else {
    head.push(bits | 31);
    const rest = size - 65_821;
    sizeBytes = [(rest >> 16) & 0xff, (rest >> 8) & 0xff, rest & 0xff];
  }
  if (extended) head.push(type - 7);
  return Buffer.from([...head, ...sizeBytes]);
}

/** Big-endian bytes of a non-negative integer, leading zero bytes dropped (the format's minimal form). */
function minimal(value: bigint): Buffer {
  const bytes: number[] = [];
  for (let rest = value; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
  return Buffer.from(bytes);
}

export function encodeValue(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([control(TYPE.utf8, bytes.length), bytes]);
  }
  if (typeof value === 'boolean') return control(TYPE.boolean, value ? 1 : 0);
  if (typeof value === 'bigint') {
    const bytes = minimal(value);
    return Buffer.concat([control(TYPE.uint64, bytes.length), bytes]);
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value < 2 ** 32) {
      const bytes = minimal(BigInt(value));
      return Buffer.concat([control(TYPE.uint32, bytes.length), bytes]);
    }
    if (Number.isInteger(value) && value < 0 && value >= -(2 ** 31)) {
      const bytes = Buffer.alloc(4);
      bytes.writeInt32BE(value);
      return Buffer.concat([control(TYPE.int32, 4), bytes]);
    }
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value);
    return Buffer.concat([control(TYPE.double, 8), bytes]);
  }
  if (Array.isArray(value)) return Buffer.concat([control(TYPE.array, value.length), ...value.map(encodeValue)]);
  const entries = Object.entries(value);
  return Buffer.concat([control(TYPE.map, entries.length), ...entries.flatMap(([key, entry]) => [encodeValue(key), encodeValue(entry)])]);
}

/** The network's first `prefix` bits in a 128-bit IPv6 address space (IPv4 under ::/96). */
function networkBits(cidr: string): number[] {
  const [address, length] = cidr.split('/') as [string, string];
  const prefix = Number(length);
  let bytes: number[];
  if (isIPv4(address)) bytes = [...new Array<number>(12).fill(0), ...address.split('.').map(Number)];
  else if (isIPv6(address)) {
    const [head, tail = ''] = address.split('::') as [string, string?];
    const groups = (part: string) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
    const left = groups(head);
    const right = address.includes('::') ? groups(tail) : [];
    const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
    bytes = all.flatMap((group) => [group >> 8, group & 0xff]);
  } else throw new Error(`not an IP network: ${cidr}`);
  const total = isIPv4(address) ? 96 + prefix : prefix;
  const bits: number[] = [];
  for (let i = 0; i < total; i++) bits.push((bytes[i >> 3]! >> (7 - (i & 7))) & 1);
  return bits;
}

type Child = { node: number } | { data: number } | null;

export function writeMmdb(networks: MmdbNetwork[], meta: { databaseType: string; description?: string } = { databaseType: 'Test-City' }): Buffer {
  const nodes: [Child, Child][] = [[null, null]];
  const data: Buffer[] = [];
  networks.forEach((network, index) => {
    const bits = networkBits(network.cidr);
    data.push(encodeValue(network.record));
    let at = 0;
    for (let depth = 0; depth < bits.length - 1; depth++) {
      const side = bits[depth]!;
      const child = nodes[at]![side];
      if (child && 'data' in child) throw new Error(`${network.cidr} overlaps an earlier network`);
      if (!child) {
        nodes.push([null, null]);
        nodes[at]![side] = { node: nodes.length - 1 };
      }
      at = (nodes[at]![side] as { node: number }).node;
    }
    const last = bits[bits.length - 1]!;
    if (nodes[at]![last]) throw new Error(`${network.cidr} overlaps an earlier network`);
    nodes[at]![last] = { data: index };
  });

  const nodeCount = nodes.length;
  const offsets: number[] = [];
  let offset = 0;
  for (const record of data) {
    offsets.push(offset);
    offset += record.length;
  }
  const tree = Buffer.alloc(nodeCount * 6);
  const value = (child: Child) => (child === null ? nodeCount : 'node' in child ? child.node : nodeCount + 16 + offsets[child.data]!);
  nodes.forEach(([left, right], index) => {
    tree.writeUIntBE(value(left), index * 6, 3);
    tree.writeUIntBE(value(right), index * 6 + 3, 3);
  });
  const metadata = encodeValue({
    node_count: nodeCount,
    record_size: 24,
    ip_version: 6,
    database_type: meta.databaseType,
    languages: ['en'],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: BigInt(Math.floor(Date.parse('2026-01-01T00:00:00Z') / 1000)),
    description: { en: meta.description ?? 'written by recycled-number-guard tests' },
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com'), metadata]);
}
