import type { Guard } from '../../guard/create-guard.js';
import type { Decision } from '../../types/index.js';
import type { ClientIpOptions } from './client-ip.js';
import { attemptFromRequest, type AttemptFields, type AttemptRequestLike } from './request.js';
import { localeFromAcceptLanguage, type Locale } from '../../locale/index.js';
import type { RequestLike } from './client-ip.js';
import { decisionResponse, type DecisionResponseOptions, type HttpAnswer } from './response.js';

/** What the host resolves per request; `deviceId` is for apps that send an install id instead of a cookie. */
export type RouteAttempt = AttemptFields & { deviceId?: string };

/** Options shared by the Express middleware and the Fastify hook. */
export interface GuardRouteOptions<Req> extends ClientIpOptions, DecisionResponseOptions {
  /**
   * The language of the answers. Default: chosen per request from `Accept-Language` (`zh`,
   * `zh-CN`, `zh-Hans` give zh-CN; anything else English), and the answer varies on that header.
   */
  locale?: Locale;
  /**
   * Who is signing in, with what: called after your OTP check passed. Throw (or answer yourself
   * before this route) when there is no account; the guard never runs without one.
   */
  attempt: (request: Req) => RouteAttempt | Promise<RouteAttempt>;
  /** Name of your device-token cookie. */
  deviceCookie?: string;
}

/** The locale a request asks for in `Accept-Language` (see `localeFromAcceptLanguage`). */
export function requestLocale(request: RequestLike, fallback: Locale = 'en'): Locale {
  return localeFromAcceptLanguage(request.headers['accept-language'], fallback);
}

/** The locale the route answers in: the configured one, else the request's; marks the answer as varying on it. */
export function answerLocale(request: RequestLike, options: { locale?: Locale }): Locale {
  return options.locale ?? requestLocale(request);
}

/** Adds `Vary: Accept-Language` when the answer's language came from the request. */
export function varyOnLanguage<Body>(answer: HttpAnswer<Body>, options: { locale?: Locale }): HttpAnswer<Body> {
  if (options.locale === undefined) answer.headers.vary = 'accept-language';
  return answer;
}

// Keyed by the request object, so nothing is added to framework objects and nothing outlives the request.
const decisions = new WeakMap<object, Decision>();

/** The decision the guard middleware/hook made for this request; undefined when it did not run. */
export function decisionFor(request: object): Decision | undefined {
  return decisions.get(request);
}

/** Runs the guard for one request and remembers the decision; shared by the framework glue. */
export async function assessRequest<Req extends AttemptRequestLike>(guard: Pick<Guard, 'assess'>, request: Req, options: GuardRouteOptions<Req>) {
  const fields = await options.attempt(request);
  const attempt = attemptFromRequest(request, {
    ...fields,
    ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
    ...(options.header ? { header: options.header } : {}),
    ...(options.deviceCookie ? { deviceCookie: options.deviceCookie } : {}),
  });
  const decision = await guard.assess(attempt);
  decisions.set(request, decision);
  return { decision, answer: varyOnLanguage(decisionResponse(decision, { ...options, locale: answerLocale(request, options) }), options) };
}
