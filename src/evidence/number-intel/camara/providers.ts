import { z } from 'zod';
import { GuardConfigError } from '../../../errors/guard-config-error.js';
import type { NumberIntelAnswer, NumberIntelProvider, NumberIntelRequest } from '../../../types/index.js';
import { raceSignal } from '../../../util/deadline.js';
import { cleanText, unavailableAnswer } from '../failure.js';
import { providerName } from '../http.js';
import type { AccountScopedProvider } from '../runner.js';
import type { CamaraClient, CamaraResult } from './client.js';

const DAY = 86_400_000;

/** CAMARA dates are calendar dates (RFC 3339 full-date); `since` is read in UTC. */
export const isoDate = (date: Date): string => date.toISOString().slice(0, 10);

function named(name: string | undefined, fallback: string): string {
  return providerName(name ?? fallback, 'name');
}

function failed(source: string, result: Extract<CamaraResult<unknown>, { ok: false }>): NumberIntelAnswer {
  return unavailableAnswer(source, result.code, result.message);
}

// ---------------------------------------------------------------------------------------------
// Typed operations, for hosts that want the raw CAMARA answer
// ---------------------------------------------------------------------------------------------

const recyclingSchema = z.object({ phoneNumberRecycled: z.boolean() });
const tenureSchema = z.object({ tenureDateCheck: z.boolean(), contractType: z.enum(['PAYG', 'PAYM', 'Business']).optional() });
// `latestSimChange` / `latestDeviceChange`: required key, nullable, RFC 3339 with offset.
const simSwapSchema = z.object({ latestSimChange: z.iso.datetime({ offset: true }).nullable(), monitoredPeriod: z.number().int().min(0).optional() });
const deviceSwapSchema = z.object({ latestDeviceChange: z.iso.datetime({ offset: true }).nullable(), monitoredPeriod: z.number().int().min(0).optional() });

export type NumberRecyclingInfo = z.infer<typeof recyclingSchema>;
export type TenureInfo = z.infer<typeof tenureSchema>;
export type SimSwapInfo = z.infer<typeof simSwapSchema>;
export type DeviceSwapInfo = z.infer<typeof deviceSwapSchema>;

interface Operation {
  phone: string;
  signal: AbortSignal;
}

/** `POST {apiRoot}/number-recycling/v0.2/check`. */
export function checkNumberRecycling(client: CamaraClient, op: Operation & { specifiedDate: string }): Promise<CamaraResult<NumberRecyclingInfo>> {
  return client.call({
    api: 'number-recycling',
    operation: 'check',
    scope: 'number-recycling:check',
    phone: op.phone,
    body: { specifiedDate: op.specifiedDate },
    response: recyclingSchema,
    signal: op.signal,
  });
}

/** `POST {apiRoot}/kyc-tenure/v0.2/check-tenure`. */
export function checkTenure(client: CamaraClient, op: Operation & { tenureDate: string }): Promise<CamaraResult<TenureInfo>> {
  return client.call({
    api: 'kyc-tenure',
    operation: 'check-tenure',
    scope: 'kyc-tenure:check-tenure',
    phone: op.phone,
    body: { tenureDate: op.tenureDate },
    response: tenureSchema,
    signal: op.signal,
  });
}

/** `POST {apiRoot}/sim-swap/v2/retrieve-date`. */
export function retrieveSimSwapDate(client: CamaraClient, op: Operation): Promise<CamaraResult<SimSwapInfo>> {
  return client.call({
    api: 'sim-swap',
    operation: 'retrieve-date',
    scope: 'sim-swap:retrieve-date',
    phone: op.phone,
    body: {},
    response: simSwapSchema,
    signal: op.signal,
  });
}

/** `POST {apiRoot}/device-swap/v1/retrieve-date`. */
export function retrieveDeviceSwapDate(client: CamaraClient, op: Operation): Promise<CamaraResult<DeviceSwapInfo>> {
  return client.call({
    api: 'device-swap',
    operation: 'retrieve-date',
    scope: 'device-swap:retrieve-date',
    phone: op.phone,
    body: {},
    response: deviceSwapSchema,
    signal: op.signal,
  });
}

// ---------------------------------------------------------------------------------------------
// Providers
// ---------------------------------------------------------------------------------------------

