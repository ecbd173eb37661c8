import type UAParserType from 'ua-parser-js';
import { uaParserModule } from '../../util/lazy-deps.js';
import type { DeviceFacts } from '../../types/index.js';
import { BoundedCache } from '../../util/bounded-cache.js';
import { readClientHints } from './client-hints.js';

interface UaFacts {
  osFamily?: string;
  deviceType: string;
  vendor?: string;
  model?: string;
  browserFamily?: string;
}

// Real traffic repeats a few thousand user agents; parsing one costs tens of microseconds.
const uaCache = new BoundedCache<string, UaFacts>(5_000);

const OS_FAMILY: Record<string, string> = {
  'mac os': 'macos',
  macos: 'macos',
  ios: 'ios',
  ipados: 'ios',
  android: 'android',
  harmonyos: 'harmonyos',
  windows: 'windows',
  'chromium os': 'chromeos',
  'chrome os': 'chromeos',
  linux: 'linux',
  ubuntu: 'linux',
  debian: 'linux',
  fedora: 'linux',
};

function family(os: string | undefined): string | undefined {
  if (!os) return undefined;
  const lower = os.toLowerCase();
  return OS_FAMILY[lower] ?? lower;
}

function parseUa(ua: string): UaFacts {
  const hit = uaCache.get(ua);
  if (hit) return hit;
  const UAParser = uaParserModule() as typeof UAParserType;
  const result = new UAParser(ua).getResult();
  const facts: UaFacts = { deviceType: normalizeType(result.device.type) };
  const os = family(result.os.name);
  if (os) facts.osFamily = os;
  if (result.device.vendor) facts.vendor = result.device.vendor;
  // Reduced Android user agents say "K" for every model; that is no model at all.
  if (result.device.model && result.device.model !== 'K') facts.model = result.device.model;
  if (result.browser.name) facts.browserFamily = result.browser.name;
  uaCache.set(ua, facts);
  return facts;
}

function normalizeType(type: string | undefined): string {
  if (type === 'mobile' || type === 'tablet') return type;
  if (type === undefined) return 'desktop';
  return 'other'; // console, smarttv, wearable, embedded
}

/**
 * Device facts from the user agent, Client Hints and the host's device token.
 * `hashToken` keys the token so the raw cookie value is never stored.
 * Returns null when there is nothing to go on.
 */
export function parseDevice(
  userAgent: string | undefined,
  clientHints: Record<string, string> | undefined,
  deviceId: string | undefined,
  hashToken: (token: string) => string,
): DeviceFacts | null {
  if (!userAgent && !deviceId && !clientHints) return null;
  const ua: UaFacts = userAgent ? parseUa(userAgent) : { deviceType: 'other' };
  const hints = readClientHints(clientHints);
  // Client Hints are more precise than a reduced user agent; they win where they speak.
  const osFamily = family(hints.platform) ?? ua.osFamily;
  const deviceType =
    hints.mobile === true && ua.deviceType !== 'tablet' ? 'mobile' : hints.mobile === false && ua.deviceType === 'mobile' ? 'desktop' : ua.deviceType;
  const model = hints.model ?? ua.model;
  if (!userAgent && !deviceId && !osFamily && !model) return null;
  const classKey = `${osFamily ?? '?'}|${deviceType}#${(model ?? '').toLowerCase()}`;
  const facts: DeviceFacts = {
    key: deviceId ? `t:${hashToken(deviceId)}` : `c:${classKey}`,
    fromToken: Boolean(deviceId),
    classKey,
    deviceType,
  };
  if (osFamily) facts.osFamily = osFamily;
  if (ua.vendor) facts.vendor = ua.vendor;
  if (model) facts.model = model;
  if (ua.browserFamily) facts.browserFamily = ua.browserFamily;
  return facts;
}
