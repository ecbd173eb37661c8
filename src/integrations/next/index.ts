// recycled-number-guard/next: route-handler glue for the web-standard Request/Response API that
// Next.js App Router route handlers use (`export const POST = guardedRoute(...)`). Nothing here
// imports Next.js: the handlers take a fetch-API `Request` and return a `Response`, so the same
// code serves Hono, Remix actions, Deno, Bun and Workers.
import type { Guard } from '../../guard/create-guard.js';
import type { Decision, OutcomeResult, StepUpOutcome } from '../../types/index.js';
import { attemptFromRequest, webRequestLike, type AttemptFields } from '../../adapters/http/request.js';
import {
  decisionResponse,
  guardErrorResponse,
  outcomeResponse,
  type DecisionBody,
  type DecisionResponseOptions,
  type HttpAnswer,
  type OutcomeBody,
} from '../../adapters/http/response.js';

export interface GuardedRouteOptions extends DecisionResponseOptions {
  /**
   * Your OTP check for this request: the account it signs in to, or a `Response` to answer yourself
   * (a wrong code: 401). Read the body here; the handler does not read it.
   */
  attempt(request: Request): Promise<AttemptFields | Response> | AttemptFields | Response;
  /**
   * The client address as your platform guarantees it: `ipAddress(request)` from `@vercel/functions`,
   * or a header your own edge always overwrites. Never a header the client can set.
   */
  remoteAddress(request: Request): string | undefined;
  /** The cookie holding your own long-lived device token. */
  deviceCookie?: string;
  /** Issue the session: runs only on `allow`. Its `Response` is sent as it is. */
  onAllow(decision: Decision, request: Request): Promise<Response> | Response;
  /** Answer step_up and deny yourself (a redirect to your step-up page). Default: the JSON of `decisionResponse`. */
  onChallenge?(decision: Decision, answer: HttpAnswer<DecisionBody>, request: Request): Promise<Response> | Response;
}

/** An `HttpAnswer` as a fetch-API `Response`. */
export function toResponse(answer: HttpAnswer<unknown>): Response {
  return Response.json(answer.body, { status: answer.status, headers: answer.headers });
}

/**
 * A route handler for the request that would issue the session after the SMS code:
 * `export const POST = guardedRoute(guard, { attempt, remoteAddress, onAllow })`. `allow` runs
 * `onAllow`; `step_up` is a 401 and `deny` a 403 with the decision body (the checks to offer, the
 * fresh-account advice); bad input is a 400 naming the fields. Any other error is thrown, so the
 * framework answers 500 and nobody is signed in.
 */
export function guardedRoute(guard: Pick<Guard, 'assess'>, options: GuardedRouteOptions): (request: Request) => Promise<Response> {
  return async function recycledNumberGuardRoute(request: Request): Promise<Response> {
    const fields = await options.attempt(request);
    if (fields instanceof Response) return fields;
    let decision: Decision;
    try {
      const req = webRequestLike(request, { remoteAddress: options.remoteAddress(request) });
      decision = await guard.assess(attemptFromRequest(req, { ...fields, ...(options.deviceCookie ? { deviceCookie: options.deviceCookie } : {}) }));
    } catch (error) {
      const answer = guardErrorResponse(error);
      if (answer) return toResponse(answer);
      throw error;
    }
    const answer = decisionResponse(decision, options);
    if (answer.body.action === 'allow') return options.onAllow(decision, request);
    if (options.onChallenge) return options.onChallenge(decision, answer, request);
    return toResponse(answer);
  };
}

export interface OutcomeRouteOptions {
  /**
   * Run the step-up check (your password, face or ID check) and say what it found: the decision it
   * answers and the outcome for `recordOutcome`. Name `accountId` whenever you know whose
   * check it was, so a decision cannot be completed for another account. Or return a `Response`.
   */
  outcome(request: Request): Promise<{ decisionId: string; outcome: StepUpOutcome } | Response> | { decisionId: string; outcome: StepUpOutcome } | Response;
  /** Issue the session: runs only when the step-up satisfied the decision. */
  onAllow(result: OutcomeResult, request: Request): Promise<Response> | Response;
  /** Answer a failed step-up yourself (the fresh-account page when `result.advice` offers one). Default: the JSON of `outcomeResponse` (403). */
  onDeny?(result: OutcomeResult, answer: HttpAnswer<OutcomeBody>, request: Request): Promise<Response> | Response;
}

/**
 * A route handler for the step-up: records the outcome and runs `onAllow` only when it satisfied
 * the decision. A replayed, late or foreign decision is refused (409/403, or 503 when the store is
 * down), never signed in.
 */
export function outcomeRoute(guard: Pick<Guard, 'recordOutcome'>, options: OutcomeRouteOptions): (request: Request) => Promise<Response> {
  return async function recycledNumberOutcomeRoute(request: Request): Promise<Response> {
    const ran = await options.outcome(request);
    if (ran instanceof Response) return ran;
    let result: OutcomeResult;
    try {
      result = await guard.recordOutcome(ran.decisionId, ran.outcome);
    } catch (error) {
      const answer = guardErrorResponse(error);
      if (answer) return toResponse(answer);
      throw error;
    }
    const answer = outcomeResponse(result);
    if (answer.body.action === 'allow') return options.onAllow(result, request);
    if (options.onDeny) return options.onDeny(result, answer, request);
    return toResponse(answer);
  };
}

export type { AttemptFields, DecisionBody, HttpAnswer, OutcomeBody };
