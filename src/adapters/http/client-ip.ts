import { BlockList, isIP } from 'node:net';
import { GuardConfigError } from '../../errors/guard-config-error.js';
import { normalizeIp } from '../../validate/attempt.js';

/** The parts of a Node, Express or Fastify request the helpers read. */
export interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string | undefined } | null;
}

export interface ClientIpOptions {
  /**
   * Addresses or CIDRs of the proxies in front of you (load balancer, CDN, ingress), IPv4, IPv6 or
   * IPv4-mapped IPv6. Forwarded headers are read only when the connection comes from one of them;
   * by default none are trusted, so the header cannot be spoofed into the decision.
   */
  trustedProxies?: readonly string[];
  /** Which header the trusted proxies write. Default `x-forwarded-for`. */
  header?: 'x-forwarded-for' | 'forwarded';
}

// Compiling a BlockList per request would cost more than the lookup; hosts pass the same array each time.
const compiled = new WeakMap<readonly string[], (ip: string) => boolean>();

/** Compiles the trusted-proxy list once; call the result per request. Throws `GuardConfigError` naming the bad entry. */
export function trustedProxyMatcher(trustedProxies: readonly string[] = []): (ip: string) => boolean {
  if (!Array.isArray(trustedProxies)) throw new GuardConfigError('trustedProxies', 'an array of addresses or CIDRs');
  const hit = compiled.get(trustedProxies);
  if (hit) return hit;
  const list = new BlockList();
  for (const [index, entry] of trustedProxies.entries()) {
    if (typeof entry !== 'string') throw new GuardConfigError(`trustedProxies[${index}]`, 'not a string');
    const [address, bits, extra] = entry.trim().split('/');
    const version = isIP(address ?? '');
    if (version === 0 || extra !== undefined) throw new GuardConfigError(`trustedProxies[${index}]`, `not an IP address or CIDR: ${entry}`);
    const type = version === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address!, type);
    else {
      const prefix = Number(bits);
      if (bits === '' || !Number.isInteger(prefix) || prefix < 0 || prefix > (version === 4 ? 32 : 128)) {
        throw new GuardConfigError(`trustedProxies[${index}]`, `bad prefix length: ${entry}`);
      }
      // A /0 trusts every address on earth, which is the same as believing the client's header.
      if (prefix === 0) throw new GuardConfigError(`trustedProxies[${index}]`, `${entry} trusts every address: list your proxies`);
      list.addSubnet(address!, prefix, type);
    }
  }
  // BlockList matches IPv4 against IPv4-mapped IPv6 entries and back, so either spelling works.
  const matcher = (ip: string) => {
    const version = isIP(ip);
    return version !== 0 && list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
  };
  compiled.set(trustedProxies, matcher);
  return matcher;
}

function headerValues(request: RequestLike, name: string): string[] {
  const value = request.headers[name];
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** `for=` of each RFC 7239 element: `for="[2001:db8::1]:443"` -> `2001:db8::1`. */
function forwardedFor(element: string): string {
  const match = /(?:^|;)\s*for=("?)([^";]+)\1/i.exec(element);
  let value = match?.[2] ?? '';
  if (value.startsWith('[')) value = value.slice(1, value.indexOf(']'));
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
  return value;
}

/**
 * The client's address. Without a trusted proxy this is the socket's peer, whatever the headers
 * say. Behind trusted proxies, the forwarded chain is walked from the right (the hop nearest to
 * us) and the first address that is not a trusted proxy is the client; entries further left were
 * written by the client and are never believed. A malformed hop stops the walk at the proxy that
 * forwarded it. IPv4-mapped IPv6 addresses come back as plain IPv4.
 */
export function clientIp(request: RequestLike, options: ClientIpOptions | ((ip: string) => boolean) = {}): string | undefined {
  const trusted = typeof options === 'function' ? options : trustedProxyMatcher(options.trustedProxies);
  const header = typeof options === 'function' ? 'x-forwarded-for' : (options.header ?? 'x-forwarded-for');
  const peer = normalizeIp(request.socket?.remoteAddress ?? '')?.ip;
  if (!peer) return undefined;
  if (!trusted(peer)) return peer;
  const chain = headerValues(request, header).map((hop) => (header === 'forwarded' ? forwardedFor(hop) : hop));
  let current = peer;
  for (let index = chain.length - 1; index >= 0; index--) {
    const hop = normalizeIp(chain[index]!)?.ip;
    if (!hop) return current;
    current = hop;
    if (!trusted(hop)) return hop;
  }
  return current;
}