export interface CamaraProviderOptions {
  /** Provider name in reasons and audit records (e.g. one per operator). */
  name?: string;
}

/**
 * CAMARA Number Recycling: "did the subscriber of this number change after `since`?" The direct
 * answer to the recycled-number question; put it first in `numberIntel`.
 */
export function camaraNumberRecycling(client: CamaraClient, options: CamaraProviderOptions = {}): NumberIntelProvider {
  const name = named(options.name, 'camara-number-recycling');
  return {
    name,
    async check({ phone, since, signal }: NumberIntelRequest): Promise<NumberIntelAnswer> {
      const result = await checkNumberRecycling(client, { phone, signal, specifiedDate: isoDate(since) });
      if (!result.ok) return failed(name, result);
      return { source: name, changedSince: result.data.phoneNumberRecycled };
    },
  };
}

/**
 * CAMARA KYC Tenure: "has the current subscriber held this line continuously since `since`?"
 * Weaker than Number Recycling: tenure is counted at the current operator, so an owner who ported
 * in after `since` also gets `false`. It never answers `changedSince`; the core weighs it lower.
 */
export function camaraKycTenure(client: CamaraClient, options: CamaraProviderOptions = {}): NumberIntelProvider {
  const name = named(options.name, 'camara-kyc-tenure');
  return {
    name,
    async check({ phone, since, signal }: NumberIntelRequest): Promise<NumberIntelAnswer> {
      const result = await checkTenure(client, { phone, signal, tenureDate: isoDate(since) });
      if (!result.ok) return failed(name, result);
      // contractType is available from checkTenure(); the answer type has no field for it.
      return { source: name, tenureCoversSince: result.data.tenureDateCheck };
    },
  };
}

export interface SwapProviderOptions extends CamaraProviderOptions {
  /** Epoch-ms clock for the operator's monitored window (tests pass their own). */
  clock?: () => number;
}

/**
 * A null date proves "no change since `since`" only when the operator's monitored window reaches
 * back to `since`. Otherwise (retention limit, or no window given) it proves nothing about `since`.
 */
function nullDate(name: string, what: string, since: Date, monitoredDays: number | undefined, now: number): NumberIntelAnswer | null {
  if (monitoredDays !== undefined && since.getTime() >= now - monitoredDays * DAY) return null;
  return unavailableAnswer(
    name,
    'NO_DATA',
    monitoredDays !== undefined
      ? `no ${what} in the operator's ${monitoredDays}-day window, which does not reach back to ${isoDate(since)}`
      : `the operator returned no ${what} date (retention limit, or no SIM on the line)`,
  );
}

/**
 * CAMARA SIM Swap `retrieve-date`: the latest SIM change. A new subscription counts as a SIM
 * swap, so a change after `since` is consistent with recycling (and with a new SIM for the owner).
 */
export function camaraSimSwap(client: CamaraClient, options: SwapProviderOptions = {}): NumberIntelProvider {
  const name = named(options.name, 'camara-sim-swap');
  const clock = options.clock ?? Date.now;
  return {
    name,
    async check({ phone, since, signal }: NumberIntelRequest): Promise<NumberIntelAnswer> {
      const result = await retrieveSimSwapDate(client, { phone, signal });
      if (!result.ok) return failed(name, result);
      const { latestSimChange, monitoredPeriod } = result.data;
      if (latestSimChange === null) return nullDate(name, 'SIM change', since, monitoredPeriod, clock()) ?? { source: name, lastSimChange: null };
      return { source: name, lastSimChange: latestSimChange };
    },
  };
}

