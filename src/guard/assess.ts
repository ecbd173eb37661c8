/**
 * `assess`: one SMS login, from the raw attempt to a decision. The pipeline in order: validate,
 * gather evidence (history, place, carrier), conclude (score and decide, no I/O), then persist and
 * audit. Any failure of evidence degrades it; a bug of ours fails closed.
 */
import { reasonFrom } from '../locale/index.js';
import { intelSince } from '../core/evaluate.js';
import { parseDevice } from '../evidence/device/parse-device.js';
import { carrierEvidence } from '../evidence/number-intel/gather.js';
import { rekeyDevice } from '../persist/keys.js';
import { readUnderRetiredKeys } from '../persist/retired-keys.js';
import type { StoreKeys, StoreSnapshot } from '../persist/types.js';
import type { AttemptInput, Decision, DecisionAction, NormalizedAttempt } from '../types/index.js';
import type { AssessFacts } from '../types/index.js';
import { outcomeLabel } from '../evidence/number-intel/failure.js';
import { startDeadline, type Deadline } from '../util/deadline.js';
import { normalizeAttempt } from '../validate/attempt.js';
import { conclude, newDecision, protectionAfterDecision, protectionEvidence } from './conclude.js';
import { setProtection } from './protect.js';
import type { GuardContext } from './context.js';

export type Assess = (input: AttemptInput) => Promise<Decision>;

