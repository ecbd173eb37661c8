import { PRESETS } from '../../src/core/policy.js';
import type { CoreInput, Login, LoginInput, Subject } from '../../src/core/signals/index.js';
import type { AccountProfile, DeviceRecord } from '../../src/persist/types.js';
import type { DeviceFacts, GeoResult, NormalizedAttempt, PresetName } from '../../src/types/index.js';

export const DAY = 86_400_000;
export const AT = Date.parse('2026-01-10T09:30:00Z');
export const PHONE_HASH = 'hash-of-the-number';

export const BEIJING: GeoResult = { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 };
export const SHANGHAI: GeoResult = { country: 'CN', region: 'SH', city: 'Shanghai', lat: 31.23, lon: 121.47, accuracyKm: 20 };
export const TOKYO: GeoResult = { country: 'JP', region: '13', city: 'Tokyo', lat: 35.68, lon: 139.69, accuracyKm: 20 };

export const IPHONE: DeviceFacts = {
  key: 't:owner-phone',
  fromToken: true,
  classKey: 'ios|mobile#iphone',
  osFamily: 'ios',
  deviceType: 'mobile',
  vendor: 'Apple',
  model: 'iPhone',
};
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

/** Attempt fields the core reads, flat, as tests like to write them. */
export type AttemptFields = Partial<Pick<NormalizedAttempt, 'action' | 'verified' | 'phoneCountry' | 'phoneBoundAt' | 'lastSeenAt' | 'at'>>;

export interface InputOverrides {
  attempt?: AttemptFields;
  preset?: PresetName;
  profile?: AccountProfile | null;
  device?: Login['device'];
  geo?: Login['geo'];
  history?: Subject['history'];
  intel?: Subject['intel'];
  numberEvents?: Subject['numberEvents'];
  phoneHashAliases?: string[];
  checks?: CoreInput['checks'];
}

/** The core input of a normalized attempt, with the evidence given. */
export function loginInput(
  normalized: Pick<NormalizedAttempt, 'action' | 'verified' | 'phoneCountry' | 'phoneBoundAt' | 'lastSeenAt' | 'at'>,
  evidence: Omit<Subject, 'phoneCountry' | 'phoneBoundAt' | 'lastSeenAt' | 'at'> & Pick<Login, 'device' | 'geo'>,
  policy: CoreInput['policy'],
  checks: CoreInput['checks'],
): LoginInput {
  const { device, geo, ...subject } = evidence;
  return {
    subject: {
      phoneCountry: normalized.phoneCountry,
      phoneBoundAt: normalized.phoneBoundAt,
      ...(normalized.lastSeenAt !== undefined ? { lastSeenAt: normalized.lastSeenAt } : {}),
      at: normalized.at,
      ...subject,
    },
    login: { action: normalized.action, verified: normalized.verified, device, geo },
    policy,
    checks,
  };
}

/** The routine owner login, with any part replaced. */
export function coreInput(overrides: InputOverrides = {}): LoginInput {
  const { attempt: attemptOverrides, preset, profile } = overrides;
  const history =
    overrides.history ??
    (profile === undefined
      ? { status: 'ok' as const, profile: ownerProfile() }
      : profile === null
        ? { status: 'none' as const, profile: null }
        : { status: 'ok' as const, profile });
  const normalized = attempt(attemptOverrides);
  return loginInput(
    normalized,
    {
      phoneHash: PHONE_HASH,
      ...(overrides.phoneHashAliases ? { phoneHashAliases: overrides.phoneHashAliases } : {}),
      device: overrides.device === undefined ? IPHONE : overrides.device,
      geo: overrides.geo ?? { status: 'ok', result: BEIJING },
      history,
      intel: overrides.intel ?? { status: 'not_configured', since: normalized.phoneBoundAt, answers: [] },
      numberEvents: overrides.numberEvents ?? [],
    },
    PRESETS[preset ?? 'cloud-drive'],
    overrides.checks ?? ['password', 'id_match', 'face'],
  );
}

/** The same input with parts of the login replaced. */
export const withLogin = (input: LoginInput, login: Partial<Login>): LoginInput => ({ ...input, login: { ...input.login, ...login } });
/** The same input with parts of the subject replaced. */
export const withSubject = (input: LoginInput, subject: Partial<Subject>): LoginInput => ({ ...input, subject: { ...input.subject, ...subject } });
