// recycled-number-guard/http: framework-neutral request helpers plus thin Express and Fastify glue.
// Nothing here imports a web framework at runtime.
export { clientIp, trustedProxyMatcher } from './client-ip.js';
export type { ClientIpOptions, RequestLike } from './client-ip.js';
export { attemptFromRequest, clientHintsFrom, readCookie, webRequestLike, CLIENT_HINT_HEADERS } from './request.js';
export type { AttemptFields, AttemptFromRequestOptions, AttemptRequestLike, HeadersLike } from './request.js';
export { acceptClientHints, ACCEPT_CH_HINTS } from './client-hints.js';
export type { AcceptClientHintsOptions, HeaderTarget } from './client-hints.js';
export { decisionResponse, guardErrorResponse, outcomeResponse } from './response.js';
export type { AdviceBody, DecisionBody, DecisionResponseOptions, ErrorBody, HttpAnswer, LocaleOptions, OutcomeBody } from './response.js';
export { answerLocale, assessRequest, decisionFor, requestLocale } from './hook.js';
// The message catalogue the answers are rendered from (English and Simplified Chinese).
export {
  LOCALES,
  USER_ERROR_KEYS,
  catalogue,
  isLocale,
  localeFromAcceptLanguage,
  localizeAdvice,
  localizeDecision,
  localizeReasons,
  renderReasonText,
} from '../../locale/index.js';
export type { Catalogue, Locale, UserErrorKey } from '../../locale/index.js';
export type { GuardRouteOptions, RouteAttempt } from './hook.js';
export { expressAcceptClientHints, expressGuard, sendAnswer } from './express.js';
export type { AnyExpressRequest, AnyExpressResponse, ExpressGuardOptions, ExpressLikeRequest, ExpressLikeResponse, ExpressNext } from './express.js';
export { fastifyAcceptClientHints, fastifyGuard, sendReply } from './fastify.js';
export type { AnyFastifyRequest, AnyFastifyReply, FastifyGuardOptions, FastifyLikeReply, FastifyLikeRequest } from './fastify.js';
export { hmacSha256Signature, hmacSha256Verifier, unbindNoticeHandler, unbindNoticeResponse } from './unbind-notice.js';
export type {
  HmacVerifierOptions,
  NodeRequestLike,
  NodeResponseLike,
  NoticeHeaders,
  NoticeVerifier,
  UnbindNoticeBody,
  UnbindNoticeHttpOptions,
} from './unbind-notice.js';
