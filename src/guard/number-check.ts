import { lazySchema } from '../util/lazy-deps.js';
import type { Locale } from '../locale/index.js';
import { evaluateNumber, intelSince } from '../core/evaluate.js';
import type { Policy } from '../core/policy.js';
import type { CoreInput } from '../core/signals/index.js';
import { InvalidInputError, type InputIssue } from '../errors/invalid-input-error.js';
import { startDeadline, withinDeadline, type Deadline } from '../util/deadline.js';
import type { ErrorStage, IntelCacheTtl } from '../types/index.js';
import type { Hasher } from '../persist/keys.js';
import { readUnderRetiredKeys } from '../persist/retired-keys.js';
import type { ProfileLimits, Protection, Store, StoreKeys, StoreSnapshot } from '../persist/types.js';
import { lastOwnerProof } from '../core/signals/index.js';
import type { NumberChangedHands, NumberIntelAnswer, Reason, SignalStatus } from '../types/index.js';
import { toEpochMs, zodIssues } from '../validate/attempt.js';
import { parsePhone } from '../validate/phone.js';
import { coreSubject } from './core-input.js';
import { carrierEvidence } from '../evidence/number-intel/gather.js';
import type { IntelBudget, IntelRunner } from '../evidence/number-intel/runner.js';

/** What the guard shares with recipient checks and sweeps. */
export interface NumberCheckDeps {
  store: Store;
  hasher: Hasher;
  policy: Policy;
  runner: IntelRunner;
  clock: () => number;
  budgetMs: number;
  intelCacheTtl: IntelCacheTtl;
  limits: ProfileLimits;
  defaultCountry: string | undefined;
  report: (error: unknown, stage: ErrorStage) => void;
  /** The language of reasons, advice and explanations (the guard option `locale`). Default en. */
  locale?: Locale;
}

/** A number bound to an account, as the host holds it. */
export interface BindingInput {
  accountId: string;
  /** E.164, or national digits with `defaultCountry`. */
  phone: string;
  /** When this number was bound to this account. */
  phoneBoundAt: string | Date | number;
  /** The last time the owner provably held the number (e.g. signed in with an SMS code), if known. */
  lastSeenAt?: string | Date | number;
  defaultCountry?: string;
}

export interface NormalizedBinding {
  accountId: string;
  phoneE164: string;
  phoneCountry: string;
  phoneBoundAt: number;
  lastSeenAt?: number;
}

const dateInput = lazySchema((z) => z.union([z.string().max(64), z.date(), z.number()]));
export const bindingSchema = lazySchema((z) =>
  z.object({
    accountId: z.string().min(1).max(256),
    phone: z.string().min(1).max(40),
    phoneBoundAt: dateInput(),
    lastSeenAt: dateInput().optional(),
    defaultCountry: z
      .string()
      .regex(/^[A-Za-z]{2}$/)
      .optional(),
  }),
);

/** Validate a binding; throws `InvalidInputError` naming every bad field. */
export function normalizeBinding(input: unknown, now: number, defaultCountry: string | undefined): NormalizedBinding {
  const parsed = bindingSchema().safeParse(input);
  if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error));
  const raw = parsed.data;
  const issues: InputIssue[] = [];
  const phoneBoundAt = toEpochMs(raw.phoneBoundAt, 'phoneBoundAt', issues);
  const lastSeenAt = raw.lastSeenAt === undefined ? undefined : toEpochMs(raw.lastSeenAt, 'lastSeenAt', issues);
  if (phoneBoundAt !== undefined && phoneBoundAt > now)
    issues.push({ field: 'phoneBoundAt', message: 'in the future: a number cannot be bound in the future' });
  const phone = parsePhone(raw.phone, raw.defaultCountry?.toUpperCase() ?? defaultCountry);
  if ('error' in phone) issues.push({ field: 'phone', message: phone.error });
  if (issues.length > 0 || phoneBoundAt === undefined || 'error' in phone) throw new InvalidInputError(issues);
  return {
    accountId: raw.accountId,
    phoneE164: phone.e164,
    phoneCountry: phone.country,
    phoneBoundAt,
    ...(lastSeenAt !== undefined ? { lastSeenAt } : {}),
  };
}

export interface NumberVerdict {
  numberChangedHands: NumberChangedHands;
  /** The number evidence alone over the preset's prior. */
  risk: number;
  reasons: Reason[];
  /** Every provider answer (fresh or cached), in the order asked. */
  answers: NumberIntelAnswer[];
  intel: SignalStatus | 'cached';
  history: 'ok' | 'none' | 'unavailable';
  /** What the carriers were asked about: the later of the binding and the last strong proof. */
  since: number;
  /** A reissue after the owner's last proof of possession was possible under the aging rules. */
  reissuePossible: boolean;
  /** The owner's last proof of holding the number (history, the host's hint, or the binding). */
  lastOwnerProofAt: number;
  /** Failed step-ups on the account after that proof, newest first (times). */
  failedStepUpsSinceProof: number[];
  /** The account's protection, `undefined` when the store cannot hold one or could not be read. */
  protection?: Protection | null;
}

