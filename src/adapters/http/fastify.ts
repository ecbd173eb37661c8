// Fastify glue. Structural types only: the published typings must not need fastify, and nothing
// here loads it at runtime. test/adapters checks these against Fastify's own types.
import type { Guard } from '../../guard/create-guard.js';
import type { Decision } from '../../types/index.js';
import { acceptClientHints, type AcceptClientHintsOptions } from './client-hints.js';
import { answerLocale, assessRequest, type GuardRouteOptions } from './hook.js';
import type { AttemptRequestLike } from './request.js';
import { guardErrorResponse, type DecisionBody, type HttpAnswer } from './response.js';

export type FastifyLikeRequest = AttemptRequestLike;

export interface FastifyLikeReply {
  code(statusCode: number): this;
  header(name: string, value: unknown): this;
  getHeader?(name: string): unknown;
  send(payload?: unknown): unknown;
}

/** Used when the host does not name its types; annotate the callback (`(request: FastifyRequest) => ...`) for full types. */
// biome-ignore lint/suspicious/noExplicitAny: Fastify's own request body defaults to unknown-as-any; this mirrors it.
export type AnyFastifyRequest = FastifyLikeRequest & Record<string, any>;
// biome-ignore lint/suspicious/noExplicitAny: as above, for the reply.
export type AnyFastifyReply = FastifyLikeReply & Record<string, any>;

export interface FastifyGuardOptions<Req extends FastifyLikeRequest, Reply extends FastifyLikeReply> extends GuardRouteOptions<Req> {
  /** Answer step_up and deny yourself; must send a reply. Default: the JSON answer of `decisionResponse`. */
  onChallenge?: (decision: Decision, answer: HttpAnswer<DecisionBody>, request: Req, reply: Reply) => unknown;
}

/** Sends an `HttpAnswer` with Fastify. */
export function sendReply<Reply extends FastifyLikeReply>(reply: Reply, answer: HttpAnswer<unknown>): Reply {
  for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
  reply.code(answer.status);
  reply.send(answer.body);
  return reply;
}

/**
 * A `preHandler` hook for the route that issues the session after the OTP check:
 * `app.post('/login', { preHandler: fastifyGuard(guard, { attempt }) }, handler)`.
 * `allow` continues to the handler (`decisionFor(request)` has the decision); `step_up` and
 * `deny` are answered here and the handler never runs.
 */
export function fastifyGuard<Req extends FastifyLikeRequest = AnyFastifyRequest, Reply extends FastifyLikeReply = AnyFastifyReply>(
  guard: Pick<Guard, 'assess'>,
  options: FastifyGuardOptions<Req, Reply>,
) {
  // NoInfer: the types come from the options (or the defaults), not from the route it is mounted on.
  return async function recycledNumberGuard(request: NoInfer<Req>, reply: NoInfer<Reply>): Promise<Reply | undefined> {
    let result: Awaited<ReturnType<typeof assessRequest>>;
    try {
      result = await assessRequest(guard, request, options);
    } catch (error) {
      const answer = guardErrorResponse(error, { locale: answerLocale(request, options) });
      if (answer) return sendReply(reply, answer);
      throw error;
    }
    if (result.answer.body.action === 'allow') return undefined;
    if (options.onChallenge) {
      await options.onChallenge(result.decision, result.answer, request, reply);
      // Fastify stops the chain when an async hook returns the reply it sent.
      return reply;
    }
    return sendReply(reply, result.answer);
  };
}

/** An `onRequest` hook that sets `Accept-CH` (see `acceptClientHints`): `app.addHook('onRequest', fastifyAcceptClientHints())`. */
export function fastifyAcceptClientHints(options: AcceptClientHintsOptions = {}) {
  return async function acceptClientHintsHook(_request: unknown, reply: FastifyLikeReply): Promise<void> {
    acceptClientHints(reply, options);
  };
}
