// recycled-number-guard/authjs: SMS sign-in through Auth.js (@auth/core, next-auth v5, the
// SvelteKit / Express / Qwik wrappers: they all take the same config). Two Credentials providers
// (the SMS code, then the step-up) and a signIn callback that lets a session be created only on
// `allow`. Typed structurally: nothing here imports Auth.js at runtime, and the declarations do not
// need its types.
import type { Guard } from '../../guard/create-guard.js';
import { InvalidInputError } from '../../errors/invalid-input-error.js';
import { OutcomeRejectedError } from '../../errors/outcome-rejected-error.js';
import { GuardConfigError } from '../../errors/guard-config-error.js';
import type { Decision, OutcomeResult, StepUpOutcome } from '../../types/index.js';
import { attemptFromRequest, webRequestLike, type AttemptFields } from '../../adapters/http/request.js';
import { decisionResponse, outcomeResponse, type DecisionBody, type OutcomeBody } from '../../adapters/http/response.js';

type Awaitable<T> = T | Promise<T>;
/** What Auth.js passes to a Credentials provider's `authorize`: the submitted fields, unvalidated. */
export type SubmittedCredentials = Partial<Record<string, unknown>>;

/** The verdict the guard attached to the user `authorize` returned; the signIn callback acts on it. */
export type GuardVerdict = { kind: 'decision'; body: DecisionBody } | { kind: 'outcome'; body: OutcomeBody };

/** The user our providers return: the account id, and the verdict under a key no Auth.js callback reads. */
export interface GuardedUser {
  id: string;
  recycledNumberGuard: GuardVerdict;
}

export interface AuthjsGuardOptions {
  /**
   * Your SMS code check: the account the code signs in to, or null (a wrong code; Auth.js answers
   * with `error=CredentialsSignin`). Validate the fields: Auth.js does not.
   */
  verifyCode(credentials: SubmittedCredentials, request: Request): Awaitable<AttemptFields | null>;
  /**
   * Run the step-up check your server can run (a password) for the decision named in the
   * submitted fields, and say what it found: `{ decisionId, outcome }` for `recordOutcome`. Name
   * `outcome.accountId` (whose check it was), so a decision cannot be completed for another
   * account. Null refuses the attempt. Without it there is no step-up provider.
   */
  verifyStepUp?(credentials: SubmittedCredentials, request: Request): Awaitable<{ decisionId: string; outcome: StepUpOutcome } | null>;
  /**
   * The client address as your platform guarantees it (a header your edge always overwrites,
   * `@vercel/functions` `ipAddress`). Never a header the client can set. `authorize` sees a
   * request Auth.js rebuilt from the original headers, without a socket.
   */
  remoteAddress(request: Request): string | undefined;
  /** The cookie holding your own long-lived device token. */
  deviceCookie?: string;
  /** Where a step-up goes. Default: `/step-up?decision=<id>&checks=<a,b|c>` plus `&offer=new_account` when the new holder should be offered one. */
  stepUpUrl?(body: DecisionBody): string;
  /** Where a new holder goes after a refused sign-in or a failed step-up. Default: none, Auth.js's AccessDenied. */
  freshAccountUrl?: string;
  /** Provider ids. Default `sms-otp` and `sms-step-up`. */
  providerIds?: { signIn?: string; stepUp?: string };
  /** Called with every decision and step-up result, e.g. to log `wouldBe` in dry_run. Errors propagate. */
  onDecision?(decision: Decision): Awaitable<void>;
  onOutcome?(result: OutcomeResult): Awaitable<void>;
}

/** A Credentials provider as Auth.js takes it (the object `Credentials({...})` builds). */
export interface CredentialsProviderLike {
  id: string;
  name: string;
  type: 'credentials';
  credentials: Record<string, { label?: string; type?: string }>;
  authorize(credentials: SubmittedCredentials, request: Request): Promise<GuardedUser | null>;
}

/** What `signIn` receives; only `user` and `account.provider` are read. */
export interface SignInParams {
  user: object;
  account?: { provider?: string } | null;
}

export interface AuthjsGuard {
  /** SMS code sign-in: phone and code. */
  signInProvider: CredentialsProviderLike;
  /** The step-up: decision id plus your check's fields (absent without `verifyStepUp`). */
  stepUpProvider?: CredentialsProviderLike;
  /** The callback that turns the guard's verdict into Auth.js's: true signs in, a URL redirects, false refuses. */
  signIn(params: SignInParams): boolean | string;
}

function defaultStepUpUrl(body: DecisionBody): string {
  const params = new URLSearchParams({ decision: body.decisionId, checks: (body.stepUp?.anyOf ?? []).map((set) => set.join(',')).join('|') });
  if (body.advice.newHolder === 'offer_new_account') params.set('offer', 'new_account');
  return `/step-up?${params}`;
}

function verdictOf(user: object): GuardVerdict | undefined {
  const verdict = (user as Partial<GuardedUser>).recycledNumberGuard;
  return verdict && typeof verdict === 'object' && (verdict.kind === 'decision' || verdict.kind === 'outcome') ? verdict : undefined;
}

