import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GuardConfigError } from 'recycled-number-guard';
import { clientIp, trustedProxyMatcher } from 'recycled-number-guard/http';

const request = (remoteAddress: string | undefined, headers: Record<string, string | string[]> = {}) => ({
  headers,
  socket: remoteAddress === undefined ? null : { remoteAddress },
});

const anyIp = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV4().map((ip) => `::ffff:${ip}`),
);
const headerJunk = fc.array(fc.oneof(anyIp, fc.string({ maxLength: 40 }), fc.constant('unknown'), fc.constant('for=8.8.8.8')), { maxLength: 6 });

describe('clientIp: without configuration the headers are never believed', () => {
  it('for any peer and any forwarded headers, the answer is the peer (property)', () => {
    fc.assert(
      fc.property(
        fc.ipV4().filter((ip) => ip !== '192.0.2.1'),
        headerJunk,
        headerJunk,
        (peer, xff, forwarded) => {
          const headers = {
            'x-forwarded-for': xff.join(', '),
            forwarded: forwarded.join(', '),
            'x-real-ip': '1.2.3.4',
            'true-client-ip': '5.6.7.8',
            'cf-connecting-ip': '9.9.9.9',
          };
          expect(clientIp(request(peer, headers))).toBe(peer);
          expect(clientIp(request(peer, headers), { header: 'forwarded' })).toBe(peer);
          // A trusted-proxy list that does not contain the peer changes nothing either.
          expect(clientIp(request(peer, headers), { trustedProxies: ['192.0.2.1'] })).toBe(peer);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('behind trusted proxies, a client can prepend anything and still only ever appear as itself', () => {
    const trustedProxies = ['10.0.0.0/8'];
    fc.assert(
      fc.property(
        fc.ipV4().filter((ip) => !ip.startsWith('10.')),
        headerJunk,
        (realClient, forged) => {
          // The client sends its own X-Forwarded-For; the edge proxy appends the address it saw.
          const xff = [...forged, realClient].join(', ');
          expect(clientIp(request('10.1.2.3', { 'x-forwarded-for': xff }), { trustedProxies })).toBe(realClient);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('IPv4-mapped IPv6 peers and trusted entries match their IPv4 spelling, both ways', () => {
    const headers = { 'x-forwarded-for': '198.51.100.7' };
    expect(clientIp(request('::ffff:10.0.0.2', headers), { trustedProxies: ['10.0.0.0/8'] })).toBe('198.51.100.7');
    expect(clientIp(request('10.0.0.2', headers), { trustedProxies: ['::ffff:10.0.0.0/104'] })).toBe('198.51.100.7');
    expect(clientIp(request('::ffff:10.0.0.2', headers), { trustedProxies: ['::ffff:10.0.0.2'] })).toBe('198.51.100.7');
    // The mapped client address comes back as plain IPv4, the form the guard and geolocation use.
    expect(clientIp(request('10.0.0.2', { 'x-forwarded-for': '::ffff:198.51.100.7' }), { trustedProxies: ['10.0.0.0/8'] })).toBe('198.51.100.7');
    expect(clientIp(request('::ffff:203.0.113.9'))).toBe('203.0.113.9');
  });

  it('IPv6 proxies and loopback', () => {
    expect(clientIp(request('::1', { 'x-forwarded-for': '2001:db8:1::9' }), { trustedProxies: ['::1'] })).toBe('2001:db8:1::9');
    expect(clientIp(request('::1', { 'x-forwarded-for': '2001:db8:1::9' }))).toBe('::1');
    expect(clientIp(request('fd00::5', { 'x-forwarded-for': '2001:db8:1::9, fd00::4' }), { trustedProxies: ['fd00::/8'] })).toBe('2001:db8:1::9');
  });

  it('a chain of only trusted proxies yields its leftmost hop, and the other header is ignored', () => {
    expect(clientIp(request('10.0.0.2', { 'x-forwarded-for': '10.0.0.9, 10.0.0.1' }), { trustedProxies: ['10.0.0.0/8'] })).toBe('10.0.0.9');
    // The proxy writes X-Forwarded-For; a Forwarded header came from the client.
    expect(clientIp(request('10.0.0.2', { forwarded: 'for=8.8.8.8' }), { trustedProxies: ['10.0.0.0/8'] })).toBe('10.0.0.2');
  });

  it('no peer address: undefined, never a header value', () => {
    expect(clientIp(request(undefined, { 'x-forwarded-for': '8.8.8.8' }))).toBeUndefined();
    expect(clientIp(request('not-an-ip', { 'x-forwarded-for': '8.8.8.8' }), { trustedProxies: ['10.0.0.0/8'] })).toBeUndefined();
  });

  it('refuses configurations that would trust everybody, naming the entry', () => {
    for (const everything of ['0.0.0.0/0', '::/0']) {
      const error = (() => {
        try {
          trustedProxyMatcher(['10.0.0.0/8', everything]);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(GuardConfigError);
      expect((error as GuardConfigError).field).toBe('trustedProxies[1]');
    }
    expect(() => trustedProxyMatcher(['10.0.0.0/8/1'])).toThrow(/trustedProxies\[0\]/);
    expect(() => trustedProxyMatcher('10.0.0.0/8' as unknown as string[])).toThrow(GuardConfigError);
  });

  it('compiles a list once per array', () => {
    const list = ['10.0.0.0/8'];
    expect(trustedProxyMatcher(list)).toBe(trustedProxyMatcher(list));
  });
});
