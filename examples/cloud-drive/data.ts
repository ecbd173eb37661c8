// Seeded accounts, places and the history the guard has of them. Everything here is fiction;
// the addresses are documentation ranges (RFC 5737), mapped to cities by a CIDR table.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Guard } from 'recycled-number-guard';
import { cidrGeoLookup } from 'recycled-number-guard/evidence';

export const DAY = 86_400_000;

/** Places a simulated client can be in, and the address that stands for each. */
export const CITIES = {
  Shenzhen: { ip: '198.51.100.70', geo: { country: 'CN', region: 'GD', city: 'Shenzhen', lat: 22.54, lon: 114.06, accuracyKm: 20 } },
  Guangzhou: { ip: '198.51.100.200', geo: { country: 'CN', region: 'GD', city: 'Guangzhou', lat: 23.13, lon: 113.26, accuracyKm: 20 } },
  Beijing: { ip: '198.51.100.10', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 } },
  Shanghai: { ip: '198.51.100.140', geo: { country: 'CN', region: 'SH', city: 'Shanghai', lat: 31.23, lon: 121.47, accuracyKm: 20 } },
} as const;
export type CityName = keyof typeof CITIES;
export const isCity = (value: unknown): value is CityName => typeof value === 'string' && Object.hasOwn(CITIES, value);

/**
 * The example's IP geolocation: one /26 per city, plus loopback as Shenzhen so that a person
 * trying the app on their own machine is "at home" with the first seeded owner (geoip-lite knows
 * nothing about 127.0.0.1). A real app uses the default geoip-lite lookup or its own table.
 */
export const GEO = cidrGeoLookup(
  [
    { cidr: '198.51.100.64/26', geo: CITIES.Shenzhen.geo },
    { cidr: '198.51.100.192/26', geo: CITIES.Guangzhou.geo },
    { cidr: '198.51.100.0/26', geo: CITIES.Beijing.geo },
    { cidr: '198.51.100.128/26', geo: CITIES.Shanghai.geo },
    { cidr: '127.0.0.0/8', geo: CITIES.Shenzhen.geo },
    { cidr: '::1/128', geo: CITIES.Shenzhen.geo },
  ],
  'cloud-drive-example',
);

export const UA = {
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
} as const;

export interface DriveFile {
  name: string;
  size: string;
  modified: string;
}

export interface Account {
  id: string;
  name: string;
  email?: string;
  /** E.164. */
  phone: string;
  phoneBoundAt: number;
  /** `salt:hash`, scrypt; undefined when the account has no password. */
  passwordHash?: string;
  /** The ID document on file, for the ID-match check. */
  idDocument?: string;
  files: DriveFile[];
  createdAt: number;
  // No protection state here: whether SMS sign-in is off is the library's (guard.protectionOf).
}

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `${salt.toString('base64url')}:${scryptSync(password, salt, 32).toString('base64url')}`;
}

export function checkPassword(account: Account, password: string): boolean {
  if (!account.passwordHash) return false;
  const [salt, hash] = account.passwordHash.split(':') as [string, string];
  const actual = scryptSync(password, Buffer.from(salt, 'base64url'), 32);
  return timingSafeEqual(actual, Buffer.from(hash, 'base64url'));
}

export interface SeedOwner {
  account: Omit<Account, 'passwordHash' | 'createdAt'> & { password: string };
  /** The device cookie and user agent of the phone the owner used, and where. */
  deviceId: string;
  userAgent: string;
  city: CityName;
}

/** The seeded owners. The credentials are printed in the README and on the simulation panel. */
export function seedOwners(): SeedOwner[] {
  // A new array of new objects per call: a reset must not inherit a previous run's edits.
  const owners: SeedOwner[] = [
    {
      account: {
        id: 'acct-liwei',
        name: 'Li Wei',
        email: 'liwei@example.cn',
        password: 'li-wei-2019',
        idDocument: 'G12345678',
        phone: '+8613800138000',
        phoneBoundAt: Date.parse('2019-04-12T10:00:00Z'),
        files: [
          { name: 'Family photos 2023', size: '14.2 GB', modified: '2025-12-30' },
          { name: 'Apartment lease (signed).pdf', size: '2.1 MB', modified: '2025-08-14' },
          { name: 'Tax return 2024.pdf', size: '860 KB', modified: '2025-05-31' },
          { name: "Grandma's 80th birthday.mp4", size: '3.4 GB', modified: '2025-10-02' },
        ],
      },
      deviceId: 'seed-liwei-iphone',
      userAgent: UA.iphone,
      city: 'Shenzhen',
    },
    {
      account: {
        id: 'acct-zhangmin',
        name: 'Zhang Min',
        email: 'zhangmin@example.cn',
        password: 'zhang-min-2020',
        idDocument: 'E98765432',
        phone: '+8613912345678',
        phoneBoundAt: Date.parse('2020-09-01T08:00:00Z'),
        files: [
          { name: 'Thesis final.docx', size: '4.8 MB', modified: '2025-11-20' },
          { name: 'Wedding album', size: '22.0 GB', modified: '2025-09-09' },
        ],
      },
      deviceId: 'seed-zhangmin-iphone',
      userAgent: UA.iphone,
      city: 'Beijing',
    },
  ];
  return owners;
}

/**
 * Five weekly SMS logins ending two days before `now`, from the owner's phone and city. The guard
 * meets the account for the first time, so the first one is stepped up (the binding is years old)
 * and the owner passes the check it asks for: that vouches for the phone and starts the history.
 */
export async function seedHistory(guard: Guard, owner: SeedOwner, now: number): Promise<void> {
  const { account } = owner;
  for (let week = 4; week >= 0; week--) {
    const at = now - 2 * DAY - week * 7 * DAY;
    const decision = await guard.assess({
      accountId: account.id,
      phone: account.phone,
      phoneBoundAt: account.phoneBoundAt,
      ip: CITIES[owner.city].ip,
      userAgent: owner.userAgent,
      deviceId: owner.deviceId,
      at,
    });
    if (decision.action === 'step_up') {
      const result = await guard.recordOutcome(decision.id, { checks: decision.stepUp!.anyOf[0]!, passed: true, accountId: account.id, at: at + 60_000 });
      if (!result.satisfied) throw new Error(`seeding ${account.id}: the owner's password step-up was not accepted`);
    } else if (decision.action !== 'allow') {
      throw new Error(`seeding ${account.id}: the owner's routine login was answered ${decision.action}`);
    }
  }
}