export function createAssess(context: GuardContext): Assess {
  const { resolved, store, hasher, geo, report } = context;
  const { policy, clock } = resolved;

  /** Carrier answers and ingested events stored under retired hashes of this number. */
  async function readRetired(current: StoreSnapshot, aliases: string[], attempt: NormalizedAttempt, deadline: Deadline) {
    const joined = await readUnderRetiredKeys(store, current, attempt.accountId, aliases, deadline, report);
    if (joined && joined.migrate.length > 0) {
      // Copy the events to the current hash so they outlive the retired key.
      store.addNumberEvents(hasher.phone(attempt.phoneE164), joined.migrate).catch((error: unknown) => report(error, 'store_write'));
    }
    return joined;
  }

  async function assessValid(
    attempt: NormalizedAttempt,
    now: number,
    evidenceDeadline: Deadline,
    total: Deadline,
    facts: AssessFacts | undefined,
  ): Promise<Decision> {
    const phoneHash = hasher.phone(attempt.phoneE164);
    const keys: StoreKeys = { account: attempt.accountId, phone: phoneHash };
    const device = parseDevice(attempt.userAgent, attempt.clientHints, attempt.deviceId, hasher.token);

    const [history, place] = await Promise.all([context.readHistory(keys, evidenceDeadline), geo.locate(attempt.ip, evidenceDeadline)]);
    // Key rotation (hashKey: [current, ...retired]): history under the retired keys is this number's.
    const phoneAliases = hasher.phoneAliases(attempt.phoneE164);
    const rotation = phoneAliases.length > 0 && history.snapshot ? await readRetired(history.snapshot, phoneAliases, attempt, evidenceDeadline) : undefined;
    const rekeyed =
      device?.fromToken && attempt.deviceId
        ? rekeyDevice(
            history.snapshot?.profile ?? null,
            device.key,
            hasher.tokenAliases(attempt.deviceId).map((alias) => `t:${alias}`),
          )
        : undefined;
    const profile = rekeyed ? rekeyed.profile : (history.snapshot?.profile ?? null);
    const since = intelSince(attempt.phoneBoundAt, profile?.strongProofAt);

    // Timed only when observed: performance.now() is not free on the hot path.
    const carrierStarted = facts ? performance.now() : 0;
    const carrier = await carrierEvidence(
      {
        runner: context.intelRunner,
        ttl: resolved.intelCacheTtl,
        now,
        accountScope: () => hasher.token(`account:${attempt.accountId}`),
        ...context.intelReport,
      },
      rotation?.intel ?? history.snapshot?.intel ?? null,
      { phone: attempt.phoneE164, since, accountId: attempt.accountId },
      { deadline: evidenceDeadline },
    );
    if (facts && carrier.status !== 'not_configured') {
      facts.carrier = {
        status: carrier.status,
        latencyMs: performance.now() - carrierStarted,
        outcomes: carrier.answers.map((answer) => ({ provider: answer.source, outcome: outcomeLabel(answer) })),
      };
    }

    const { decision, write } = conclude(
      resolved,
      attempt,
      {
        keys,
        phoneAliases,
        device,
        snapshot: history.snapshot,
        ...(history.error ? { historyError: history.error } : {}),
        profile,
        ...(rekeyed?.carried ? { carriedDevice: rekeyed.carried } : {}),
        place,
        since,
        carrier,
        numberEvents: rotation?.numberEvents ?? history.snapshot?.numberEvents ?? [],
        ...protectionEvidence(history.snapshot, store.capabilities.protection === true),
      },
      clock(),
    );
    decision.persisted = await context.save(write, total);
    await context.audit(context.decisionEntry(decision, phoneHash), total);
    // The carrier (or an ingested event or notice) says the number changed hands after the binding:
    // the account stays protected after the carrier cache expires.
    const selfProtect = store.capabilities.protection ? protectionAfterDecision(resolved, attempt, decision, history.snapshot?.protection !== null) : undefined;
    if (selfProtect) await setProtection(context, attempt.accountId, { reason: selfProtect, by: 'carrier' }, total).catch(() => undefined);
    await context.notify(decision);
    return decision;
  }

  function failClosed(attempt: NormalizedAttempt, error: unknown): Decision {
    const strong = resolved.checks.filter((check) => policy.checkStrength[check] >= policy.requiredStrength.high);
    const wouldBe: DecisionAction = strong.length > 0 ? 'step_up' : 'deny';
    // Without a pending record the step-up cannot be completed through recordOutcome, so the
    // host's step-up cannot turn into an allow here; a fresh attempt gets a fresh decision.
    return newDecision(
      resolved,
      attempt,
      wouldBe,
      {
        risk: policy.prior,
        prior: policy.prior,
        reasons: [
          reasonFrom('fail_mode_applied', 0, {
            key: 'fail_mode_applied.internal_error',
            params: { error: error instanceof Error ? error.message : String(error) },
          }),
        ],
        numberChangedHands: 'unknown',
        advice: { newHolder: 'none', previousHolder: 'none', steps: [] },
        evidence: { history: 'unavailable', geo: 'unavailable', device: 'unavailable', numberIntel: 'unavailable', intelSources: [] },
        persisted: false,
      },
      wouldBe === 'step_up' ? strong.map((check) => [check]) : undefined,
      clock(),
    );
  }

  async function assessObserved(input: AttemptInput, facts?: AssessFacts): Promise<Decision> {
    const now = clock();
    const attempt = normalizeAttempt(input, now, resolved.defaultCountry);
    const total = startDeadline(resolved.budgetMs);
    // Evidence may use three quarters of the budget; the rest is kept for saving what was learned.
    const evidenceDeadline = startDeadline(Math.max(1, Math.floor(resolved.budgetMs * 0.75)));
    try {
      return await assessValid(attempt, now, evidenceDeadline, total, facts);
    } catch (error) {
      // A bug of ours must not sign anybody in, nor crash the host's request.
      report(error, 'internal');
      const decision = failClosed(attempt, error);
      await context.audit(context.decisionEntry(decision, context.safePhoneHash(attempt.phoneE164)), total);
      return decision;
    } finally {
      evidenceDeadline.done();
      total.done();
      if (!geo.loaded) geo.loadLater();
    }
  }

  const { telemetry } = context.options;
  if (!telemetry) return (input) => assessObserved(input);
  return (input) => telemetry.assess((facts) => assessObserved(input, facts));
}
