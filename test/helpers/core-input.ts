import { PRESETS } from '../../src/core/policy.js';
import type { CoreInput } from '../../src/core/signals.js';
import type { AccountProfile, DeviceRecord } from '../../src/persist/types.js';
import type { DeviceFacts, GeoResult, NormalizedAttempt, PresetName } from '../../src/types.js';

export const DAY = 86_400_000;
export const AT = Date.parse('2026-01-10T09:30:00Z');
export const PHONE_HASH = 'hash-of-the-number';

export const BEIJING: GeoResult = { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 };
export const SHANGHAI: GeoResult = { country: 'CN', region: 'SH', city: 'Shanghai', lat: 31.23, lon: 121.47, accuracyKm: 20 };
export const TOKYO: GeoResult = { country: 'JP', region: '13', city: 'Tokyo', lat: 35.68, lon: 139.69, accuracyKm: 20 };

export const IPHONE: DeviceFacts = { key: 't:owner-phone', fromToken: true, classKey: 'ios|mobile#iphone', osFamily: 'ios', deviceType: 'mobile', vendor: 'Apple', model: 'iPhone' };
export const ANDROID: DeviceFacts = { key: 't:stranger-phone', fromToken: true, classKey: 'android|mobile#', osFamily: 'android', deviceType: 'mobile' };

export function deviceRecord(device: DeviceFacts, vouched = false, lastSeen = AT - 3 * DAY): DeviceRecord {
  return {
    key: device.key,
    fromToken: device.fromToken,
    classKey: device.classKey,
    deviceType: device.deviceType,
    vouched,
    firstSeen: lastSeen - 100 * DAY,
    lastSeen,
    count: 10,
    ...(device.osFamily ? { osFamily: device.osFamily } : {}),
  };
}

/** An account the owner used three days ago, from an iPhone in Beijing. */
export function ownerProfile(overrides: Partial<AccountProfile> = {}): AccountProfile {
  return {
    v: 1,
    phoneHash: PHONE_HASH,
    devices: [deviceRecord(IPHONE, true)],
    locations: [{ key: 'CN|BJ|Beijing', country: 'CN', region: 'BJ', lat: 39.9, lon: 116.4, firstSeen: AT - 300 * DAY, lastSeen: AT - 3 * DAY, count: 20 }],
    lastLogin: { at: AT - 3 * DAY, country: 'CN', region: 'BJ', lat: 39.9, lon: 116.4, accuracyKm: 20 },
    ownerProofAt: AT - 3 * DAY,
    failedStepUps: [],
    updatedAt: AT - 3 * DAY,
    ...overrides,
  };
}

export function attempt(overrides: Partial<NormalizedAttempt> = {}): NormalizedAttempt {
  return {
    accountId: 'u-42',
    phoneE164: '+8613800138000',
    phoneCountry: 'CN',
    phoneBoundAt: Date.parse('2022-11-02T08:00:00Z'),
    ip: '198.51.100.7',
    ipVersion: 4,
    action: 'login',
    verified: ['sms_otp'],
    at: AT,
    ...overrides,
  };
}

export interface InputOverrides extends Partial<Omit<CoreInput, 'attempt' | 'policy'>> {
  attempt?: Partial<NormalizedAttempt>;
  preset?: PresetName;
  profile?: AccountProfile | null;
}

/** The routine owner login, with any part replaced. */
export function coreInput(overrides: InputOverrides = {}): CoreInput {
  const { attempt: attemptOverrides, preset, profile, ...rest } = overrides;
  const history = profile === undefined ? { status: 'ok' as const, profile: ownerProfile() } : profile === null ? { status: 'none' as const, profile: null } : { status: 'ok' as const, profile };
  const normalized = attempt(attemptOverrides);
  return {
    attempt: normalized,
    phoneHash: PHONE_HASH,
    device: IPHONE,
    geo: { status: 'ok', result: BEIJING },
    history,
    intel: { status: 'not_configured', since: normalized.phoneBoundAt, answers: [] },
    numberEvents: [],
    policy: PRESETS[preset ?? 'cloud-drive'],
    checks: ['password', 'id_match', 'face'],
    ...rest,
  };
}
