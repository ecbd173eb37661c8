import { createGuard } from '../../guard/create-guard.js';
import type { GuardOptions } from '../../guard/options.js';
import { cidrGeoLookup } from '../../evidence/geo/cidr-geo.js';
import type { Locale } from '../../locale/index.js';
import { memoryStore } from '../../persist/memory-store.js';
import type { FreezeResult } from '../../guard/freeze.js';
import type { ReleaseResult } from '../../guard/release.js';
import type { AttemptInput, Decision, NumberIntelProvider, OutcomeResult, PresetName } from '../../types/index.js';

/**
 * The seed stories: the main job on embedded defaults. Locations come from a small table over
 * documentation address ranges (RFC 5737 / RFC 3849), so the demo needs no geolocation data and
 * prints the same thing on every machine.
 */
export const DEMO_GEO = cidrGeoLookup(
  [
    { cidr: '198.51.100.0/26', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 } },
    { cidr: '198.51.100.64/26', geo: { country: 'CN', region: 'GD', city: 'Shenzhen', lat: 22.54, lon: 114.06, accuracyKm: 20 } },
    { cidr: '198.51.100.128/26', geo: { country: 'CN', region: 'SH', city: 'Shanghai', lat: 31.23, lon: 121.47, accuracyKm: 20 } },
    { cidr: '203.0.113.0/26', geo: { country: 'US', region: 'CA', city: 'San Francisco', lat: 37.77, lon: -122.42, accuracyKm: 20 } },
    { cidr: '203.0.113.64/26', geo: { country: 'US', region: 'NY', city: 'New York', lat: 40.71, lon: -74.01, accuracyKm: 20 } },
    { cidr: '203.0.113.128/26', geo: { country: 'JP', region: '13', city: 'Tokyo', lat: 35.68, lon: 139.69, accuracyKm: 20 } },
    { cidr: '2001:db8:86::/48', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 } },
  ],
  'demo-table',
);

export const DEMO_UA = {
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  galaxy: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
  pixel: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  windows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
} as const;

/** An operator's record of reissued numbers: what a carrier adapter would answer, kept in memory. */
export function carrierRecords(reissued: Record<string, string>): NumberIntelProvider {
  return {
    name: 'carrier-records',
    async check({ phone, since }) {
      const at = reissued[phone];
      if (at === undefined) return { source: 'carrier-records', changedSince: false };
      return { source: 'carrier-records', changedSince: Date.parse(at) > since.getTime(), reissuedAt: at };
    },
  };
}

export interface StoryStep {
  /** Shown instead of the story title for the second and later featured steps. */
  label?: string;
  attempt: AttemptInput;
  /** The step-up result to report for this attempt's decision, if it asks for one. */
  outcome?: { check: 'password' | 'id_match' | 'face'; passed: boolean };
  /** Before the attempt, a day earlier: the owner freezes the account with this non-SMS check ("I lost my old number"). */
  freeze?: { check: 'password' | 'id_match' | 'face'; passed: boolean };
  /** After the attempt (and its outcome): the person at the door asks for the number to be released from the account's binding. */
  release?: boolean;
}

export interface Story {
  id: string;
  title: string;
  preset: PresetName;
  options?: Partial<GuardOptions>;
  /** Earlier logins that build the account's history. */
  history: StoryStep[];
  /** The attempts the story is about, in order. */
  featured: StoryStep[];
}

export interface StoryResult {
  story: Story;
  decisions: { step: StoryStep; decision: Decision; outcome?: OutcomeResult; freeze?: FreezeResult; release?: ReleaseResult }[];
}

const OWNER_PHONE_CN = '+8613800138000';
const OWNER_PHONE_US = '+14155552671';

/**
 * A month of weekly logins from one device and city, ending `lastAt`. The guard meets the account
 * for the first time, so the first login is stepped up (the binding is years old, so the person may
 * be the number's new holder, and the host runs an ID check: a password alone is not enough then)
 * and the owner passes the ID check; that vouches for the device and starts the history.
 */
