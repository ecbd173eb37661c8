// Express glue. Structural types only: the published typings must not need @types/express, and
// nothing here loads express at runtime. test/adapters checks these against Express's own types.
import type { Guard } from '../../guard/create-guard.js';
import type { Decision } from '../../types/index.js';
import { acceptClientHints, type AcceptClientHintsOptions } from './client-hints.js';
import { answerLocale, assessRequest, type GuardRouteOptions } from './hook.js';
import type { AttemptRequestLike } from './request.js';
import { guardErrorResponse, type DecisionBody, type HttpAnswer } from './response.js';

export type ExpressLikeRequest = AttemptRequestLike;

export interface ExpressLikeResponse {
  status(code: number): this;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  getHeader?(name: string): unknown;
  json(body: unknown): unknown;
  locals?: Record<string, unknown>;
}

export type ExpressNext = (error?: unknown) => void;

/**
 * Used when the host does not name its request and response types: as loose as Express's own
 * (`req.body` is `any` there too). Annotate the callback (`(req: Request) => ...`) for full types.
 */
// biome-ignore lint/suspicious/noExplicitAny: Express itself types req.body and locals as any; this mirrors it.
export type AnyExpressRequest = ExpressLikeRequest & Record<string, any>;
// biome-ignore lint/suspicious/noExplicitAny: as above, for the response.
export type AnyExpressResponse = ExpressLikeResponse & Record<string, any>;

export interface ExpressGuardOptions<Req extends ExpressLikeRequest, Res extends ExpressLikeResponse> extends GuardRouteOptions<Req> {
  /**
   * Answer step_up and deny yourself (render a step-up page, redirect). Default: the JSON answer
   * of `decisionResponse`. It is called for every non-allow decision, so the route handler behind
   * the middleware never runs for them.
   */
  onChallenge?: (decision: Decision, answer: HttpAnswer<DecisionBody>, request: Req, response: Res) => unknown;
}

/** Sends an `HttpAnswer` with Express. */
export function sendAnswer(response: ExpressLikeResponse, answer: HttpAnswer<unknown>): void {
  for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
  response.status(answer.status);
  response.json(answer.body);
}

/**
 * Route middleware: put it after your OTP check and before the code that issues the session.
 * `allow` continues to the next handler (the decision is in `decisionFor(req)` and
 * `res.locals.guardDecision`); `step_up` and `deny` are answered here. In dry_run every decision
 * is `allow`, so the route behaves as before while decisions are recorded.
 */
export function expressGuard<Req extends ExpressLikeRequest = AnyExpressRequest, Res extends ExpressLikeResponse = AnyExpressResponse>(
  guard: Pick<Guard, 'assess'>,
  options: ExpressGuardOptions<Req, Res>,
) {
  // NoInfer: the types come from the options (or the defaults), not from where the middleware is mounted.
  return async function recycledNumberGuard(request: NoInfer<Req>, response: NoInfer<Res>, next: ExpressNext): Promise<void> {
    let result: Awaited<ReturnType<typeof assessRequest>>;
    try {
      result = await assessRequest(guard, request, options);
    } catch (error) {
      const answer = guardErrorResponse(error, { locale: answerLocale(request, options) });
      if (answer) sendAnswer(response, answer);
      else next(error);
      return;
    }
    if (response.locals) response.locals.guardDecision = result.decision;
    if (result.answer.body.action === 'allow') return next();
    if (options.onChallenge) {
      try {
        await options.onChallenge(result.decision, result.answer, request, response);
      } catch (error) {
        next(error);
      }
      return;
    }
    sendAnswer(response, result.answer);
  };
}

/** Middleware that sets `Accept-CH` (see `acceptClientHints`); mount it on the pages that serve your login form. */
export function expressAcceptClientHints(options: AcceptClientHintsOptions = {}) {
  return function acceptClientHintsMiddleware(_request: unknown, response: ExpressLikeResponse, next: ExpressNext): void {
    acceptClientHints(response, options);
    next();
  };
}
