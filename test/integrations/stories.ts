/**
 * One story table for every framework integration (Auth.js, the Next.js route handler, the NestJS
 * guard): the owner's routine sign-in; the new holder of a recycled number (step-up, failure, fresh
 * account); the owner on a new phone (step-up, success). Each framework's test supplies a driver
 * that signs in through the framework exactly as a browser or app would; the table, the host's
 * accounts, the guard and the carrier are the same for all.
 *
 * The carrier is a real HTTP server on 127.0.0.1 answering CAMARA Number Recycling (v0.2) as an
 * operator would: "recycled since `specifiedDate`?" is true only when the number was reissued after
 * that date.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard, memoryStore, type Guard, type GuardOptions } from 'recycled-number-guard';
import type { AttemptFields } from 'recycled-number-guard/http';
import { camaraNumberRecycling, createCamaraClient, hostToken } from 'recycled-number-guard/camara';
import { ANDROID, DAY, loopbackGeo, NOW } from '../adapters/helpers.js';
import { echo, json, localServer, type LocalServer } from '../providers/helpers.js';

export { ANDROID, NOW };

/** The test OTP: the one code the host's SMS check accepts. */
export const OTP = '246810';
const BOUND_YEARS_AGO = '2021-05-01T00:00:00Z';

/** The numbers the operator knows about; a number it does not serve gets 404 IDENTIFIER_NOT_FOUND. */
export const NUMBERS = {
  /** The owner's number, never reissued. */
  owner: '+8613800138101',
  /** Reissued 30 days ago: the account bound to it years ago belongs to the previous holder. */
  recycled: '+8613800138102',
  /** Ported to an operator that does not answer: no carrier evidence either way. */
  unserved: '+8613800138103',
} as const;
const REISSUED_AT: Record<string, number> = { [NUMBERS.recycled]: NOW - 30 * DAY };
const SERVED = new Set<string>([NUMBERS.owner, NUMBERS.recycled]);

export interface HostAccount extends AttemptFields {
  password: string;
}

/** The host's own user table, OTP check and password check: what every framework's glue calls back into. */
export class HostAccounts {
  private readonly byPhone = new Map<string, HostAccount>();
  private fresh = 0;

  constructor() {
    this.add({ accountId: 'acct-owner', phone: NUMBERS.owner, phoneBoundAt: BOUND_YEARS_AGO, password: 'owner-secret' });
    this.add({ accountId: 'acct-previous-holder', phone: NUMBERS.recycled, phoneBoundAt: BOUND_YEARS_AGO, password: 'previous-holder-secret' });
    this.add({ accountId: 'acct-traveller', phone: NUMBERS.unserved, phoneBoundAt: BOUND_YEARS_AGO, password: 'traveller-secret' });
  }

  private add(account: HostAccount): void {
    this.byPhone.set(account.phone, account);
  }

  /** The SMS check: the account bound to the number when the code is right. */
  verifyCode(phone: unknown, code: unknown): AttemptFields | null {
    if (typeof phone !== 'string' || code !== OTP) return null;
    const account = this.byPhone.get(phone);
    return account ? { accountId: account.accountId, phone: account.phone, phoneBoundAt: account.phoneBoundAt } : null;
  }

  passwordMatches(accountId: string, password: unknown): boolean {
    for (const account of this.byPhone.values()) if (account.accountId === accountId) return account.password === password;
    return false;
  }

  /** "This number belonged to someone else; start a fresh account": the number is bound to a new account from now on. */
  registerFresh(phone: string): string {
    const accountId = `acct-fresh-${++this.fresh}`;
    this.add({ accountId, phone, phoneBoundAt: new Date(NOW).toISOString(), password: `fresh-${this.fresh}` });
    return accountId;
  }

  accountIdOf(phone: string): string | undefined {
    return this.byPhone.get(phone)?.accountId;
  }
}

export interface StoryWorld {
  guard: Guard;
  accounts: HostAccounts;
  operator: LocalServer;
}

export async function createWorld(options: Partial<GuardOptions> = {}): Promise<StoryWorld> {
  const operator = await localServer((request, response) => {
    const body = JSON.parse(request.body) as { phoneNumber?: string; specifiedDate?: string };
    const phone = body.phoneNumber ?? '';
    if (!SERVED.has(phone)) return json(response, 404, { status: 404, code: 'IDENTIFIER_NOT_FOUND', message: 'not a subscriber' }, echo(request));
    const reissuedAt = REISSUED_AT[phone];
    const recycled = reissuedAt !== undefined && Date.parse(body.specifiedDate ?? '') < reissuedAt;
    json(response, 200, { phoneNumberRecycled: recycled }, echo(request));
  });
  const client = createCamaraClient({ apiRoot: operator.url, auth: hostToken({ legs: 2, token: () => 'operator-token' }), maxRetries: 0 });
  const guard = createGuard({
    preset: 'cloud-drive',
    // The glue is under test, not the policy: a host whose step-up is its password. (A host that also
    // runs face or ID checks is asked for those when the number may have changed hands.)
    checks: ['password'],
    geo: loopbackGeo,
    store: memoryStore({ now: () => NOW }),
    hashKey: 'integration-stories-hash-key-0123',
    clock: () => NOW,
    // A loaded CI machine must not turn the local operator into a timeout.
    budgetMs: 5_000,
    numberIntel: [camaraNumberRecycling(client)],
    ...options,
  });
  await guard.ready();
  return { guard, accounts: new HostAccounts(), operator };
}