function routine(
  accountId: string,
  phone: string,
  phoneBoundAt: string,
  ip: string,
  userAgent: string,
  deviceId: string,
  lastAt: string,
  count = 4,
): StoryStep[] {
  const end = Date.parse(lastAt);
  return Array.from({ length: count }, (_, i) => ({
    attempt: { accountId, phone, phoneBoundAt, ip, userAgent, deviceId, at: new Date(end - (count - 1 - i) * 7 * 86_400_000).toISOString() },
    outcome: { check: 'id_match', passed: true },
  }));
}

export const STORIES: Story[] = [
  {
    id: 'new-subscriber',
    title: 'New holder, 3-year-old binding, no carrier data',
    preset: 'cloud-drive',
    history: [],
    featured: [
      {
        attempt: {
          accountId: 'drive-1001',
          phone: OWNER_PHONE_CN,
          phoneBoundAt: '2022-11-02T08:00:00Z',
          ip: '198.51.100.70',
          userAgent: DEMO_UA.galaxy,
          deviceId: 'dev-newholder',
          at: '2026-01-10T09:30:00Z',
          lastSeenAt: '2025-03-01T00:00:00Z',
        },
        outcome: { check: 'id_match', passed: false },
      },
    ],
  },
  {
    id: 'new-subscriber-carrier',
    title: 'Same login, carrier says reissued',
    preset: 'cloud-drive',
    options: { numberIntel: carrierRecords({ [OWNER_PHONE_CN]: '2025-12-20T00:00:00Z' }) },
    history: [],
    featured: [
      {
        attempt: {
          accountId: 'drive-1001',
          phone: OWNER_PHONE_CN,
          phoneBoundAt: '2022-11-02T08:00:00Z',
          ip: '198.51.100.70',
          userAgent: DEMO_UA.galaxy,
          deviceId: 'dev-newholder',
          at: '2026-01-10T09:30:00Z',
          lastSeenAt: '2025-03-01T00:00:00Z',
        },
      },
    ],
  },
  {
    id: 'register-taken',
    title: 'New holder presses "register", number taken',
    preset: 'social',
    history: routine('social-2002', OWNER_PHONE_CN, '2021-05-10T00:00:00Z', '198.51.100.10', DEMO_UA.iphone, 'dev-owner-2002', '2025-06-01T12:00:00Z'),
    featured: [
      {
        attempt: {
          accountId: 'social-2002',
          phone: OWNER_PHONE_CN,
          phoneBoundAt: '2021-05-10T00:00:00Z',
          ip: '198.51.100.75',
          userAgent: DEMO_UA.galaxy,
          deviceId: 'dev-stranger',
          action: 'register',
          at: '2026-02-01T10:00:00Z',
        },
      },
    ],
  },
  {
    id: 'moved-cities',
    title: 'Owner moved and dropped the number: new holder',
    preset: 'cloud-drive',
    history: routine('drive-3003', OWNER_PHONE_CN, '2020-03-15T00:00:00Z', '198.51.100.12', DEMO_UA.iphone, 'dev-owner-3003', '2025-04-20T09:00:00Z'),
    featured: [
      {
        // The new holder, in Beijing where the number is sold again, on his own phone.
        attempt: {
          accountId: 'drive-3003',
          phone: OWNER_PHONE_CN,
          phoneBoundAt: '2020-03-15T00:00:00Z',
          ip: '198.51.100.20',
          userAgent: DEMO_UA.galaxy,
          deviceId: 'dev-newholder-3003',
          at: '2025-10-02T18:00:00Z',
        },
        outcome: { check: 'id_match', passed: false },
      },
      {
        // The owner, now in Shanghai on a new phone, signs in with his password (no SMS: he no longer has the number).
        label: '  then the owner, password, new city',
        attempt: {
          accountId: 'drive-3003',
          phone: OWNER_PHONE_CN,
          phoneBoundAt: '2020-03-15T00:00:00Z',
          ip: '198.51.100.140',
          userAgent: DEMO_UA.pixel,
          deviceId: 'dev-owner-3003-new',
          verified: ['password'],
          at: '2025-10-06T20:00:00Z',
        },
      },
    ],
  },
  {
    id: 'mimic',
    title: "Copycat: owner's phone and city, 200 days on",
    preset: 'cloud-drive',
    history: routine('drive-7007', OWNER_PHONE_CN, '2021-02-01T00:00:00Z', '198.51.100.30', DEMO_UA.iphone, 'dev-owner-7007', '2025-06-20T09:00:00Z'),
    featured: [
      {
        // The new holder copies the owner's last user agent, from the owner's city, with a clean browser.
        attempt: {
          accountId: 'drive-7007',
          phone: OWNER_PHONE_CN,
          phoneBoundAt: '2021-02-01T00:00:00Z',
          ip: '198.51.100.31',
          userAgent: DEMO_UA.iphone,
          at: '2026-01-06T09:00:00Z',
        },
        outcome: { check: 'id_match', passed: false },
      },
    ],
  },
  {
    id: 'return-vouched',
    title: 'Owner back after 200 days, same phone',
    preset: 'cloud-drive',
    history: routine('drive-8008', OWNER_PHONE_CN, '2021-02-01T00:00:00Z', '198.51.100.30', DEMO_UA.iphone, 'dev-owner-8008', '2025-06-20T09:00:00Z'),
    featured: [
      {
        attempt: {
          accountId: 'drive-8008',
          phone: OWNER_PHONE_CN,
          phoneBoundAt: '2021-02-01T00:00:00Z',
          ip: '198.51.100.32',
          userAgent: DEMO_UA.iphone,
          deviceId: 'dev-owner-8008',
          at: '2026-01-06T09:00:00Z',
        },
      },
    ],
  },
  {
    id: 'freeze',
    title: 'Owner lost his number, froze with his password',
    preset: 'cloud-drive',
    history: routine('drive-9009', OWNER_PHONE_CN, '2021-02-01T00:00:00Z', '198.51.100.30', DEMO_UA.iphone, 'dev-owner-9009', '2025-12-01T09:00:00Z'),
    featured: [
      {
        // The owner's phone and SIM were lost; he froze the account on the web with his password the
        // day before. Whoever holds the SIM now tries the SMS code on another phone.
        freeze: { check: 'password', passed: true },
        attempt: {
          accountId: 'drive-9009',
          phone: OWNER_PHONE_CN,
          phoneBoundAt: '2021-02-01T00:00:00Z',
          ip: '198.51.100.33',
          userAgent: DEMO_UA.galaxy,
          deviceId: 'dev-sim-holder',
          at: '2026-01-10T09:00:00Z',
        },
        outcome: { check: 'password', passed: false },
      },
    ],
  },
  {
    id: 'release',
    title: 'New holder gets the number released (carrier)',
    preset: 'cloud-drive',
    options: { numberIntel: carrierRecords({ [OWNER_PHONE_CN]: '2025-12-20T00:00:00Z' }) },
    history: [],
    featured: [
      {
        // "Register" says taken; the carrier says the number was reissued after the binding: released.
        attempt: {
          accountId: 'drive-1010',
          phone: OWNER_PHONE_CN,
          phoneBoundAt: '2022-11-02T08:00:00Z',
          ip: '198.51.100.70',
          userAgent: DEMO_UA.galaxy,
          deviceId: 'dev-newholder-1010',
          action: 'register',
          at: '2026-01-10T09:30:00Z',
          lastSeenAt: '2025-03-01T00:00:00Z',
        },
        release: true,
      },
      {
        label: '  then the new holder registers',
        attempt: {
          accountId: 'drive-1011',
          phone: OWNER_PHONE_CN,
          phoneBoundAt: '2026-01-10T09:31:00Z',
          ip: '198.51.100.70',
          userAgent: DEMO_UA.galaxy,
          deviceId: 'dev-newholder-1010',
          action: 'register',
          at: '2026-01-10T09:32:00Z',
        },
      },
      {
        label: '  and again on the old account',
        attempt: {
          accountId: 'drive-1010',
          phone: OWNER_PHONE_CN,
          phoneBoundAt: '2022-11-02T08:00:00Z',
          ip: '198.51.100.70',
          userAgent: DEMO_UA.galaxy,
          deviceId: 'dev-newholder-1010',
          at: '2026-01-10T09:40:00Z',
        },
      },
    ],
  },
  {
    id: 'routine',
    title: 'Owner, routine login',
    preset: 'cloud-drive',
    history: routine('drive-4004', OWNER_PHONE_US, '2019-08-01T00:00:00Z', '203.0.113.10', DEMO_UA.iphone, 'dev-owner-4004', '2026-01-07T08:00:00Z'),
    featured: [
      {
        attempt: {
          accountId: 'drive-4004',
          phone: OWNER_PHONE_US,
          phoneBoundAt: '2019-08-01T00:00:00Z',
          ip: '203.0.113.11',
          userAgent: DEMO_UA.iphone,
          deviceId: 'dev-owner-4004',
          at: '2026-01-10T08:05:00Z',
        },
      },
    ],
  },
  {
    id: 'new-phone',
    title: 'Owner on a new phone, last login a week ago',
    preset: 'cloud-drive',
    history: routine('drive-5005', OWNER_PHONE_US, '2019-08-01T00:00:00Z', '203.0.113.10', DEMO_UA.iphone, 'dev-owner-5005', '2026-01-03T08:00:00Z'),
    featured: [
      {
        attempt: {
          accountId: 'drive-5005',
          phone: OWNER_PHONE_US,
          phoneBoundAt: '2019-08-01T00:00:00Z',
          ip: '203.0.113.12',
          userAgent: DEMO_UA.pixel,
          deviceId: 'dev-owner-5005-pixel',
          at: '2026-01-10T08:05:00Z',
        },
      },
    ],
  },
  {
    id: 'abroad',
    title: 'Owner travelling abroad, usual phone',
    preset: 'cloud-drive',
    history: routine('drive-6006', OWNER_PHONE_US, '2019-08-01T00:00:00Z', '203.0.113.70', DEMO_UA.iphone, 'dev-owner-6006', '2026-01-05T08:00:00Z'),
    featured: [
      {
        attempt: {
          accountId: 'drive-6006',
          phone: OWNER_PHONE_US,
          phoneBoundAt: '2019-08-01T00:00:00Z',
          ip: '203.0.113.140',
          userAgent: DEMO_UA.iphone,
          deviceId: 'dev-owner-6006',
          at: '2026-01-07T01:00:00Z',
        },
      },
    ],
  },
];

