import { describe, expect, it } from 'vitest';
import { cidrGeoLookup } from 'recycled-number-guard/evidence';
import { parseDevice } from 'recycled-number-guard/evidence';
import { readClientHints } from '../../src/evidence/device/client-hints.js';

const hash = (token: string) => `h(${token})`;
const REDUCED = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36';
const IPHONE_17 = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const IPHONE_18 = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
const WECHAT =
  'Mozilla/5.0 (Linux; Android 14; SM-S9180 Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64';
const WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

describe('device facts', () => {
  it('a browser or OS update does not change the device class', () => {
    expect(parseDevice(IPHONE_17, undefined, undefined, hash)!.classKey).toBe(parseDevice(IPHONE_18, undefined, undefined, hash)!.classKey);
  });

  it('a reduced Android user agent has no model ("K" is not one); Client Hints restore it', () => {
    const reduced = parseDevice(REDUCED, undefined, undefined, hash)!;
    expect(reduced.model).toBeUndefined();
    expect(reduced.osFamily).toBe('android');
    const hinted = parseDevice(REDUCED, { 'sec-ch-ua-model': '"SM-S9180"', 'sec-ch-ua-platform': '"Android"', 'sec-ch-ua-mobile': '?1' }, undefined, hash)!;
    expect(hinted.model).toBe('SM-S9180');
    expect(hinted.classKey).toBe(parseDevice(WECHAT, undefined, undefined, hash)!.classKey);
  });

  it('the host token is keyed, never stored raw, and makes the key strong', () => {
    const device = parseDevice(WINDOWS, undefined, 'cookie-123', hash)!;
    expect(device).toMatchObject({ key: 't:h(cookie-123)', fromToken: true, osFamily: 'windows', deviceType: 'desktop' });
  });

  it('nothing to go on means no device facts, not an empty device', () => {
    expect(parseDevice(undefined, undefined, undefined, hash)).toBeNull();
  });

  it('malformed Client Hints are ignored, not guessed', () => {
    expect(readClientHints({ 'sec-ch-ua-model': '""', 'sec-ch-ua-mobile': 'yes', 'sec-ch-ua-platform': `"${'x'.repeat(100)}"` })).toEqual({});
  });
});

describe('cidrGeoLookup', () => {
  const geo = cidrGeoLookup([
    { cidr: '198.51.100.0/24', geo: { country: 'CN', region: 'BJ' } },
    { cidr: '198.51.100.128/25', geo: { country: 'CN', region: 'SH' } },
    { cidr: '2001:db8::/32', geo: { country: 'US' } },
    { cidr: '2001:db8:86::/48', geo: { country: 'CN' } },
  ]);

  it('takes the longest matching prefix, IPv4 and IPv6', () => {
    expect(geo.lookup('198.51.100.7')).toEqual({ country: 'CN', region: 'BJ' });
    expect(geo.lookup('198.51.100.200')).toEqual({ country: 'CN', region: 'SH' });
    expect(geo.lookup('2001:db8:1::1')).toEqual({ country: 'US' });
    expect(geo.lookup('2001:db8:86:ffff::1')).toEqual({ country: 'CN' });
    expect(geo.lookup('203.0.113.1')).toBeNull();
    expect(geo.lookup('not-an-ip')).toBeNull();
  });

  it('rejects a malformed table at construction', () => {
    expect(() => cidrGeoLookup([{ cidr: '198.51.100.0/33', geo: { country: 'CN' } }])).toThrow(/prefix length/);
    expect(() => cidrGeoLookup([{ cidr: 'example.com/8', geo: { country: 'CN' } }])).toThrow(/bad network/);
  });
});
