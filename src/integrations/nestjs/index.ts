// recycled-number-guard/nestjs: NestJS guards (`CanActivate`) for the route that issues the session
// after the SMS code, and for the step-up route. Plain classes built with `new`, so they need no
// decorator metadata: `@UseGuards(SmsCodeGuard, new RecycledNumberGuard(guard, { attempt }))`, or
// `{ provide: APP_GUARD, useFactory: () => new RecycledNumberGuard(...) }`. Typed structurally;
// @nestjs/common is loaded (lazily, once) only to throw its HttpException for a step_up, deny or
// refused answer, so Nest's exception filters see what they expect.
import type { Guard } from '../../guard/create-guard.js';
import type { Decision, OutcomeResult, StepUpOutcome } from '../../types/index.js';
import { assessRequest, decisionFor, type GuardRouteOptions } from '../../adapters/http/hook.js';
import type { AttemptRequestLike } from '../../adapters/http/request.js';
import { guardErrorResponse, outcomeResponse, type HttpAnswer } from '../../adapters/http/response.js';

/** The part of Nest's `ExecutionContext` the guards read. */
export interface ExecutionContextLike {
  switchToHttp(): { getRequest(): unknown; getResponse(): unknown };
}

/** Nest's `CanActivate`, structurally. */
export interface CanActivateLike {
  canActivate(context: ExecutionContextLike): Promise<boolean>;
}

/** An Express response (`setHeader`) or a Fastify reply (`header`): Nest's two HTTP platforms. */
type PlatformResponse = { setHeader?(name: string, value: string): unknown; header?(name: string, value: string): unknown };

type HttpExceptionClass = new (response: object, status: number) => Error;
let httpException: Promise<HttpExceptionClass> | undefined;

/** Nest's own HttpException, from the host's @nestjs/common: its filters answer with our body and status. */
function nestHttpException(): Promise<HttpExceptionClass> {
  httpException ??= import('@nestjs/common').then((nest: { HttpException: HttpExceptionClass }) => nest.HttpException);
  return httpException;
}

async function reject(context: ExecutionContextLike, answer: HttpAnswer<object>): Promise<never> {
  const response = context.switchToHttp().getResponse() as PlatformResponse;
  for (const [name, value] of Object.entries(answer.headers)) {
    if (typeof response.setHeader === 'function') response.setHeader(name, value);
    else if (typeof response.header === 'function') response.header(name, value);
  }
  const HttpException = await nestHttpException();
  throw new HttpException(answer.body, answer.status);
}

export type NestGuardOptions<Req extends AttemptRequestLike = AttemptRequestLike & Record<string, any>> = GuardRouteOptions<Req>;

/**
 * Assesses the SMS sign-in before the route handler runs. `allow` lets the handler issue the
 * session (`decisionFor(request)` has the decision); `step_up` (401, with the checks to offer) and
 * `deny` (403) are thrown as Nest `HttpException`s whose response is the decision body, with its
 * `WWW-Authenticate` and `Cache-Control` headers set. Bad input is a 400 naming the fields; any
 * other error propagates (Nest answers 500) and nobody is signed in.
 */
export class RecycledNumberGuard<Req extends AttemptRequestLike = AttemptRequestLike & Record<string, any>> implements CanActivateLike {
  constructor(
    private readonly guard: Pick<Guard, 'assess'>,
    private readonly options: NestGuardOptions<Req>,
  ) {}

  async canActivate(context: ExecutionContextLike): Promise<boolean> {
    const request = context.switchToHttp().getRequest() as Req;
    let result: Awaited<ReturnType<typeof assessRequest>>;
    try {
      result = await assessRequest(this.guard, request, this.options);
    } catch (error) {
      const answer = guardErrorResponse(error);
      if (answer) return reject(context, answer);
      throw error;
    }
    if (result.answer.body.action === 'allow') return true;
    return reject(context, result.answer);
  }
}

export interface StepUpOutcomeGuardOptions<Req> {
  /**
   * Run the step-up check (your password, face or ID check) for this request and say what it
   * found: the decision it answers and the outcome for `recordOutcome`, with `accountId` naming
   * whose check it was.
   */
  outcome(request: Req): Promise<{ decisionId: string; outcome: StepUpOutcome }> | { decisionId: string; outcome: StepUpOutcome };
}

const outcomes = new WeakMap<object, OutcomeResult>();

/** The step-up result `StepUpOutcomeGuard` recorded for this request. */
export function outcomeFor(request: object): OutcomeResult | undefined {
  return outcomes.get(request);
}

/**
 * Records the step-up outcome before the route handler runs: the handler (which issues the
 * session) runs only when the step-up satisfied the decision (`outcomeFor(request)`). A failed
 * step-up is a 403 with the outcome body (the fresh-account advice when the number may have
 * changed hands); a replayed, late or foreign decision 409/403, a store outage 503.
 */
export class StepUpOutcomeGuard<Req extends object = Record<string, any>> implements CanActivateLike {
  constructor(
    private readonly guard: Pick<Guard, 'recordOutcome'>,
    private readonly options: StepUpOutcomeGuardOptions<Req>,
  ) {}

  async canActivate(context: ExecutionContextLike): Promise<boolean> {
    const request = context.switchToHttp().getRequest() as Req;
    let result: OutcomeResult;
    try {
      const ran = await this.options.outcome(request);
      result = await this.guard.recordOutcome(ran.decisionId, ran.outcome);
    } catch (error) {
      const answer = guardErrorResponse(error);
      if (answer) return reject(context, answer);
      throw error;
    }
    outcomes.set(request, result);
    const answer = outcomeResponse(result);
    if (answer.body.action === 'allow') return true;
    return reject(context, answer);
  }
}

export { decisionFor };
export type { Decision, OutcomeResult };
