import { lazySchema } from '../util/lazy-deps.js';
import { DEFAULT_PROFILE_LIMITS } from '../persist/merge-profile.js';
import { PRESETS, type Policy, type Thresholds } from '../core/policy.js';
import type { Weights } from '../core/weights.js';
import { GuardConfigError } from '../errors/guard-config-error.js';
import type { AuditSink } from '../audit/index.js';
import { LOCALES, type Locale } from '../locale/index.js';
import type { ProfileLimits, Store } from '../persist/types.js';
import {
  ATTEMPT_ACTIONS,
  STEP_UP_CHECKS,
  type AttemptAction,
  type Decision,
  type GeoLookup,
  type GuardMode,
  type NumberIntelProvider,
  type PresetName,
  type StepUpCheck,
} from '../types/index.js';

const DAY = 86_400_000;

import type { ErrorStage, IntelCacheTtl } from '../types/index.js';
import type { GuardTelemetry } from '../types/index.js';

export type { ErrorStage, IntelCacheTtl };

export interface IntelBreakerOptions {
  /** Consecutive failed checks of one provider that open its circuit. Default 5. */
  failureThreshold: number;
  /** How long an open circuit answers "circuit open" at once before one probe goes through. Default 30 s. */
  cooldownMs: number;
}

export interface GuardOptions {
  preset?: PresetName;
  /** Step-up checks this host can run. The guard never asks for another, and denies when none suffices. */
  checks?: StepUpCheck[];
  /**
   * The host lets a forgotten password be reset with an SMS code. Then the number's new holder can set
   * the password, so the guard does not count `password` against a possible new holder: it asks for a
   * check of another kind, or denies when the host has none. Default false.
   */
  passwordResetBySms?: boolean;
  /** Where history lives. Default: an in-process `memoryStore()`. */
  store?: Store;
  /** Carrier evidence, asked in this order until one answers conclusively. Default: none. */
  numberIntel?: NumberIntelProvider | NumberIntelProvider[];
  /** IP geolocation. Default: geoip-lite, loaded on first use. `false` turns the region signal off. */
  geo?: GeoLookup | false;
  /** HMAC key(s) for phone numbers and device tokens at rest; the first hashes, all are secrets. */
  hashKey?: string | Uint8Array | (string | Uint8Array)[];
  /** `dry_run` computes and records decisions but always answers `allow`. */
  mode?: GuardMode;
  /**
   * The language of the decisions' reason messages and advice steps: `en` (default) or `zh-CN`.
   * Codes never change; the HTTP helper re-renders each answer in the request's language.
   */
  locale?: Locale;
  thresholds?: Partial<Thresholds>;
  sensitiveThresholds?: Partial<Thresholds>;
  actionThresholds?: Partial<Record<AttemptAction, Thresholds>>;
  /**
   * Actions that always need a non-SMS check, whatever the risk (replaces the preset's list; fintech:
   * `change_phone`, `reset_password`). A sensitive action inside a session otherwise inherits the
   * trust of the login that opened it; list `payment` here to ask before every payment.
   */
  alwaysStepUp?: AttemptAction[];
  /** Minimum aging period per number country, in days (merged over US 45, CN 90). */
  minAgingDays?: Record<string, number>;
  /** For numbers in national format. */
  defaultCountry?: string;
  /** Epoch-ms clock; tests and backtests pass their own. */
  clock?: () => number;
  /** Time budget for one assess, in ms: store, geo and carrier calls all share it. */
  budgetMs?: number;
  /** How long a step-up decision can be completed with `recordOutcome`. */
  stepUpTtlMs?: number;
  intelCacheTtl?: Partial<IntelCacheTtl>;
  /** Circuit breaker per carrier provider (docs/providers.md). */
  intelBreaker?: Partial<IntelBreakerOptions>;
  limits?: Partial<ProfileLimits>;
  /**
   * Dormancy rules in days without proof of possession (merged over the preset's; `null` turns one
   * off): from `smsAloneAfterDays` the SMS code alone no longer enters, from `protectAfterDays` the
   * account is due for protection (`guard.sweepDormancy`).
   */
  dormancy?: Partial<Policy['dormancy']>;
  /** Protect an account when a likely new holder of its number fails a step-up (default: on for cloud-drive and fintech). */
  protectOnFailedStepUp?: boolean;
  /** `guard.freeze` attempts per account and window before it answers `rate_limited` (default 5 per hour). */
  freezeLimit?: { attempts: number; windowMs: number };
  /** Advanced: override likelihood ratios (natural-log values; see docs/scoring.md). */
  weights?: Partial<Weights>;
  /** Append-only, hash-chained audit trail of every decision and step-up outcome (`fileAuditSink(path)`). */
  audit?: AuditSink;
  /** Called with every decision (audit, metrics). Errors are reported to `onError`, never thrown. */
  onDecision?: (decision: Decision) => void | Promise<void>;
  /** Degraded evidence and failed writes: for logs and alerts. */
  onError?: (error: unknown, stage: ErrorStage) => void;
  /**
   * Spans and metrics for every assess, step-up outcome and carrier call:
   * `openTelemetry({ tracer, meter })` from `recycled-number-guard/opentelemetry`. Nothing is
   * observed (or loaded) without it.
   */
  telemetry?: GuardTelemetry;
}