/** CAMARA Device Swap `retrieve-date`: the latest change of handset using the number. */
export function camaraDeviceSwap(client: CamaraClient, options: SwapProviderOptions = {}): NumberIntelProvider {
  const name = named(options.name, 'camara-device-swap');
  const clock = options.clock ?? Date.now;
  return {
    name,
    async check({ phone, since, signal }: NumberIntelRequest): Promise<NumberIntelAnswer> {
      const result = await retrieveDeviceSwapDate(client, { phone, signal });
      if (!result.ok) return failed(name, result);
      const { latestDeviceChange, monitoredPeriod } = result.data;
      if (latestDeviceChange === null) {
        return nullDate(name, 'device change', since, monitoredPeriod, clock()) ?? { source: name, lastDeviceChange: null };
      }
      return { source: name, lastDeviceChange: latestDeviceChange };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// KYC Match
// ---------------------------------------------------------------------------------------------

const ID_DOCUMENT_TYPES = ['passport', 'national_id_card', 'residence_permit', 'diplomatic_id', 'driver_licence', 'social_security_id', 'other'] as const;

/**
 * The account holder's identity as the host holds it. Only attributes that do not change when a
 * person moves or switches email are sent: a mismatch on them points at a different person.
 */
export const kycIdentitySchema = z
  .object({
    idDocument: z.string().min(1).max(64).optional(),
    idDocumentType: z.enum(ID_DOCUMENT_TYPES).optional(),
    name: z.string().min(1).max(256).optional(),
    givenName: z.string().min(1).max(128).optional(),
    familyName: z.string().min(1).max(128).optional(),
    birthdate: z.iso.date().optional(),
  })
  .refine((identity) => Object.values(identity).some((value) => value !== undefined), { message: 'give at least one attribute' });

export type KycIdentity = z.input<typeof kycIdentitySchema>;

const DECISIVE = ['idDocument', 'name', 'givenName', 'familyName', 'birthdate'] as const;
/** Attributes that carry a Jaro-Winkler score when they do not match exactly. */
const SCORED = new Set(['name', 'givenName', 'familyName']);

const matchValue = z.enum(['true', 'false', 'not_available']);
const kycMatchSchema = z.object({
  idDocumentMatch: matchValue.optional(),
  idDocumentTypeMatch: matchValue.optional(),
  nameMatch: matchValue.optional(),
  nameMatchScore: z.number().int().min(0).max(99).optional(),
  givenNameMatch: matchValue.optional(),
  givenNameMatchScore: z.number().int().min(0).max(99).optional(),
  familyNameMatch: matchValue.optional(),
  familyNameMatchScore: z.number().int().min(0).max(99).optional(),
  birthdateMatch: matchValue.optional(),
});

export type KycMatchInfo = z.infer<typeof kycMatchSchema>;

export interface IdMatchResult {
  /** Use as the `id_match` step-up outcome: true only when the operator confirms the identity. */
  passed: boolean;
  result: 'match' | 'mismatch' | 'unknown';
  /** Per attribute as the operator answered. */
  attributes: Partial<Record<(typeof DECISIVE)[number], 'true' | 'false' | 'close' | 'not_available'>>;
  /** Why the result is unknown, or which attribute did not match. */
  why?: string;
  /** CAMARA error code when the call failed. */
  code?: string;
}

export interface IdMatchOptions {
  /** A name "false" with a score at or above this is a near miss (typo, accents), not a mismatch. Default 90. */
  nameScoreThreshold?: number;
}

/** `POST {apiRoot}/kyc-match/v0.4/match` with the decisive attributes of `identity`. */
export async function matchIdentity(
  client: CamaraClient,
  request: { phone: string; identity: KycIdentity; signal: AbortSignal },
  options: IdMatchOptions = {},
): Promise<IdMatchResult> {
  const parsed = kycIdentitySchema.safeParse(request.identity);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      passed: false,
      result: 'unknown',
      attributes: {},
      code: 'NO_IDENTITY',
      why: `the identity is invalid (${issue?.path.join('.') || 'identity'}: ${issue?.message ?? 'invalid'})`,
    };
  }
  const identity = parsed.data;
  const body: Record<string, unknown> = {};
  for (const key of [...DECISIVE, 'idDocumentType'] as const) if (identity[key] !== undefined) body[key] = identity[key];
  const result = await client.call({
    api: 'kyc-match',
    operation: 'match',
    scope: 'kyc-match:match',
    phone: request.phone,
    body,
    response: kycMatchSchema,
    signal: request.signal,
  });
  if (!result.ok) {
    // Operators that check the ID document first answer a wrong one with this 403: the document on
    // file for the account is not the subscriber's, which is a mismatch, not a missing answer.
    if (result.code === 'KNOW_YOUR_CUSTOMER.ID_DOCUMENT_MISMATCH' && identity.idDocument !== undefined) {
      return { passed: false, result: 'mismatch', attributes: { idDocument: 'false' }, why: "idDocument did not match the operator's subscriber" };
    }
    return { passed: false, result: 'unknown', attributes: {}, code: result.code, why: result.message };
  }

  const threshold = options.nameScoreThreshold ?? 90;
  const attributes: IdMatchResult['attributes'] = {};
  const mismatched: string[] = [];
  let matched = 0;
  for (const key of DECISIVE) {
    if (identity[key] === undefined) continue;
    const value = result.data[`${key}Match` as keyof KycMatchInfo] as 'true' | 'false' | 'not_available' | undefined;
    if (value === undefined || value === 'not_available') {
      attributes[key] = 'not_available';
    } else if (value === 'true') {
      attributes[key] = 'true';
      matched += 1;
    } else {
      const score = SCORED.has(key) ? (result.data[`${key}MatchScore` as keyof KycMatchInfo] as number | undefined) : undefined;
      // A near-miss name is neither proof of a stranger nor of the owner.
      if (score !== undefined && score >= threshold) attributes[key] = 'close';
      else {
        attributes[key] = 'false';
        mismatched.push(key);
      }
    }
  }
  if (mismatched.length > 0) return { passed: false, result: 'mismatch', attributes, why: `${mismatched.join(', ')} did not match the operator's subscriber` };
  if (matched > 0) return { passed: true, result: 'match', attributes };
  return { passed: false, result: 'unknown', attributes, code: 'NOT_AVAILABLE', why: 'the operator could not compare any attribute' };
}

export interface KycMatchProviderOptions extends CamaraProviderOptions, IdMatchOptions {
  /**
   * The account holder's identity by account id, or null when the host holds none. Called in the
   * login path: keep it fast (it shares the budget).
   */
  identityFor: (accountId: string, signal: AbortSignal) => Promise<KycIdentity | null | undefined> | KycIdentity | null | undefined;
}

/**
 * CAMARA KYC Match as evidence: where the host holds the account holder's identity (fintech), a
 * mismatch with the operator's current subscriber is direct evidence the number changed hands.
 */
export function camaraKycMatch(client: CamaraClient, options: KycMatchProviderOptions): AccountScopedProvider {
  const name = named(options.name, 'camara-kyc-match');
  if (typeof options.identityFor !== 'function') throw new GuardConfigError('identityFor', 'a function (accountId) => identity | null');
  return {
    name,
    answersPerAccount: true,
    async check({ phone, signal, accountId }: NumberIntelRequest): Promise<NumberIntelAnswer> {
      if (accountId === undefined) return unavailableAnswer(name, 'NO_IDENTITY', 'no account id to look the identity up');
      let identity: KycIdentity | null | undefined;
      try {
        identity = await raceSignal(
          Promise.resolve().then(() => options.identityFor(accountId, signal)),
          signal,
          'identityFor',
        );
      } catch (error) {
        return unavailableAnswer(name, 'error', `identity lookup failed: ${cleanText(error instanceof Error ? error.message : String(error), 120)}`);
      }
      if (!identity) return unavailableAnswer(name, 'NO_IDENTITY', 'the host holds no identity for this account');
      const match = await matchIdentity(client, { phone, identity, signal }, options);
      if (match.result === 'unknown') return unavailableAnswer(name, match.code ?? 'NOT_AVAILABLE', match.why ?? 'no comparison');
      return { source: name, identityMatch: match.result === 'match' };
    },
  };
}

/**
 * The `id_match` step-up check: does the operator's subscriber of `phone` match the account
 * holder? Pass `passed` to `guard.recordOutcome(decisionId, { check: 'id_match', passed })`.
 * Anything but a confirmed match (mismatch, not available, an error) is `passed: false`.
 */
export function camaraIdMatchCheck(client: CamaraClient, options: IdMatchOptions & { timeoutMs?: number } = {}) {
  return async (request: { phone: string; identity: KycIdentity; signal?: AbortSignal }): Promise<IdMatchResult> => {
    const signal = request.signal ?? AbortSignal.timeout(options.timeoutMs ?? 5_000);
    return matchIdentity(client, { phone: request.phone, identity: request.identity, signal }, options);
  };
}
