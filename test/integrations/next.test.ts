/**
 * recycled-number-guard/next: the route handlers called with standard `Request` objects, the way the
 * Next.js App Router calls `export async function POST(request)`, through the three stories.
 */
import { describe, expect, it } from 'vitest';
import { guardedRoute, outcomeRoute } from 'recycled-number-guard/next';
import { ANDROID, createWorld, describeStories, OTP, NUMBERS, type Outcome, type StoryWorld } from './stories.js';

const ORIGIN = 'http://app.test';

/** app/api/login/verify/route.ts and app/api/login/step-up/route.ts of a host, as route handlers. */
function routes(world: StoryWorld) {
  // The address the platform guarantees; on Vercel `ipAddress(request)`, here the edge's own header.
  const remoteAddress = (request: Request) => request.headers.get('x-real-ip') ?? undefined;
  const issueSession = (accountId: string) =>
    Response.json({ signedIn: accountId }, { headers: { 'set-cookie': `session=${encodeURIComponent(accountId)}; Path=/; HttpOnly; Secure; SameSite=Lax` } });

  const verify = guardedRoute(world.guard, {
    remoteAddress,
    deviceCookie: 'device',
    async attempt(request) {
      const { phone, code } = (await request.json()) as { phone?: string; code?: string };
      return world.accounts.verifyCode(phone, code) ?? Response.json({ error: 'wrong_code' }, { status: 401 });
    },
    onAllow: (decision) => issueSession(decision.accountId),
  });

  const stepUp = outcomeRoute(world.guard, {
    async outcome(request) {
      const { decisionId, accountId, password } = (await request.json()) as { decisionId: string; accountId: string; password: string };
      return { decisionId, outcome: { check: 'password', passed: world.accounts.passwordMatches(accountId, password), accountId } };
    },
    onAllow: (result) => issueSession(result.accountId),
  });
  return { verify, stepUp };
}

function post(path: string, body: unknown, device: string): Request {
  return new Request(`${ORIGIN}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': ANDROID, cookie: `device=${device}`, 'x-real-ip': '127.0.0.1' },
    body: JSON.stringify(body),
  });
}

async function outcomeOf(response: Response): Promise<Outcome> {
  const body = (await response.json()) as {
    signedIn?: string;
    action?: string;
    decisionId?: string;
    stepUp?: { anyOf: string[][] };
    advice?: { newHolder?: string };
  };
  const offeredFreshAccount = body.advice?.newHolder === 'offer_new_account';
  if (response.status === 200) {
    const cookie = response.headers.get('set-cookie') ?? '';
    const accountId = /^session=([^;]+)/.exec(cookie)?.[1];
    return { status: 'session', ...(accountId ? { accountId: decodeURIComponent(accountId) } : {}), offeredFreshAccount };
  }
  if (response.status === 401 && body.action === 'step_up')
    return { status: 'step_up', decisionId: body.decisionId!, anyOf: body.stepUp!.anyOf, offeredFreshAccount };
  return { status: 'denied', offeredFreshAccount };
}

describeStories('Next.js route handlers (web Request/Response)', async (world) => {
  const { verify, stepUp } = routes(world);
  // Which account a decision asked about: the step-up page knows it from the sign-in it continues.
  const pending = new Map<string, string>();
  return {
    driver: {
      async signIn({ phone, code, device }) {
        const outcome = await outcomeOf(await verify(post('/api/login/verify', { phone, code }, device)));
        if (outcome.decisionId) pending.set(outcome.decisionId, world.accounts.accountIdOf(phone)!);
        return outcome;
      },
      async stepUp({ decisionId, password, device }) {
        return outcomeOf(await stepUp(post('/api/login/step-up', { decisionId, accountId: pending.get(decisionId), password }, device)));
      },
    },
  };
});

describe('Next.js route handlers: the answers around the stories', () => {
  it('a wrong code is the host’s own 401; bad input a 400 naming the field; no address a 400 naming ip', async () => {
    const world = await createWorld();
    try {
      const { verify } = routes(world);
      const wrong = await verify(post('/api/login/verify', { phone: NUMBERS.owner, code: '000000' }, 'd'));
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toEqual({ error: 'wrong_code' });

      const noAddress = guardedRoute(world.guard, {
        remoteAddress: () => undefined,
        attempt: () => world.accounts.verifyCode(NUMBERS.owner, OTP)!,
        onAllow: () => new Response('signed in'),
      });
      const refused = await noAddress(post('/api/login/verify', {}, 'd'));
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: 'invalid_input', fields: ['ip'] });

      const badBinding = guardedRoute(world.guard, {
        remoteAddress: () => '127.0.0.1',
        attempt: () => ({ accountId: 'acct-owner', phone: NUMBERS.owner, phoneBoundAt: 'not a date' }),
        onAllow: () => new Response('signed in'),
      });
      const bad = await badBinding(post('/api/login/verify', {}, 'd'));
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: 'invalid_input', fields: ['phoneBoundAt'] });
    } finally {
      await world.operator.close();
    }
  });

  it('a step-up outcome is single use: the replay is a 409, never a second session', async () => {
    const world = await createWorld();
    try {
      const { verify, stepUp } = routes(world);
      const first = (await (await verify(post('/api/login/verify', { phone: NUMBERS.unserved, code: OTP }, 'p'))).json()) as { decisionId: string };
      const body = { decisionId: first.decisionId, accountId: 'acct-traveller', password: 'traveller-secret' };
      expect((await stepUp(post('/api/login/step-up', body, 'p'))).status).toBe(200);
      const replay = await stepUp(post('/api/login/step-up', body, 'p'));
      expect(replay.status).toBe(409);
      expect(replay.headers.get('set-cookie')).toBeNull();
      expect(await replay.json()).toMatchObject({ error: 'step_up_rejected', reason: 'UNKNOWN_DECISION' });
    } finally {
      await world.operator.close();
    }
  });
});
