import type { CountryCode } from 'libphonenumber-js';
import { phoneLibrary } from '../util/lazy-deps.js';
import { BoundedCache } from '../util/bounded-cache.js';

export type ParsedPhone = { e164: string; country: string } | { error: string };

// Logins repeat numbers; parsing costs several microseconds, a map lookup well under one.
const cache = new BoundedCache<string, ParsedPhone>(50_000);

/** Parse to E.164 and the number's region. National digits need a default country. */
export function parsePhone(raw: string, defaultCountry: string | undefined): ParsedPhone {
  const cacheKey = `${defaultCountry ?? ''}|${raw}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  const result = parseUncached(raw, defaultCountry);
  cache.set(cacheKey, result);
  return result;
}

function parseUncached(raw: string, defaultCountry: string | undefined): ParsedPhone {
  const text = raw.trim();
  if (!/^[+\d\s().-]+$/.test(text)) return { error: 'a phone number has only digits, spaces, ( ) . - and a leading +' };
  const international = text.startsWith('+') || text.startsWith('00');
  if (!international && !defaultCountry) {
    return { error: 'not in E.164 (+<country code><number>); pass defaultCountry for national numbers' };
  }
  const parsed = phoneLibrary().parsePhoneNumberFromString(text, defaultCountry as CountryCode | undefined);
  if (!parsed) return { error: 'not a phone number' };
  if (!parsed.isValid()) return { error: `not a valid number for ${parsed.country ?? `+${parsed.countryCallingCode}`}` };
  const country = parsed.country;
  if (!country) return { error: 'the number belongs to no single region' };
  return { e164: parsed.number, country };
}
