/**
 * recycled-number-guard/authjs on the real @auth/core: `Auth(request, config)` with the guard's
 * Credentials providers, driven with standard Request objects as every Auth.js framework wrapper
 * drives it (CSRF token, form POST to the callback, cookies, redirects, then the session endpoint).
 */
import { Auth, type AuthConfig } from '@auth/core';
import { describe, expect, it } from 'vitest';
import { authjsGuard, withRecycledNumberGuard } from 'recycled-number-guard/authjs';
import { ANDROID, createWorld, describeStories, NUMBERS, OTP, type Outcome, type StoryWorld } from './stories.js';

const ORIGIN = 'http://auth.test';

function authConfig(world: StoryWorld, phoneOf: (decisionId: string) => string | undefined): AuthConfig {
  return withRecycledNumberGuard(
    {
      providers: [],
      secret: 'authjs-test-secret-0123456789abcdef0123456789',
      trustHost: true,
      basePath: '/auth',
      logger: { error: () => {}, warn: () => {}, debug: () => {} },
      callbacks: {
        // The host's session carries the account id (Auth.js keeps it in the token's `sub`).
        session: ({ session, token }) => ({ ...session, user: { ...session.user, id: token.sub ?? '' } }),
      },
    } satisfies AuthConfig,
    world.guard,
    {
      verifyCode: (credentials) => world.accounts.verifyCode(credentials.phone, credentials.code),
      verifyStepUp(credentials) {
        const decisionId = credentials.decisionId;
        if (typeof decisionId !== 'string') return null;
        const phone = phoneOf(decisionId);
        const accountId = phone ? world.accounts.accountIdOf(phone) : undefined;
        if (!accountId) return null;
        return { decisionId, outcome: { check: 'password', passed: world.accounts.passwordMatches(accountId, credentials.password), accountId } };
      },
      // In production a header your edge overwrites; authorize sees no socket.
      remoteAddress: (request) => request.headers.get('x-real-ip') ?? undefined,
      deviceCookie: 'device',
      freshAccountUrl: '/fresh-account',
    },
  );
}

/** A browser on one phone: its own cookie jar, including the host's device cookie. */
class Browser {
  private readonly jar = new Map<string, string>();

  constructor(
    private readonly config: AuthConfig,
    device: string,
  ) {
    this.jar.set('device', device);
  }

  private cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Returns the response and the names of the cookies it set. */
  async request(path: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ response: Response; set: string[] }> {
    const headers = new Headers({ 'user-agent': ANDROID, cookie: this.cookieHeader(), 'x-real-ip': '127.0.0.1' });
    if (init.form) headers.set('content-type', 'application/x-www-form-urlencoded');
    const response = await Auth(
      new Request(`${ORIGIN}${path}`, { method: init.method ?? 'GET', headers, ...(init.form ? { body: new URLSearchParams(init.form) } : {}) }),
      this.config,
    );
    const set: string[] = [];
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '') this.jar.delete(name);
      else this.jar.set(name, value);
      set.push(name);
    }
    return { response, set };
  }

  async post(callback: string, form: Record<string, string>): Promise<Outcome> {
    const csrf = (await (await this.request('/auth/csrf')).response.json()) as { csrfToken: string };
    const { response, set } = await this.request(`/auth/callback/${callback}`, {
      method: 'POST',
      form: { ...form, csrfToken: csrf.csrfToken, callbackUrl: `${ORIGIN}/home` },
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!, ORIGIN);
    const sessionSet = set.some((name) => name.includes('session-token'));
    if (location.pathname === '/home') {
      expect(sessionSet).toBe(true);
      const session = (await (await this.request('/auth/session')).response.json()) as { user?: { id?: string } } | null;
      return { status: 'session', ...(session?.user?.id ? { accountId: session.user.id } : {}), offeredFreshAccount: false };
    }
    // No other answer may come with a session cookie.
    expect(sessionSet, `${location} set a session`).toBe(false);
    if (location.pathname === '/step-up') {
      return {
        status: 'step_up',
        decisionId: location.searchParams.get('decision')!,
        anyOf: location.searchParams
          .get('checks')!
          .split('|')
          .map((set) => set.split(',')),
        offeredFreshAccount: location.searchParams.get('offer') === 'new_account',
      };
    }
    return { status: 'denied', offeredFreshAccount: location.pathname === '/fresh-account' };
  }
}

describeStories('Auth.js (@auth/core, Credentials provider + signIn)', async (world) => {
  const phones = new Map<string, string>();
  const config = authConfig(world, (decisionId) => phones.get(decisionId));
  const browsers = new Map<string, Browser>();
  const browser = (device: string) => browsers.get(device) ?? browsers.set(device, new Browser(config, device)).get(device)!;
  return {
    driver: {
      async signIn({ phone, code, device }) {
        const outcome = await browser(device).post('sms-otp', { phone, code });
        if (outcome.decisionId) phones.set(outcome.decisionId, phone);
        return outcome;
      },
      stepUp: ({ decisionId, password, device }) => browser(device).post('sms-step-up', { decisionId, password }),
    },
  };
});

describe('Auth.js: around the stories', () => {
  it('a wrong code is CredentialsSignin; a replayed step-up is refused and signs nobody in', async () => {
    const world = await createWorld();
    try {
      const phones = new Map<string, string>();
      const config = authConfig(world, (decisionId) => phones.get(decisionId));
      const phone = new Browser(config, 'traveller-phone');
      const csrf = (await (await phone.request('/auth/csrf')).response.json()) as { csrfToken: string };
      const wrong = await phone.request('/auth/callback/sms-otp', {
        method: 'POST',
        form: { phone: NUMBERS.owner, code: '000000', csrfToken: csrf.csrfToken },
      });
      expect(wrong.response.headers.get('location')).toContain('error=CredentialsSignin');

      const stepUp = await phone.post('sms-otp', { phone: NUMBERS.unserved, code: OTP });
      expect(stepUp.status).toBe('step_up');
      phones.set(stepUp.decisionId!, NUMBERS.unserved);
      expect(await phone.post('sms-step-up', { decisionId: stepUp.decisionId!, password: 'traveller-secret' })).toMatchObject({
        status: 'session',
        accountId: 'acct-traveller',
      });
      const other = new Browser(config, 'someone-else');
      const replay = await other.request('/auth/csrf');
      const token = ((await replay.response.json()) as { csrfToken: string }).csrfToken;
      const again = await other.request('/auth/callback/sms-step-up', {
        method: 'POST',
        form: { decisionId: stepUp.decisionId!, password: 'traveller-secret', csrfToken: token },
      });
      expect(again.response.headers.get('location')).toContain('error=CredentialsSignin');
      expect(again.set.some((name) => name.includes('session-token'))).toBe(false);
    } finally {
      await world.operator.close();
    }
  });

  it('a step-up user is never signed in by the providers alone: signIn refuses our users without a verdict', async () => {
    const world = await createWorld();
    try {
      const pieces = authjsGuard(world.guard, { verifyCode: () => null, remoteAddress: () => '127.0.0.1' });
      expect(pieces.stepUpProvider).toBeUndefined();
      expect(pieces.signIn({ user: { id: 'acct-owner' }, account: { provider: 'sms-otp' } })).toBe(false);
      expect(pieces.signIn({ user: { id: 'oauth-user' }, account: { provider: 'github' } })).toBe(true);
    } finally {
      await world.operator.close();
    }
  });
});
