// recycled-number-guard/better-auth: the guard as a better-auth plugin, beside its phoneNumber plugin.
//
// The phoneNumber plugin's `POST /phone-number/verify` checks the SMS code and then creates the
// session. This plugin's `session.create.before` database hook runs between the two (the point the
// guard is made for: code verified, no session yet), assesses the sign-in and turns step_up and deny
// into `APIError`s carrying the decision body of `recycled-number-guard/http`. Its endpoints finish
// the step-up (password, previous password, checks the host runs elsewhere), creating the session
// on allow, and open the fresh-account path for the new holder of a reissued number.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { BetterAuthPlugin, GenericEndpointContext, User } from 'better-auth';
import { APIError, createAuthEndpoint } from 'better-auth/api';
import { setSessionCookie } from 'better-auth/cookies';
import * as z from 'zod';
import { decisionResponse, guardErrorResponse, outcomeResponse, type DecisionBody, type OutcomeBody } from '../../adapters/http/response.js';
import { attemptFromRequest, webRequestLike } from '../../adapters/http/request.js';
import { InvalidInputError } from '../../errors/invalid-input-error.js';
import { OutcomeRejectedError } from '../../errors/outcome-rejected-error.js';
import { STEP_UP_CHECKS, type StepUpCheck, type VictimAdvice } from '../../types/index.js';
import { RECYCLED_NUMBER_GUARD_ERROR_CODES } from './error-codes.js';
import { recycledNumberGuardSchema } from './schema.js';
import type { GuardErrorBody, GuardedUser, RecycledNumberGuardOptions, StepUpFailedBody, StepUpState } from './types.js';

export { RECYCLED_NUMBER_GUARD_ERROR_CODES } from './error-codes.js';
export type { RecycledNumberGuardErrorCode } from './error-codes.js';
export { recycledNumberGuardSchema } from './schema.js';
export type { RecycledNumberGuardSchema } from './schema.js';
export type { GuardErrorBody, GuardedUser, HostCheckVerifier, RecycledNumberGuardOptions, SignInRequest, StepUpFailedBody, StepUpState } from './types.js';

/** The phoneNumber plugin's sign-in path: the only session creation the guard assesses. */
export const PHONE_VERIFY_PATH = '/phone-number/verify';
const PENDING_PREFIX = 'recycled-number-guard:';
const STEP_UP_COOKIE = 'rng_step_up';
const DEFAULT_PENDING_TTL_MS = 15 * 60_000;

/** The open step-up, kept in better-auth's verification table under the decision id. */
interface Pending {
  userId: string;
  /** A keyed hash of the number the decision was about: the row keeps no number in clear. */
  phoneDigest: string;
  body: DecisionBody;
  status: 'pending' | 'failed';
  /** The advice after a failed check, when the number may have changed hands. */
  advice?: { newHolder: VictimAdvice['newHolder']; previousHolder: VictimAdvice['previousHolder'] };
}

const pendingSchema = z.object({
  userId: z.string(),
  phoneDigest: z.string(),
  body: z.custom<DecisionBody>((value) => typeof value === 'object' && value !== null && typeof (value as DecisionBody).decisionId === 'string'),
  status: z.enum(['pending', 'failed']),
  advice: z.object({ newHolder: z.enum(['offer_new_account', 'none']), previousHolder: z.enum(['protect_account', 'review_binding', 'none']) }).optional(),
});

const decisionIdField = z.string().min(1).max(200);
const passwordBody = z.object({ decisionId: decisionIdField, password: z.string().min(1).max(1024) });
const hostCheckBody = z.object({
  decisionId: decisionIdField,
  check: z.enum(STEP_UP_CHECKS as [StepUpCheck, ...StepUpCheck[]]),
  proof: z.unknown().optional(),
});
const freshAccountBody = z.object({ decisionId: decisionIdField, name: z.string().min(1).max(200).optional() });

function apiError(
  status: 'UNAUTHORIZED' | 'FORBIDDEN' | 'BAD_REQUEST' | 'NOT_FOUND' | 'CONFLICT' | 'SERVICE_UNAVAILABLE',
  code: keyof typeof RECYCLED_NUMBER_GUARD_ERROR_CODES,
  extra: object = {},
): APIError {
  return new APIError(status, { ...extra, code, message: RECYCLED_NUMBER_GUARD_ERROR_CODES[code].message });
}

