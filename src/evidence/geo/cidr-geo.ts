import { isIP } from 'node:net';
import type { GeoLookup, GeoResult } from '../../types/index.js';

export interface CidrGeoEntry {
  /** `198.51.100.0/24` or `2001:db8:1::/48`. */
  cidr: string;
  geo: GeoResult;
}

/** IPv4 as an unsigned 32-bit number, or -1 when it is not dotted-quad IPv4. */
function ipv4ToNumber(ip: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const code = ip.charCodeAt(i);
    if (code === 46) {
      if (digits === 0 || part > 255) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (code >= 48 && code <= 57 && digits < 3) {
      part = part * 10 + (code - 48);
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return value * 256 + part;
}

function ipv6ToBigInt(ip: string): bigint {
  let text = ip.toLowerCase();
  // Embedded IPv4 tail (::ffff:1.2.3.4).
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToNumber(v4[1]!);
    text = `${text.slice(0, -v4[1]!.length)}${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = [...headParts, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  return parts.reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part || '0', 16)), 0n);
}

/**
 * A lookup over a table of network prefixes, longest prefix first. For tests, simulations and
 * hosts that map their own networks (office ranges, a carrier's CGNAT pools) to places.
 * IPv4 uses plain numbers (the hot path); IPv6 uses BigInt.
 */
export function cidrGeoLookup(entries: CidrGeoEntry[], name = 'cidr-table'): GeoLookup {
  const v4 = new Map<number, Map<number, GeoResult>>();
  const v6 = new Map<number, Map<bigint, GeoResult>>();
  for (const entry of entries) {
    const [address, lengthText] = entry.cidr.split('/');
    const version = isIP(address ?? '');
    if (version !== 4 && version !== 6) throw new TypeError(`cidrGeoLookup: bad network ${entry.cidr}`);
    const bits = version === 4 ? 32 : 128;
    const length = lengthText === undefined ? bits : Number(lengthText);
    if (!Number.isInteger(length) || length < 0 || length > bits) throw new TypeError(`cidrGeoLookup: bad prefix length in ${entry.cidr}`);
    if (version === 4) {
      const key = Math.floor(ipv4ToNumber(address!) / 2 ** (32 - length));
      if (!v4.has(length)) v4.set(length, new Map());
      v4.get(length)!.set(key, entry.geo);
    } else {
      if (!v6.has(length)) v6.set(length, new Map());
      v6.get(length)!.set(ipv6ToBigInt(address!) >> BigInt(128 - length), entry.geo);
    }
  }
  const v4Lengths = [...v4.keys()].sort((a, b) => b - a);
  const v6Lengths = [...v6.keys()].sort((a, b) => b - a);
  return {
    name,
    lookup(ip: string) {
      const n = ipv4ToNumber(ip);
      if (n >= 0) {
        for (const length of v4Lengths) {
          const hit = v4.get(length)!.get(Math.floor(n / 2 ** (32 - length)));
          if (hit) return hit;
        }
        return null;
      }
      if (isIP(ip) !== 6) return null;
      const value = ipv6ToBigInt(ip);
      for (const length of v6Lengths) {
        const hit = v6.get(length)!.get(value >> BigInt(128 - length));
        if (hit) return hit;
      }
      return null;
    },
  };
}
