import { isIP } from 'node:net';

/**
 * Free text that reaches a log or a store (reason messages, provider and store error messages)
 * may quote what the library was given: a provider's error can echo the number it was asked
 * about, a socket error names an address. These scrub such text; the structured fields never
 * hold raw numbers or addresses in the first place.
 */

// Not part of a longer dotted run (a version number), but a sentence's final period is fine.
const IPV4 = /(?<!\d|\d\.)\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)/g;
// Candidates only: whatever isIP accepts as IPv6 is replaced (times like 09:30:00 are not IPv6).
const IPV6_CANDIDATE = /(?:[0-9A-Fa-f]{0,4}:){2,8}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4})(?:%[\w.-]+)?/g;
// Runs of digits with the separators numbers are written with, uncapped so no tail of a number is
// left behind (linear: one character class, no nesting); ISO dates are let through.
const NUMBER_CANDIDATE = /\+?\(?\d[\d\s().-]*\d/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2})?$/;

export function redactText(text: string): string {
  // Every number and address has a digit or a colon (`fe80::abcd` has no decimal digit).
  if (!/[\d:]/.test(text)) return text;
  return text
    .replace(IPV6_CANDIDATE, (match) => (isIP(match.split('%')[0]!) === 6 ? '[ip]' : match))
    .replace(IPV4, (match) => (isIP(match) === 4 ? '[ip]' : match))
    .replace(NUMBER_CANDIDATE, (match) => {
      if (ISO_DATE.test(match)) return match;
      const digits = match.replace(/\D/g, '').length;
      // Seven digits is the shortest subscriber number; shorter runs are counts, ports and years.
      return digits >= 7 ? '[number]' : match;
    });
}