/** The HTTP status name better-auth's `APIError` takes for the helper's numeric status. */
const STATUS_NAMES = { 400: 'BAD_REQUEST', 403: 'FORBIDDEN', 409: 'CONFLICT', 503: 'SERVICE_UNAVAILABLE' } as const;

/** A refused outcome (expired, replayed, other account, store down) as the HTTP helper maps it. */
function rejectedOutcome(error: unknown): never {
  const answer = guardErrorResponse(error);
  if (!answer) throw error;
  const status = STATUS_NAMES[answer.status as keyof typeof STATUS_NAMES] ?? 'BAD_REQUEST';
  throw apiError(status, answer.body.error === 'invalid_input' ? 'RNG_INVALID_INPUT' : 'RNG_STEP_UP_REJECTED', answer.body);
}

/**
 * The better-auth plugin. Add it after `phoneNumber(...)`:
 *
 * ```ts
 * betterAuth({ plugins: [phoneNumber({ sendOTP }), recycledNumberGuard({ guard, deviceCookie: 'device' })] })
 * ```
 */
export const recycledNumberGuard = (options: RecycledNumberGuardOptions) => {
  const clock = options.clock ?? Date.now;
  const pendingTtlMs = options.pendingTtlMs ?? DEFAULT_PENDING_TTL_MS;

  const pendingKey = (decisionId: string) => `${PENDING_PREFIX}${decisionId}`;

  async function savePending(ctx: GenericEndpointContext, pending: Pending, expiresAt: Date) {
    await ctx.context.internalAdapter.deleteVerificationByIdentifier(pendingKey(pending.body.decisionId));
    await ctx.context.internalAdapter.createVerificationValue({ identifier: pendingKey(pending.body.decisionId), value: JSON.stringify(pending), expiresAt });
    // The step-up is bound to the browser that passed the SMS code: a decision id alone (it is in
    // audit logs) opens nothing.
    const cookie = ctx.context.createAuthCookie(STEP_UP_COOKIE, { maxAge: Math.max(1, Math.ceil((expiresAt.getTime() - Date.now()) / 1000)) });
    await ctx.setSignedCookie(cookie.name, pending.body.decisionId, ctx.context.secret, cookie.attributes);
  }

  /** The open step-up for this decision, if this browser holds it; otherwise a 404-style APIError. */
  async function openPending(ctx: GenericEndpointContext, decisionId: string): Promise<Pending> {
    const cookie = ctx.context.createAuthCookie(STEP_UP_COOKIE);
    const held = await ctx.getSignedCookie(cookie.name, ctx.context.secret);
    if (!held || held !== decisionId) throw apiError('NOT_FOUND', 'RNG_NO_PENDING_STEP_UP');
    const stored = await ctx.context.internalAdapter.findVerificationValue(pendingKey(decisionId));
    if (!stored || stored.expiresAt.getTime() < Date.now()) throw apiError('NOT_FOUND', 'RNG_NO_PENDING_STEP_UP');
    let value: unknown;
    try {
      value = JSON.parse(stored.value);
    } catch {
      throw apiError('NOT_FOUND', 'RNG_NO_PENDING_STEP_UP');
    }
    const parsed = pendingSchema.safeParse(value);
    if (!parsed.success) throw apiError('NOT_FOUND', 'RNG_NO_PENDING_STEP_UP');
    return parsed.data as Pending;
  }

  async function closePending(ctx: GenericEndpointContext, decisionId: string) {
    await ctx.context.internalAdapter.deleteVerificationByIdentifier(pendingKey(decisionId));
    const cookie = ctx.context.createAuthCookie(STEP_UP_COOKIE);
    ctx.setCookie(cookie.name, '', { ...cookie.attributes, maxAge: 0 });
  }

  async function startSession(ctx: GenericEndpointContext, user: User) {
    const session = await ctx.context.internalAdapter.createSession(user.id);
    if (!session) throw new APIError('INTERNAL_SERVER_ERROR', { message: 'Failed to create session' });
    await setSessionCookie(ctx, { session, user });
    return session;
  }

  /** Reports the check to the guard; allow creates the session, deny keeps the step-up for the fresh-account path. */
  async function finishStepUp(ctx: GenericEndpointContext, pending: Pending, checks: StepUpCheck[], passed: boolean) {
    if (pending.status !== 'pending') throw apiError('CONFLICT', 'RNG_STEP_UP_REJECTED', { reason: 'ALREADY_DECIDED' });
    let answer: { body: OutcomeBody };
    try {
      answer = outcomeResponse(await options.guard.recordOutcome(pending.body.decisionId, { checks, passed, accountId: pending.userId }));
    } catch (error) {
      if (error instanceof OutcomeRejectedError) await closePending(ctx, pending.body.decisionId);
      rejectedOutcome(error);
    }
    if (answer.body.action === 'allow') {
      const user = await ctx.context.internalAdapter.findUserById(pending.userId);
      if (!user) throw apiError('NOT_FOUND', 'RNG_NO_PENDING_STEP_UP');
      await closePending(ctx, pending.body.decisionId);
      const session = await startSession(ctx, user);
      return ctx.json({ ...answer.body, token: session.token });
    }
    const failed: Pending = { ...pending, status: 'failed', ...(answer.body.advice ? { advice: answer.body.advice } : {}) };
    const offered = freshAccountOffered(failed);
    if (offered) await savePending(ctx, failed, new Date(Date.now() + pendingTtlMs));
    else await closePending(ctx, pending.body.decisionId);
    const body: StepUpFailedBody = {
      ...answer.body,
      code: 'RNG_STEP_UP_FAILED',
      message: RECYCLED_NUMBER_GUARD_ERROR_CODES.RNG_STEP_UP_FAILED.message,
      freshAccountOffered: offered,
    };
    throw new APIError('FORBIDDEN', body);
  }

  const freshAccountOffered = (pending: Pending) =>
    (pending.advice ?? pending.body.advice).newHolder === 'offer_new_account' && (pending.status === 'failed' || pending.body.action === 'deny');

  const availableChecks = (): StepUpCheck[] => {
    const available: StepUpCheck[] = ['password'];
    if (options.previousPasswordHashes) available.push('previous_password');
    for (const check of Object.keys(options.hostChecks ?? {}) as StepUpCheck[]) if (options.hostChecks?.[check]) available.push(check);
    return available;
  };

  /** Assesses a session the phoneNumber plugin's verify endpoint is about to create. */
  async function assessSignIn(session: { userId: string; ipAddress?: string | null | undefined }, ctx: GenericEndpointContext): Promise<void> {
    const user = (await ctx.context.internalAdapter.findUserById(session.userId)) as (User & GuardedUser) | null;
    // The verify endpoint just found (or created) this user by the number; without one there is nothing to sign in to.
    if (!user?.phoneNumber) throw apiError('FORBIDDEN', 'RNG_DENY');
    const headers = ctx.request?.headers ?? ctx.headers ?? new Headers();
    const ip = options.clientIp ? options.clientIp({ headers, ipAddress: session.ipAddress }) : (session.ipAddress ?? undefined);
    let body: DecisionBody;
    try {
      const attempt = attemptFromRequest(webRequestLike({ headers }, { remoteAddress: ip || undefined }), {
        accountId: user.id,
        phone: user.phoneNumber,
        phoneBoundAt: user.phoneBoundAt ?? user.createdAt,
        action: 'login',
        verified: ['sms_otp'],
        ...(options.deviceCookie ? { deviceCookie: options.deviceCookie } : {}),
      });
      body = decisionResponse(await options.guard.assess(attempt)).body;
    } catch (error) {
      // No session on any error: a bad input is named, anything else reaches better-auth's error handling.
      if (error instanceof InvalidInputError) throw apiError('BAD_REQUEST', 'RNG_INVALID_INPUT', { fields: error.fields });
      throw error;
    }
    if (body.action === 'allow') return;
    const pending: Pending = { userId: user.id, phoneDigest: phoneDigest(ctx, user.phoneNumber), body, status: 'pending' };
    if (body.action === 'step_up' || body.advice.newHolder === 'offer_new_account') {
      // The guard's expiry is in the guard's clock; the row's is in the database's (the real one).
      const ttlMs = body.stepUp ? Date.parse(body.stepUp.expiresAt) - clock() : pendingTtlMs;
      await savePending(ctx, pending, new Date(Date.now() + Math.max(1_000, ttlMs)));
    }
    const code = body.action === 'step_up' ? 'RNG_STEP_UP' : 'RNG_DENY';
    const errorBody: GuardErrorBody = { ...body, code, message: RECYCLED_NUMBER_GUARD_ERROR_CODES[code].message };
    throw new APIError(body.action === 'step_up' ? 'UNAUTHORIZED' : 'FORBIDDEN', errorBody);
  }

  return {
    id: 'recycled-number-guard',
    schema: recycledNumberGuardSchema,
    $ERROR_CODES: RECYCLED_NUMBER_GUARD_ERROR_CODES,
    rateLimit: [{ pathMatcher: (path: string) => path.startsWith('/recycled-number-guard/'), window: 60, max: 10 }],
    init(auth) {
      return {
        options: {
          databaseHooks: {
            user: {
              create: {
                // Bound when the phoneNumber plugin lets the number in: a verified number only.
                async before(user) {
                  const data = user as Record<string, unknown>;
                  if (data.phoneNumber == null || data.phoneNumberVerified !== true) return { data: { ...user, phoneBoundAt: null } };
                  return { data: { ...user, phoneBoundAt: new Date(clock()) } };
                },
              },
              update: {
                async before(data, ctx) {
                  const changes = data as Record<string, unknown>;
                  if (!('phoneNumber' in changes) || changes.phoneNumber === undefined) return;
                  if (changes.phoneNumber === null) return { data: { ...data, phoneBoundAt: null } };
                  // The phoneNumber plugin drops an unverified number from the update (except the admin's).
                  if (ctx && changes.phoneNumberVerified !== true && ctx.path !== '/admin/update-user') return;
                  // Numbers are unique per user: if some user holds this one already, it is this user
                  // (else the update fails on the unique index), and the binding date stays.
                  const holder = await auth.adapter.findOne<{ id: string }>({
                    model: 'user',
                    where: [{ field: 'phoneNumber', value: String(changes.phoneNumber) }],
                  });
                  if (holder) return;
                  return { data: { ...data, phoneBoundAt: new Date(clock()) } };
                },
              },
            },
            session: {
              create: {
                async before(session, ctx) {
                  if (!ctx || ctx.path !== PHONE_VERIFY_PATH) return;
                  await assessSignIn(session, ctx);
                },
              },
            },
          },
        },
      };
    },
    endpoints: {
      /** The step-up this browser has open, if any: what to show after a 401/403 from verify. */
      getStepUpState: createAuthEndpoint('/recycled-number-guard/step-up', { method: 'GET' }, async (ctx) => {
        const cookie = ctx.context.createAuthCookie(STEP_UP_COOKIE);
        const decisionId = await ctx.getSignedCookie(cookie.name, ctx.context.secret);
        if (!decisionId) return ctx.json(null);
        const pending = await openPending(ctx, decisionId).catch(() => undefined);
        if (!pending) return ctx.json(null);
        const state: StepUpState = {
          decisionId,
          action: pending.body.action === 'deny' ? 'deny' : 'step_up',
          available: availableChecks(),
          freshAccountOffered: freshAccountOffered(pending),
          status: pending.status,
          ...(pending.status === 'pending' && pending.body.stepUp ? { stepUp: pending.body.stepUp } : {}),
        };
        return ctx.json(state);
      }),
      /** Step-up with the account's email-and-password credential. */
      stepUpPassword: createAuthEndpoint('/recycled-number-guard/step-up/password', { method: 'POST', body: passwordBody }, async (ctx) => {
        const pending = await openPending(ctx, ctx.body.decisionId);
        const credential = await ctx.context.internalAdapter.findCredentialAccount(pending.userId);
        const passed = credential?.password ? await ctx.context.password.verify({ hash: credential.password, password: ctx.body.password }) : false;
        return finishStepUp(ctx, pending, ['password'], passed);
      }),
      /** Step-up with a password the account used before (the host keeps the hashes). */
      stepUpPreviousPassword: createAuthEndpoint('/recycled-number-guard/step-up/previous-password', { method: 'POST', body: passwordBody }, async (ctx) => {
        if (!options.previousPasswordHashes) throw apiError('NOT_FOUND', 'RNG_CHECK_NOT_CONFIGURED');
        const pending = await openPending(ctx, ctx.body.decisionId);
        let passed = false;
        for (const hash of await options.previousPasswordHashes(pending.userId)) {
          if (await ctx.context.password.verify({ hash, password: ctx.body.password })) passed = true;
        }
        return finishStepUp(ctx, pending, ['previous_password'], passed);
      }),
      /** Step-up with a check the host runs elsewhere (face, ID match): the host's verifier judges the proof. */
      stepUpHostCheck: createAuthEndpoint('/recycled-number-guard/step-up/check', { method: 'POST', body: hostCheckBody }, async (ctx) => {
        const verify = options.hostChecks?.[ctx.body.check];
        if (!verify) throw apiError('NOT_FOUND', 'RNG_CHECK_NOT_CONFIGURED');
        const pending = await openPending(ctx, ctx.body.decisionId);
        const passed = (await verify({ userId: pending.userId, decisionId: pending.body.decisionId, check: ctx.body.check, proof: ctx.body.proof })) === true;
        return finishStepUp(ctx, pending, [ctx.body.check], passed);
      }),
      /**
       * The new holder's way in: after a failed (or declined) step-up on a number that changed hands,
       * the number leaves the previous holder's account (kept, with its data; SMS sign-in off until
       * its owner binds a current number) and a fresh account gets it, signed in.
       */
      startFreshAccount: createAuthEndpoint('/recycled-number-guard/fresh-account', { method: 'POST', body: freshAccountBody }, async (ctx) => {
        let pending = await openPending(ctx, ctx.body.decisionId);
        if (pending.status === 'pending' && pending.body.action === 'step_up') {
          // Declining is a failed step-up: the decision is spent, so nobody completes it later.
          const firstSet = pending.body.stepUp?.anyOf[0] ?? ['password'];
          try {
            const result = await options.guard.recordOutcome(pending.body.decisionId, { checks: firstSet, passed: false, accountId: pending.userId });
            pending = {
              ...pending,
              status: 'failed',
              ...(result.advice ? { advice: { newHolder: result.advice.newHolder, previousHolder: result.advice.previousHolder } } : {}),
            };
          } catch (error) {
            if (error instanceof OutcomeRejectedError) await closePending(ctx, pending.body.decisionId);
            rejectedOutcome(error);
          }
        }
        if (!freshAccountOffered(pending)) throw apiError('FORBIDDEN', 'RNG_FRESH_ACCOUNT_NOT_OFFERED');
        const email = options.freshAccountEmail ?? phoneNumberTempEmail(ctx);
        if (!email) throw apiError('NOT_FOUND', 'RNG_CHECK_NOT_CONFIGURED', { option: 'freshAccountEmail' });
        // The number the decision was about, still on the previous account (not one bound since).
        const previous = (await ctx.context.internalAdapter.findUserById(pending.userId)) as (User & GuardedUser) | null;
        const phone = previous?.phoneNumber;
        if (!phone || !sameDigest(phoneDigest(ctx, phone), pending.phoneDigest)) throw apiError('FORBIDDEN', 'RNG_FRESH_ACCOUNT_NOT_OFFERED');
        await closePending(ctx, pending.body.decisionId);
        await ctx.context.internalAdapter.updateUser(pending.userId, { phoneNumber: null, phoneNumberVerified: false, phoneDetachedAt: new Date(clock()) });
        const user = await ctx.context.internalAdapter.createUser(
          {
            email: email(phone),
            name: ctx.body.name ?? phone,
            emailVerified: false,
            phoneNumber: phone,
            phoneNumberVerified: true,
          },
          { method: 'phone-number' },
        );
        if (!user) throw new APIError('INTERNAL_SERVER_ERROR', { message: 'Failed to create user' });
        await options.onNumberDetached?.({ previousUserId: pending.userId, newUserId: user.id, advice: pending.advice ?? pending.body.advice });
        const session = await startSession(ctx, user);
        return ctx.json({ status: true as const, token: session.token, userId: user.id });
      }),
    },
  } satisfies BetterAuthPlugin;
};

function phoneDigest(ctx: GenericEndpointContext, phone: string): string {
  return createHmac('sha256', ctx.context.secret).update(`recycled-number-guard:phone:${phone}`).digest('base64url');
}

function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The phoneNumber plugin's `signUpOnVerification.getTempEmail`, when the host configured it. */
function phoneNumberTempEmail(ctx: GenericEndpointContext): ((phoneNumber: string) => string) | undefined {
  const plugin = ctx.context.options.plugins?.find((candidate) => candidate.id === 'phone-number');
  const signUp = (plugin?.options as { signUpOnVerification?: { getTempEmail?: (phoneNumber: string) => string } } | undefined)?.signUpOnVerification;
  return signUp?.getTempEmail;
}

export type RecycledNumberGuardPlugin = ReturnType<typeof recycledNumberGuard>;
