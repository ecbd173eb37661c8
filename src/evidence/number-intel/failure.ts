import type { NumberIntelAnswer } from '../../types/index.js';

/** Longest `unavailable` text the answer schema accepts (see gather.ts). */
const MAX_WHY = 200;

/**
 * Codes meaning "the provider is healthy but cannot answer for this number": the carrier does not
 * serve it, the product does not cover it, the date is outside its window, the host holds no
 * identity. They are still unknown evidence (never "clean"), but they do not count towards opening
 * the provider's circuit breaker. Every other unavailable answer (timeouts, 5xx, 401, malformed
 * bodies, a host provider's own text) does.
 */
export const NUMBER_NOT_ANSWERABLE = new Set([
  'IDENTIFIER_NOT_FOUND',
  'NOT_FOUND',
  'SERVICE_NOT_APPLICABLE',
  'UNSUPPORTED_IDENTIFIER',
  'OUT_OF_RANGE',
  'NO_DATA',
  'NO_IDENTITY',
  'NOT_AVAILABLE',
  // KYC Match: this operator wants an ID document the host did not supply.
  'KNOW_YOUR_CUSTOMER.ID_DOCUMENT_REQUIRED',
]);

/** Cuts control characters and length: provider messages end up in reasons and logs. */
export function cleanText(text: string, max = MAX_WHY): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** An unavailable answer in the `CODE: message` form every adapter here uses. */
export function unavailableAnswer(source: string, code: string, message: string): NumberIntelAnswer {
  return { source, unavailable: cleanText(`${code}: ${message}`) };
}

/** The code part of `CODE: message`, or the whole text when it has no code. */
export function unavailableCode(why: string): string {
  const at = why.indexOf(':');
  return at === -1 ? why : why.slice(0, at);
}

/**
 * The unavailable code as a label for metrics and spans: a code an adapter here writes
 * (`timeout`, `IDENTIFIER_NOT_FOUND`), else `other`. A host's own provider may write free text, and
 * free text can hold the number it was asked about.
 */
export function outcomeLabel(answer: NumberIntelAnswer): string {
  if (answer.unavailable === undefined) return 'answered';
  const code = unavailableCode(answer.unavailable);
  // HTTP_503 is a code; four digits in a row could be part of a number.
  return /^[A-Za-z][A-Za-z0-9_.]{0,63}$/.test(code) && !/\d{4}/.test(code) ? code : 'other';
}

/** Whether an answer says the provider itself failed (see NUMBER_NOT_ANSWERABLE). */
export function isProviderFailure(answer: NumberIntelAnswer): boolean {
  return answer.unavailable !== undefined && !NUMBER_NOT_ANSWERABLE.has(unavailableCode(answer.unavailable));
}

/** `1.2 s`, `350 ms`: durations in messages. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.max(0, Math.round(ms))} ms`;
}
