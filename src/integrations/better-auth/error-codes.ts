// The codes this plugin's errors carry in `body.code`, in better-auth's `$ERROR_CODES` shape
// ({ CODE: { code, message } }) so a client plugin can map them to its own messages.

const define = <const T extends Record<string, string>>(codes: T): { readonly [K in keyof T & string]: { readonly code: K; message: string } } =>
  Object.fromEntries(Object.entries(codes).map(([code, message]) => [code, { code, message }])) as never;

export const RECYCLED_NUMBER_GUARD_ERROR_CODES = define({
  /** The sign-in needs a stronger check first; the body says which (`stepUp.anyOf`). */
  RNG_STEP_UP: 'This sign-in needs one more check',
  /** The guard refused the sign-in. */
  RNG_DENY: 'This sign-in was refused',
  /** The step-up check failed; the body carries the advice (a fresh account for a new holder). */
  RNG_STEP_UP_FAILED: 'The check did not pass',
  /** No pending step-up for this decision in this browser (wrong id, expired, or already used). */
  RNG_NO_PENDING_STEP_UP: 'There is no pending check for this sign-in',
  /** The guard refused the outcome report (expired, replayed, other account, store down). */
  RNG_STEP_UP_REJECTED: 'The check can no longer be accepted',
  /** The check is not one this plugin was configured to run. */
  RNG_CHECK_NOT_CONFIGURED: 'This check is not available',
  /** The fresh-account path is open only after a failed or declined check on a number that changed hands. */
  RNG_FRESH_ACCOUNT_NOT_OFFERED: 'A fresh account is not offered for this sign-in',
  /** The request has no client address the guard can use. */
  RNG_INVALID_INPUT: 'The sign-in request is missing what the guard needs',
});

export type RecycledNumberGuardErrorCode = keyof typeof RECYCLED_NUMBER_GUARD_ERROR_CODES;
