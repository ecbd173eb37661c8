/**
 * Phone numbers that look like the profile's and are valid for libphonenumber-js (the parser the
 * guard uses), unique per (account, k-th number) within a run, and independent of generation order.
 *
 * US: a real area code of the owner's city, an exchange that is not N11, 555 or a special-use one,
 * and a line picked by a bijective map of the number's id, so two accounts never share a number.
 * CN: an 11-digit mobile number on a carrier prefix, with the same bijection on the last 8 digits.
 */
import { phoneLibrary } from '../util/lazy-deps.js';
import type { ProfileName } from './config.js';
import type { Location } from './locations.js';
import { mix32 } from './random.js';

// Exchanges that are reserved (N11), fictional (555) or special-use; never handed to subscribers.
const RESERVED_EXCHANGES = new Set([211, 311, 411, 511, 555, 611, 711, 811, 911, 950, 958, 959, 976]);
const US_EXCHANGES: number[] = [];
for (let exchange = 201; exchange <= 999; exchange++) {
  if (!RESERVED_EXCHANGES.has(exchange) && exchange % 100 !== 11) US_EXCHANGES.push(exchange);
}
const US_SPACE = US_EXCHANGES.length * 10_000;

// Mobile prefixes of the three carriers (China Mobile, Unicom, Telecom) that libphonenumber accepts.
const CN_PREFIXES = [
  134, 135, 136, 137, 138, 139, 150, 151, 152, 157, 158, 159, 182, 183, 184, 187, 188, 130, 131, 132, 155, 156, 185, 186, 133, 153, 180, 181, 189, 199,
];
const CN_SPACE = 100_000_000;

/** Multiplier coprime with both spaces, so `id -> (id * A + salt) mod space` is a bijection. */
const MULTIPLIER = 2_654_435_761; // prime (Knuth), so coprime with any smaller space

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
if (gcd(MULTIPLIER, US_SPACE) !== 1 || gcd(MULTIPLIER, CN_SPACE) !== 1) throw new Error('phone bijection multiplier must be coprime with the number spaces');

function mulMod(a: number, b: number, m: number): number {
  // Exact modular product for values beyond 2^53 / b.
  return Number((BigInt(a) * BigInt(b)) % BigInt(m));
}

/**
 * The number with id `id` (unique per run: account index * 8 + k) for a holder in `city`.
 * `salt` comes from the seed, so different seeds hand out different numbers.
 */
export function phoneNumberFor(profile: ProfileName, city: Location, id: number, salt: number): string {
  const parse = phoneLibrary().parsePhoneNumberFromString;
  if (profile === 'us') {
    const codes = city.areaCodes ?? [212];
    const areaCode = codes[mix32(id ^ salt) % codes.length]!;
    let v = (mulMod(id, MULTIPLIER, US_SPACE) + (salt % US_SPACE)) % US_SPACE;
    for (;;) {
      const exchange = US_EXCHANGES[Math.floor(v / 10_000)]!;
      const line = String(v % 10_000).padStart(4, '0');
      const e164 = `+1${areaCode}${exchange}${line}`;
      if (parse(e164)?.isValid()) return e164;
      v = (v + 1) % US_SPACE; // never seen in practice; keeps the id -> number map total
    }
  }
  const prefix = CN_PREFIXES[mix32(id ^ salt) % CN_PREFIXES.length]!;
  let v = (mulMod(id, MULTIPLIER, CN_SPACE) + (salt % CN_SPACE)) % CN_SPACE;
  for (;;) {
    const e164 = `+86${prefix}${String(v).padStart(8, '0')}`;
    if (parse(e164)?.isValid()) return e164;
    v = (v + 1) % CN_SPACE;
  }
}
