import { z } from 'zod';
import { CorruptStoreDataError } from '../errors/corrupt-store-data-error.js';
import { PROTECTION_ACTORS, PROTECTION_REASONS } from '../types/profile.js';
import type { AccountProfile, CachedIntel, NumberEvent, PendingDecision, Protection } from './types.js';

/**
 * What a shared store hands back is external input too: another version of this library, a
 * script, or a disk fault may have written it. Everything read from Redis or PostgreSQL passes
 * these schemas; what fails is reported as corrupt (the guard then says history was unavailable)
 * rather than scored.
 */

// Lua's cjson writes an empty array as {}: accept that as [].
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0 ? [] : value), z.array(item));
const time = z.number().finite();

const deviceSchema = z.object({
  key: z.string(),
  fromToken: z.boolean(),
  classKey: z.string(),
  osFamily: z.string().optional(),
  deviceType: z.string(),
  firstSeen: time,
  lastSeen: time,
  vouched: z.boolean(),
  count: z.number().int().nonnegative(),
});

const locationSchema = z.object({
  key: z.string(),
  country: z.string(),
  region: z.string().optional(),
  lat: z.number().optional(),
  lon: z.number().optional(),
  firstSeen: time,
  lastSeen: time,
  count: z.number().int().nonnegative(),
});

export const profileSchema = z.object({
  v: z.literal(1),
  phoneHash: z.string().optional(),
  devices: list(deviceSchema),
  locations: list(locationSchema),
  lastLogin: z
    .object({
      at: time,
      country: z.string().optional(),
      region: z.string().optional(),
      lat: z.number().optional(),
      lon: z.number().optional(),
      accuracyKm: z.number().optional(),
    })
    .optional(),
  ownerProofAt: time.optional(),
  strongProofAt: time.optional(),
  failedStepUps: list(z.object({ at: time, checks: list(z.string()) })),
  updatedAt: time,
});

const answerLike = z.object({ source: z.string() }).passthrough();

export const cachedIntelSchema = z.object({
  answers: list(answerLike),
  since: time,
  fetchedAt: time,
  expiresAt: time,
  ttlMs: z.number(),
  account: z.string().optional(),
});

export const numberEventsSchema = list(z.object({ type: z.enum(['disconnected', 'reissued', 'ported', 'sim_change']), at: time, source: z.string() }));

export const pendingSchema = z.object({
  decisionId: z.string(),
  accountId: z.string(),
  accountKey: z.string(),
  anyOf: list(list(z.string())),
  expiresAt: time,
  ttlMs: z.number(),
  onPass: z.object({ at: time, phoneHash: z.string() }).passthrough(),
  reissuePossible: z.boolean(),
  liftsProtection: z.boolean().optional(),
});

export const protectionSchema = z.object({
  since: time,
  reason: z.enum(PROTECTION_REASONS as [string, ...string[]]),
  by: z.enum(PROTECTION_ACTORS as [string, ...string[]]),
});

function decode<T>(schema: z.ZodType<T>, what: string, raw: unknown): T {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new CorruptStoreDataError(what, 'not JSON');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CorruptStoreDataError(what, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export const decodeProfile = (raw: unknown): AccountProfile => decode(profileSchema, 'profile', raw) as AccountProfile;
export const decodeIntel = (raw: unknown): CachedIntel => decode(cachedIntelSchema, 'carrier cache', raw) as CachedIntel;
export const decodeEvents = (raw: unknown): NumberEvent[] => decode(numberEventsSchema, 'number events', raw) as NumberEvent[];
export const decodePending = (raw: unknown): PendingDecision => decode(pendingSchema, 'pending decision', raw) as PendingDecision;
export const decodeProtection = (raw: unknown): Protection => decode(protectionSchema, 'protection', raw) as Protection;
