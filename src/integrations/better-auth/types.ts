import type { Guard } from '../../guard/create-guard.js';
import type { DecisionBody, OutcomeBody } from '../../adapters/http/response.js';
import type { StepUpCheck, VictimAdvice } from '../../types/index.js';

/** The user fields the plugin reads (better-auth's user with the phoneNumber plugin's and this plugin's fields). */
export interface GuardedUser {
  id: string;
  createdAt: Date;
  phoneNumber?: string | null;
  phoneBoundAt?: Date | null;
}

/** The request facts the plugin passes to the guard, as better-auth resolved them. */
export interface SignInRequest {
  /** Request headers (user agent, Client Hints, the device cookie). */
  headers: Headers;
  /** The address better-auth resolved for the session (`advanced.ipAddress`). */
  ipAddress: string | null | undefined;
}

/**
 * A check your platform runs outside better-auth (face match, ID document match, KYC), verified by
 * your code from the `proof` the front end sends (for example a verification-session id from your
 * vendor, which you look up server-side). Return true only when your own server saw it pass for this user.
 */
export type HostCheckVerifier = (input: { userId: string; decisionId: string; check: StepUpCheck; proof: unknown }) => Promise<boolean> | boolean;

export interface RecycledNumberGuardOptions {
  /** The guard, created once at start-up (`createGuard`, then `await guard.ready()`). */
  guard: Pick<Guard, 'assess' | 'recordOutcome'>;
  /**
   * The clock for `phoneBoundAt`, epoch ms. Pass the guard's own when you give it one (tests,
   * simulations); default `Date.now`.
   */
  clock?: () => number;
  /** Name of your own long-lived device-token cookie; the guard stores only its keyed hash. */
  deviceCookie?: string;
  /**
   * The client address for the guard. Default: the session's `ipAddress`, which better-auth takes
   * from `advanced.ipAddress.ipAddressHeaders` (default `x-forwarded-for`, its left-most entry unless
   * `trustedProxies` is set). Name a header your edge overwrites, or list your proxies there.
   */
  clientIp?: (request: SignInRequest) => string | undefined;
  /**
   * Hashes of the user's previous passwords, newest first, if you keep them (the hashes better-auth's
   * `password.hash` made): enables the `previous_password` step-up endpoint.
   */
  previousPasswordHashes?: (userId: string) => Promise<string[]> | string[];
  /** Checks you run elsewhere (`face`, `id_match`, `known_address`, ...), each with its server-side verifier. */
  hostChecks?: Partial<Record<StepUpCheck, HostCheckVerifier>>;
  /**
   * The email of a fresh account (better-auth requires one). Default: the phoneNumber plugin's
   * `signUpOnVerification.getTempEmail`, when configured.
   */
  freshAccountEmail?: (phoneNumber: string) => string;
  /**
   * Called after a new holder's fresh account took the number off `previousUserId`: reach the
   * previous holder by email or in-app and ask them to bind a current number. Never send an SMS to
   * the old number: it reaches the new holder.
   */
  onNumberDetached?: (input: { previousUserId: string; newUserId: string; advice: Pick<VictimAdvice, 'newHolder' | 'previousHolder'> }) => Promise<void> | void;
  /** How long a step-up stays open when the decision set no expiry (deny with a fresh-account offer). Default 15 minutes. */
  pendingTtlMs?: number;
}

/** The plugin's answer for step_up and deny, in the `APIError` body: the HTTP helper's body plus better-auth's `code` and `message`. */
export type GuardErrorBody = DecisionBody & { code: 'RNG_STEP_UP' | 'RNG_DENY'; message: string };

/** A failed step-up: the outcome body plus `code` and `message`, and whether a fresh account is offered. */
export type StepUpFailedBody = OutcomeBody & { code: 'RNG_STEP_UP_FAILED'; message: string; freshAccountOffered: boolean };

/** What `GET /recycled-number-guard/step-up` answers: the step-up this browser has open, if any. */
export interface StepUpState {
  decisionId: string;
  action: 'step_up' | 'deny';
  /** Only while the step-up can still be completed. */
  stepUp?: { anyOf: StepUpCheck[][]; expiresAt: string };
  /** The checks this server can run (the rest of `anyOf` is not offered). */
  available: StepUpCheck[];
  /** True when the new holder may start a fresh account now (a failed or declined check on a number that changed hands). */
  freshAccountOffered: boolean;
  status: 'pending' | 'failed';
}