/** Replays one story on a fresh guard whose clock follows the story's event times. */
export async function runStory(story: Story, locale: Locale = 'en'): Promise<StoryResult> {
  let now = 0;
  const guard = createGuard({
    preset: story.preset,
    checks: ['password', 'id_match', 'face'],
    geo: DEMO_GEO,
    store: memoryStore({ now: () => now }),
    hashKey: 'demo-only-hash-key-not-secret',
    clock: () => now,
    locale,
    ...story.options,
  });
  const play = async (step: StoryStep) => {
    let freeze: FreezeResult | undefined;
    if (step.freeze) {
      now = Date.parse(String(step.attempt.at)) - 86_400_000;
      freeze = await guard.freeze({ accountId: step.attempt.accountId, proof: step.freeze });
    }
    now = Date.parse(String(step.attempt.at));
    const decision = await guard.assess(step.attempt);
    let outcome: OutcomeResult | undefined;
    if (step.outcome && decision.action === 'step_up') {
      now += 60_000;
      outcome = await guard.recordOutcome(decision.id, { ...step.outcome, accountId: step.attempt.accountId });
    }
    let release: ReleaseResult | undefined;
    if (step.release) {
      now += 60_000;
      const { accountId, phone, phoneBoundAt } = step.attempt;
      release = await guard.releaseNumber({ phone, proofOfPossession: 'sms_otp', bindings: [{ accountId, phoneBoundAt }] });
    }
    return { step, decision, ...(outcome ? { outcome } : {}), ...(freeze ? { freeze } : {}), ...(release ? { release } : {}) };
  };
  for (const step of story.history) await play(step);
  const decisions = [];
  for (const step of story.featured) decisions.push(await play(step));
  return { story, decisions };
}

export async function runDemo(locale: Locale = 'en'): Promise<StoryResult[]> {
  const results: StoryResult[] = [];
  for (const story of STORIES) results.push(await runStory(story, locale));
  return results;
}