export interface ResolvedOptions {
  policy: Policy;
  checks: StepUpCheck[];
  mode: GuardMode;
  locale: Locale;
  providers: NumberIntelProvider[];
  hashKeys: (string | Uint8Array)[] | undefined;
  defaultCountry: string | undefined;
  clock: () => number;
  budgetMs: number;
  stepUpTtlMs: number;
  intelCacheTtl: IntelCacheTtl;
  intelBreaker: IntelBreakerOptions;
  limits: ProfileLimits;
  freezeLimit: { attempts: number; windowMs: number };
}

const thresholdsSchema = lazySchema((z) =>
  z.object({ stepUp: z.number().min(0).max(1), deny: z.number().min(0).max(1) }).refine((t) => t.stepUp <= t.deny, { message: 'stepUp must not exceed deny' }),
);

const optionsSchema = lazySchema((z) =>
  z.object({
    preset: z.enum(['cloud-drive', 'social', 'fintech']).optional(),
    checks: z.array(z.enum(STEP_UP_CHECKS as [string, ...string[]])).optional(),
    passwordResetBySms: z.boolean().optional(),
    mode: z.enum(['enforce', 'dry_run']).optional(),
    locale: z.enum(LOCALES as [Locale, ...Locale[]]).optional(),
    thresholds: z.object({ stepUp: z.number().min(0).max(1).optional(), deny: z.number().min(0).max(1).optional() }).optional(),
    sensitiveThresholds: z.object({ stepUp: z.number().min(0).max(1).optional(), deny: z.number().min(0).max(1).optional() }).optional(),
    actionThresholds: z.partialRecord(z.enum(ATTEMPT_ACTIONS as [string, ...string[]]), thresholdsSchema()).optional(),
    alwaysStepUp: z
      .array(z.enum(ATTEMPT_ACTIONS as [string, ...string[]]))
      .max(ATTEMPT_ACTIONS.length)
      .optional(),
    minAgingDays: z.record(z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, upper case'), z.number().min(0).max(3650)).optional(),
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, upper case')
      .optional(),
    budgetMs: z.number().int().min(10).max(60_000).optional(),
    stepUpTtlMs: z.number().int().min(1_000).max(86_400_000).optional(),
    intelCacheTtl: z
      .object({
        changedMs: z.number().int().min(0).optional(),
        unchangedMs: z.number().int().min(0).optional(),
        inconclusiveMs: z.number().int().min(0).optional(),
      })
      .optional(),
    intelBreaker: z
      .object({ failureThreshold: z.number().int().min(1).max(1000).optional(), cooldownMs: z.number().int().min(0).max(3_600_000).optional() })
      .optional(),
    limits: z
      .object({
        maxDevices: z.number().int().min(1).max(1000).optional(),
        maxLocations: z.number().int().min(1).max(1000).optional(),
        maxFailedStepUps: z.number().int().min(1).max(1000).optional(),
        retentionMs: z.number().int().min(DAY).optional(),
      })
      .optional(),
    weights: z.record(z.string(), z.number().refine(Number.isFinite, 'must be finite')).optional(),
    dormancy: z
      .object({ smsAloneAfterDays: z.number().min(1).max(36_500).nullable().optional(), protectAfterDays: z.number().min(1).max(36_500).nullable().optional() })
      .optional(),
    protectOnFailedStepUp: z.boolean().optional(),
    freezeLimit: z
      .object({
        attempts: z.number().int().min(1).max(1000),
        windowMs: z
          .number()
          .int()
          .min(1_000)
          .max(30 * DAY),
      })
      .optional(),
  }),
);

function mergeThresholds(base: Thresholds, patch: Partial<Thresholds> | undefined, field: string): Thresholds {
  const merged = { ...base, ...patch };
  if (merged.stepUp > merged.deny) throw new GuardConfigError(field, 'stepUp must not exceed deny');
  return merged;
}

export function resolveOptions(options: GuardOptions): ResolvedOptions {
  const parsed = optionsSchema().safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GuardConfigError(issue.path.map(String).join('.') || '(options)', issue.message);
  }
  const preset = PRESETS[options.preset ?? 'cloud-drive'];
  if (options.weights) {
    for (const key of Object.keys(options.weights)) {
      if (!(key in preset.weights)) throw new GuardConfigError(`weights.${key}`, 'unknown weight');
    }
  }
  const policy: Policy = {
    ...preset,
    thresholds: mergeThresholds(preset.thresholds, options.thresholds, 'thresholds'),
    sensitiveThresholds: mergeThresholds(preset.sensitiveThresholds, options.sensitiveThresholds, 'sensitiveThresholds'),
    actionThresholds: { ...preset.actionThresholds, ...options.actionThresholds },
    alwaysStepUp: options.alwaysStepUp ? [...new Set(options.alwaysStepUp)] : preset.alwaysStepUp,
    minAgingDays: { ...preset.minAgingDays, ...options.minAgingDays },
    weights: { ...preset.weights, ...options.weights },
    dormancy: { ...preset.dormancy, ...options.dormancy },
    protectOnFailedStepUp: options.protectOnFailedStepUp ?? preset.protectOnFailedStepUp,
    passwordResetBySms: options.passwordResetBySms ?? preset.passwordResetBySms,
  };
  const { smsAloneAfterDays, protectAfterDays } = policy.dormancy;
  if (smsAloneAfterDays !== null && protectAfterDays !== null && protectAfterDays < smsAloneAfterDays) {
    throw new GuardConfigError('dormancy.protectAfterDays', 'must not be less than smsAloneAfterDays (protection comes after SMS alone stops entering)');
  }
  if (options.weights) assertReissueDominates(policy.weights);

  const providers = options.numberIntel === undefined ? [] : Array.isArray(options.numberIntel) ? options.numberIntel : [options.numberIntel];
  providers.forEach((provider, index) => {
    if (!provider || typeof provider.check !== 'function' || typeof provider.name !== 'string') {
      throw new GuardConfigError(`numberIntel[${index}]`, 'a provider needs a name and a check() method');
    }
  });
  if (options.geo !== undefined && options.geo !== false && typeof options.geo?.lookup !== 'function') {
    throw new GuardConfigError('geo', 'a GeoLookup needs a lookup(ip) method, or pass false');
  }
  if (options.audit !== undefined && typeof options.audit?.append !== 'function') {
    throw new GuardConfigError('audit', 'an audit sink needs an append(entry) method (fileAuditSink, callbackAuditSink)');
  }
  const hashKeys = options.hashKey === undefined ? undefined : Array.isArray(options.hashKey) ? options.hashKey : [options.hashKey];
  if (hashKeys) {
    hashKeys.forEach((key, index) => {
      if (Buffer.byteLength(key) < 16) throw new GuardConfigError(`hashKey[${index}]`, 'use at least 16 bytes of secret');
    });
  }
  if (options.store?.capabilities.persistent && !hashKeys) {
    throw new GuardConfigError('hashKey', `the ${options.store.name} store keeps history across restarts, so it needs a stable hashKey`);
  }
  const telemetry = options.telemetry as Partial<GuardTelemetry> | undefined;
  if (
    telemetry !== undefined &&
    (typeof telemetry?.assess !== 'function' || typeof telemetry.recordOutcome !== 'function' || typeof telemetry.providerCall !== 'function')
  ) {
    throw new GuardConfigError('telemetry', 'assess, recordOutcome and providerCall methods (openTelemetry() from recycled-number-guard/opentelemetry)');
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') throw new GuardConfigError('clock', 'must be a function returning epoch ms');

  return {
    policy,
    checks: (options.checks ?? ['password']) as StepUpCheck[],
    mode: options.mode ?? 'enforce',
    locale: options.locale ?? 'en',
    providers,
    hashKeys,
    defaultCountry: options.defaultCountry,
    clock: options.clock ?? Date.now,
    budgetMs: options.budgetMs ?? 400,
    stepUpTtlMs: options.stepUpTtlMs ?? 10 * 60_000,
    intelCacheTtl: { changedMs: 30 * DAY, unchangedMs: DAY, inconclusiveMs: 3_600_000, ...options.intelCacheTtl },
    intelBreaker: { failureThreshold: 5, cooldownMs: 30_000, ...options.intelBreaker },
    limits: { ...DEFAULT_PROFILE_LIMITS, ...options.limits },
    freezeLimit: options.freezeLimit ?? { attempts: 5, windowMs: 3_600_000 },
  };
}

/**
 * A carrier-confirmed reissue replaces the dormancy, tenure and SIM signals it supersedes, so its
 * weight must be at least their largest combined raise (ln 720 with the defaults): otherwise a
 * host's weight override would let "the carrier says reissued" lower risk, which the library promises
 * never happens.
 */
function assertReissueDominates(weights: Weights): void {
  const superseded = Math.max(0, weights.dormant_beyond_aging_cap) + Math.max(0, weights.tenure_after_binding) + Math.max(0, weights.sim_changed_after_binding);
  if (weights.number_reissued_after_binding < superseded) {
    throw new GuardConfigError(
      'weights.number_reissued_after_binding',
      `must be at least ${superseded.toFixed(3)} (ln ${Math.round(Math.exp(superseded))}: dormant_beyond_aging_cap + tenure_after_binding + sim_changed_after_binding), because a confirmed reissue replaces those signals and must never lower risk`,
    );
  }
}
