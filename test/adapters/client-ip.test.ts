import { describe, expect, it } from 'vitest';
import { GuardConfigError } from 'recycled-number-guard';
import { clientIp } from 'recycled-number-guard/http';

const request = (remoteAddress: string, headers: Record<string, string | string[]> = {}) => ({ headers, socket: { remoteAddress } });

describe('clientIp: forwarded headers cannot be spoofed', () => {
  it('without trusted proxies the socket peer wins, whatever the headers say', () => {
    expect(clientIp(request('203.0.113.9', { 'x-forwarded-for': '8.8.8.8' }))).toBe('203.0.113.9');
    expect(clientIp(request('::ffff:203.0.113.9', { forwarded: 'for=8.8.8.8' }), { header: 'forwarded' })).toBe('203.0.113.9');
  });

  it('a connection from an untrusted address is not believed even with a trusted-proxy list', () => {
    expect(clientIp(request('198.51.100.50', { 'x-forwarded-for': '8.8.8.8' }), { trustedProxies: ['10.0.0.0/8'] })).toBe('198.51.100.50');
  });

  it('behind trusted proxies the first untrusted hop from the right is the client; client-written entries are ignored', () => {
    const options = { trustedProxies: ['10.0.0.0/8', '2001:db8:ffff::/48'] };
    // The client wrote 1.1.1.1 itself; the edge proxy appended the real peer 198.51.100.7.
    expect(clientIp(request('10.0.0.2', { 'x-forwarded-for': '1.1.1.1, 198.51.100.7, 10.0.0.1' }), options)).toBe('198.51.100.7');
    expect(clientIp(request('2001:db8:ffff::2', { 'x-forwarded-for': ['1.1.1.1', '2001:db8:1::9'] }), options)).toBe('2001:db8:1::9');
    expect(clientIp(request('10.0.0.2', { forwarded: 'for=1.1.1.1, for="[2001:db8:1::9]:4711";proto=https' }), { ...options, header: 'forwarded' })).toBe(
      '2001:db8:1::9',
    );
  });

  it('a malformed hop stops the walk at the proxy that forwarded it', () => {
    expect(clientIp(request('10.0.0.2', { 'x-forwarded-for': '198.51.100.7, not-an-ip' }), { trustedProxies: ['10.0.0.0/8'] })).toBe('10.0.0.2');
  });

  it('rejects a bad trusted-proxy entry at configuration time, naming it', () => {
    expect(() => clientIp(request('10.0.0.2'), { trustedProxies: ['10.0.0.0/40'] })).toThrow(GuardConfigError);
    expect(() => clientIp(request('10.0.0.2'), { trustedProxies: ['example.com'] })).toThrow(/trustedProxies\[0\]/);
  });
});
