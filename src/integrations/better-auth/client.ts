// recycled-number-guard/better-auth/client: the front end's half of the plugin.
//
// `createAuthClient({ plugins: [phoneNumberClient(), recycledNumberGuardClient()] })` gets the
// plugin's endpoints, inferred from the server plugin (`authClient.recycledNumberGuard.stepUp.password(...)`,
// `.stepUp.check(...)`, `.freshAccount(...)`, `.getStepUp()`), and `authClient.stepUp`: the step-up
// the last answer opened, kept as it arrives (a 401 RNG_STEP_UP or 403 RNG_DENY from
// `phoneNumber.verify`, a failed check) so a page can render it without parsing errors itself.
// Imports nothing at run time: the server plugin is named only as a type.
import type { BetterAuthClientPlugin } from 'better-auth/client';
import type { DecisionBody } from '../../adapters/http/response.js';
import { RECYCLED_NUMBER_GUARD_ERROR_CODES } from './error-codes.js';
import type { RecycledNumberGuardPlugin } from './index.js';
import type { StepUpCheck } from '../../types/index.js';

export { RECYCLED_NUMBER_GUARD_ERROR_CODES } from './error-codes.js';

/** What the front end shows after a sign-in that did not go straight through. */
export interface ClientStepUp {
  decisionId: string;
  /** `step_up`: offer `anyOf`; `deny`: no sign-in (but see `freshAccountOffered`). */
  action: 'step_up' | 'deny';
  /** Any one set, every check in it. */
  anyOf: StepUpCheck[][];
  expiresAt?: string;
  /** Show "This number belonged to someone else. Start a fresh account?" (never "already registered"). */
  freshAccountOffered: boolean;
  /** The decision offers the new holder a fresh account (on step_up, beside the checks for the owner). */
  newHolderAdvice: DecisionBody['advice']['newHolder'];
  /** True after a check failed. */
  failed: boolean;
}

type Listener = (state: ClientStepUp | null) => void;

function fromBody(body: Record<string, unknown>): ClientStepUp | null | undefined {
  const code = body.code;
  if (code === 'RNG_STEP_UP' || code === 'RNG_DENY') {
    const decision = body as unknown as DecisionBody;
    return {
      decisionId: decision.decisionId,
      action: code === 'RNG_STEP_UP' ? 'step_up' : 'deny',
      anyOf: decision.stepUp?.anyOf ?? [],
      ...(decision.stepUp ? { expiresAt: decision.stepUp.expiresAt } : {}),
      freshAccountOffered: code === 'RNG_DENY' && decision.advice.newHolder === 'offer_new_account',
      newHolderAdvice: decision.advice.newHolder,
      failed: false,
    };
  }
  if (code === 'RNG_STEP_UP_FAILED') {
    return {
      decisionId: String(body.decisionId),
      action: 'deny',
      anyOf: [],
      freshAccountOffered: body.freshAccountOffered === true,
      newHolderAdvice: (body.advice as DecisionBody['advice'] | undefined)?.newHolder ?? 'none',
      failed: true,
    };
  }
  // The step-up is gone (used, expired, or the browser lost its cookie).
  if (code === 'RNG_NO_PENDING_STEP_UP' || code === 'RNG_STEP_UP_REJECTED') return null;
  return undefined;
}

/** The client plugin; add it beside `phoneNumberClient()`. */
export const recycledNumberGuardClient = () => {
  let current: ClientStepUp | null = null;
  const listeners = new Set<Listener>();
  const set = (state: ClientStepUp | null) => {
    current = state;
    for (const listener of listeners) listener(state);
  };
  return {
    id: 'recycled-number-guard',
    $InferServerPlugin: {} as RecycledNumberGuardPlugin,
    pathMethods: { '/recycled-number-guard/step-up': 'GET' },
    // A finished step-up or a fresh account signs in: the session atom refetches.
    atomListeners: [
      { matcher: (path: string) => path.startsWith('/recycled-number-guard/') && path !== '/recycled-number-guard/step-up', signal: '$sessionSignal' },
    ],
    fetchPlugins: [
      {
        id: 'recycled-number-guard',
        name: 'recycled-number-guard',
        hooks: {
          onError(context: { error: Record<string, unknown> }) {
            const next = fromBody(context.error);
            if (next !== undefined) set(next);
          },
          onSuccess(context: { request: { url: string | URL } }) {
            const url = String(context.request.url);
            if (/\/(recycled-number-guard\/(step-up\/|fresh-account)|phone-number\/verify)/.test(url)) set(null);
          },
        },
      },
    ],
    getActions: () => ({
      /** The step-up the last answer opened (null when none), and a way to follow it. */
      stepUp: {
        current: (): ClientStepUp | null => current,
        subscribe(listener: Listener): () => void {
          listeners.add(listener);
          listener(current);
          return () => listeners.delete(listener);
        },
        clear: () => set(null),
      },
    }),
    $ERROR_CODES: RECYCLED_NUMBER_GUARD_ERROR_CODES,
  } satisfies BetterAuthClientPlugin;
};