/**
 * Did the bound number change hands? The same evidence and rules as `assess` (carrier answers,
 * ingested events, tenure, SIM, dormancy against the aging period), without a login: the message
 * (or the sweep) goes by SMS, so whoever holds the SIM now is the one it reaches.
 */
export type JudgeBudget =
  /** One call with a time budget (recipient checks): evidence within `evidence`, the cache write within `total`. */
  | { evidence: Deadline; total: Deadline }
  /** Sweeps: a budget per provider call (and per store call), after the rate limiter lets it go. */
  | Extract<IntelBudget, { perCallMs: number }>;

export async function judgeNumber(deps: NumberCheckDeps, binding: NormalizedBinding, mode: JudgeBudget): Promise<NumberVerdict> {
  const budget: IntelBudget = 'evidence' in mode ? { deadline: mode.evidence } : mode;
  const now = deps.clock();
  const phoneHash = deps.hasher.phone(binding.phoneE164);
  const keys: StoreKeys = { account: binding.accountId, phone: phoneHash };
  const storeDeadline = 'evidence' in mode ? mode.evidence : startDeadline(Math.min(deps.budgetMs, mode.perCallMs));
  const storeSignal = (deadline: Deadline) => (deps.store.capabilities.shared ? deadline.signal : undefined);

  let snapshot: StoreSnapshot | null = null;
  let historyError: string | undefined;
  // Key rotation: history under the retired keys is this number's too, as on the login path.
  const phoneAliases = deps.hasher.phoneAliases(binding.phoneE164);
  let rotation: Awaited<ReturnType<typeof readUnderRetiredKeys>>;
  try {
    snapshot = await withinDeadline(deps.store.read(keys, storeSignal(storeDeadline)), storeDeadline, `${deps.store.name} store`);
    if (phoneAliases.length > 0) rotation = await readUnderRetiredKeys(deps.store, snapshot, binding.accountId, phoneAliases, storeDeadline, deps.report);
  } catch (error) {
    deps.report(error, 'store_read');
    historyError = error instanceof Error ? error.message : String(error);
  } finally {
    if (!('evidence' in mode)) storeDeadline.done();
  }
  const profile = snapshot?.profile ?? null;
  const since = intelSince(binding.phoneBoundAt, profile?.strongProofAt);

  const {
    status: intel,
    answers,
    fresh,
  } = await carrierEvidence(
    { runner: deps.runner, ttl: deps.intelCacheTtl, now, accountScope: () => deps.hasher.token(`account:${binding.accountId}`), report: deps.report },
    rotation?.intel ?? snapshot?.intel ?? null,
    { phone: binding.phoneE164, since, accountId: binding.accountId },
    budget,
  );

  const input: CoreInput = {
    subject: coreSubject(
      { ...binding, at: Math.max(now, binding.phoneBoundAt) },
      {
        phoneHash,
        phoneAliases,
        snapshot,
        ...(historyError ? { historyError } : {}),
        profile,
        carrier: { status: intel, answers },
        since,
        numberEvents: rotation?.numberEvents ?? snapshot?.numberEvents ?? [],
      },
    ),
    policy: deps.policy,
    checks: [],
  };
  const verdict = evaluateNumber(input);
  const proofAt = lastOwnerProof(input.subject).at;

  if (fresh) {
    const writeDeadline = 'evidence' in mode ? mode.total : startDeadline(Math.min(deps.budgetMs, mode.perCallMs));
    try {
      await withinDeadline(deps.store.write({ keys, intel: fresh }, deps.limits, storeSignal(writeDeadline)), writeDeadline, `${deps.store.name} store write`);
    } catch (error) {
      deps.report(error, 'store_write');
    } finally {
      if (!('evidence' in mode)) writeDeadline.done();
    }
  }

  return {
    numberChangedHands: verdict.numberChangedHands,
    risk: verdict.risk,
    reasons: verdict.reasons,
    answers,
    intel,
    history: input.subject.history.status,
    since,
    reissuePossible: verdict.reissuePossible,
    lastOwnerProofAt: proofAt,
    failedStepUpsSinceProof: (profile?.failedStepUps ?? []).filter((failed) => failed.at > proofAt).map((failed) => failed.at),
    ...(snapshot && snapshot.protection !== undefined ? { protection: snapshot.protection } : {}),
  };
}