/** What the person signing in ends up with, as the framework told them. */
export interface Outcome {
  /** `session`: signed in; `step_up`: asked for a stronger check; `denied`: no session. */
  status: 'session' | 'step_up' | 'denied';
  /** Whose session was issued (read back from the framework's own session). */
  accountId?: string;
  /** With step_up: the decision to complete. */
  decisionId?: string;
  /** With step_up: the checks offered. */
  anyOf?: string[][];
  /** Whether the person was offered a fresh account. */
  offeredFreshAccount?: boolean;
}

/** Signs in through one framework. `device` names the phone (its own device cookie). */
export interface StoryDriver {
  signIn(input: { phone: string; code: string; device: string }): Promise<Outcome>;
  stepUp(input: { decisionId: string; password: string; device: string }): Promise<Outcome>;
}

type Step =
  | { do: 'sign_in'; phone: string; device: string; expect: Expected }
  | { do: 'step_up'; password: string; device: string; expect: Expected }
  | { do: 'fresh_account'; phone: string; device: string; expect: Expected };

interface Expected {
  status: Outcome['status'];
  /** `owner`: the account bound to the number at the story's start; `fresh`: a new account. */
  account?: 'owner' | 'fresh';
  offeredFreshAccount?: boolean;
}

interface Story {
  name: string;
  phone: string;
  steps: Step[];
}

export const STORIES: Story[] = [
  {
    name: "the owner's routine sign-in: the carrier says the number was never reissued",
    phone: NUMBERS.owner,
    steps: [
      { do: 'sign_in', phone: NUMBERS.owner, device: 'owner-phone', expect: { status: 'session', account: 'owner', offeredFreshAccount: false } },
      { do: 'sign_in', phone: NUMBERS.owner, device: 'owner-phone', expect: { status: 'session', account: 'owner', offeredFreshAccount: false } },
    ],
  },
  {
    name: 'the new holder of a recycled number: step-up, failure, fresh account',
    phone: NUMBERS.recycled,
    steps: [
      { do: 'sign_in', phone: NUMBERS.recycled, device: 'new-holder-phone', expect: { status: 'step_up', offeredFreshAccount: true } },
      { do: 'step_up', password: 'a guess', device: 'new-holder-phone', expect: { status: 'denied', offeredFreshAccount: true } },
      { do: 'fresh_account', phone: NUMBERS.recycled, device: 'new-holder-phone', expect: { status: 'session', account: 'fresh', offeredFreshAccount: false } },
    ],
  },
  {
    name: 'the owner on a new phone, years after binding, carrier silent: step-up, success',
    phone: NUMBERS.unserved,
    steps: [
      { do: 'sign_in', phone: NUMBERS.unserved, device: 'owner-new-phone', expect: { status: 'step_up' } },
      { do: 'step_up', password: 'traveller-secret', device: 'owner-new-phone', expect: { status: 'session', account: 'owner' } },
      // The passed step-up vouched for the new phone: the next SMS sign-in goes straight in.
      { do: 'sign_in', phone: NUMBERS.unserved, device: 'owner-new-phone', expect: { status: 'session', account: 'owner', offeredFreshAccount: false } },
    ],
  },
];

/**
 * Registers the three stories for one framework. `start` boots the framework around the world's
 * guard and returns its driver; `stop` shuts it down.
 */
export function describeStories(framework: string, start: (world: StoryWorld) => Promise<{ driver: StoryDriver; stop?: () => Promise<void> }>): void {
  describe(`${framework}: the three stories`, () => {
    let world: StoryWorld;
    let driver: StoryDriver;
    let stop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      world = await createWorld();
      ({ driver, stop } = await start(world));
    });
    afterAll(async () => {
      await stop?.();
      await world?.operator.close();
    });

    for (const story of STORIES) {
      it(story.name, async () => {
        const owner = world.accounts.accountIdOf(story.phone)!;
        let decisionId: string | undefined;
        for (const [index, step] of story.steps.entries()) {
          let outcome: Outcome;
          if (step.do === 'sign_in') outcome = await driver.signIn({ phone: step.phone, code: OTP, device: step.device });
          else if (step.do === 'step_up') {
            expect(decisionId, `step ${index}: a step-up needs the decision of the sign-in before it`).toMatch(/^dec_/);
            outcome = await driver.stepUp({ decisionId: decisionId!, password: step.password, device: step.device });
          } else {
            world.accounts.registerFresh(step.phone);
            outcome = await driver.signIn({ phone: step.phone, code: OTP, device: step.device });
          }
          const where = `${story.name}, step ${index} (${step.do})`;
          expect(outcome.status, where).toBe(step.expect.status);
          if (step.expect.offeredFreshAccount !== undefined) expect(outcome.offeredFreshAccount ?? false, where).toBe(step.expect.offeredFreshAccount);
          if (outcome.status === 'session') {
            expect(outcome.accountId, where).toBe(step.expect.account === 'fresh' ? world.accounts.accountIdOf(story.phone) : owner);
            if (step.expect.account === 'fresh') expect(outcome.accountId, where).not.toBe(owner);
          } else {
            expect(outcome.accountId, `${where}: no session`).toBeUndefined();
          }
          if (outcome.status === 'step_up') {
            expect(outcome.anyOf, where).toEqual([['password']]);
            decisionId = outcome.decisionId;
          }
        }
      });
    }
  });
}