/**
 * The providers and signIn callback. Prefer `withRecycledNumberGuard`, which installs both and
 * cannot forget the callback; without it a step-up user would be signed in.
 */
export function authjsGuard(guard: Pick<Guard, 'assess' | 'recordOutcome'>, options: AuthjsGuardOptions): AuthjsGuard {
  if (typeof options?.verifyCode !== 'function') throw new GuardConfigError('verifyCode', 'a function: your SMS code check');
  if (typeof options.remoteAddress !== 'function')
    throw new GuardConfigError('remoteAddress', 'a function returning the client address your platform guarantees');
  const signInId = options.providerIds?.signIn ?? 'sms-otp';
  const stepUpId = options.providerIds?.stepUp ?? 'sms-step-up';
  const ours = new Set([signInId, stepUpId]);
  const stepUpUrl = options.stepUpUrl ?? defaultStepUpUrl;

  const signInProvider: CredentialsProviderLike = {
    id: signInId,
    name: 'SMS code',
    type: 'credentials',
    credentials: { phone: { label: 'Phone number', type: 'tel' }, code: { label: 'SMS code', type: 'text' } },
    async authorize(credentials, request) {
      const fields = await options.verifyCode(credentials, request);
      if (!fields) return null;
      let decision: Decision;
      try {
        const req = webRequestLike(request, { remoteAddress: options.remoteAddress(request) });
        decision = await guard.assess(attemptFromRequest(req, { ...fields, ...(options.deviceCookie ? { deviceCookie: options.deviceCookie } : {}) }));
      } catch (error) {
        // Bad input (no client address, a malformed binding date) signs nobody in: Auth.js's CredentialsSignin.
        if (error instanceof InvalidInputError) return null;
        throw error;
      }
      await options.onDecision?.(decision);
      return { id: decision.accountId, recycledNumberGuard: { kind: 'decision', body: decisionResponse(decision).body } };
    },
  };

  const verifyStepUp = options.verifyStepUp;
  const stepUpProvider: CredentialsProviderLike | undefined = verifyStepUp && {
    id: stepUpId,
    name: 'Step-up',
    type: 'credentials',
    credentials: { decisionId: { type: 'hidden' }, password: { label: 'Password', type: 'password' } },
    async authorize(credentials, request) {
      const ran = await verifyStepUp(credentials, request);
      if (!ran) return null;
      let result: OutcomeResult;
      try {
        result = await guard.recordOutcome(ran.decisionId, ran.outcome);
      } catch (error) {
        // Replayed, expired, foreign or malformed: refused like a wrong password.
        if (error instanceof OutcomeRejectedError || error instanceof InvalidInputError) return null;
        throw error;
      }
      await options.onOutcome?.(result);
      return { id: result.accountId, recycledNumberGuard: { kind: 'outcome', body: outcomeResponse(result).body } };
    },
  };

  function signIn({ user, account }: SignInParams): boolean | string {
    const verdict = verdictOf(user);
    // A user from another provider (OAuth, email) is not the guard's to judge; one of ours without a verdict is refused.
    if (!verdict) return !ours.has(account?.provider ?? '');
    const { body } = verdict;
    if (body.action === 'allow') return true;
    if (verdict.kind === 'decision' && body.action === 'step_up') return stepUpUrl(verdict.body);
    return options.freshAccountUrl !== undefined && body.advice?.newHolder === 'offer_new_account' ? options.freshAccountUrl : false;
  }

  return { signInProvider, ...(stepUpProvider ? { stepUpProvider } : {}), signIn };
}

/** The parts of an Auth.js config this touches: `providers`, and `callbacks.signIn` when you have one. */
export interface AuthConfigLike {
  providers: readonly unknown[];
  callbacks?: object;
}

type HostSignIn = (params: SignInParams) => Awaitable<boolean | string>;

/**
 * Your Auth.js config with the SMS sign-in and step-up providers added and the guard's verdict
 * enforced before your own `signIn` callback (which runs only for users the guard allowed, and
 * for other providers' users):
 * `Auth(request, withRecycledNumberGuard({ providers: [], secret, ... }, guard, { verifyCode, ... }))`.
 */
export function withRecycledNumberGuard<Config extends AuthConfigLike>(
  config: Config,
  guard: Pick<Guard, 'assess' | 'recordOutcome'>,
  options: AuthjsGuardOptions,
): Config {
  const pieces = authjsGuard(guard, options);
  const hostSignIn = (config.callbacks as { signIn?: HostSignIn } | undefined)?.signIn;
  return {
    ...config,
    providers: [...config.providers, pieces.signInProvider, ...(pieces.stepUpProvider ? [pieces.stepUpProvider] : [])],
    callbacks: {
      ...config.callbacks,
      async signIn(params: SignInParams) {
        const verdict = pieces.signIn(params);
        if (verdict !== true) return verdict;
        return hostSignIn ? hostSignIn(params) : true;
      },
    },
  };
}

export type { AttemptFields, DecisionBody, OutcomeBody };
