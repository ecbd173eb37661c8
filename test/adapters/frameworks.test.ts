import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type RequestHandler } from 'express';
import Fastify, { type FastifyRequest, type onRequestAsyncHookHandler, type preHandlerAsyncHookHandler } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from 'recycled-number-guard';
import { decisionFor, expressAcceptClientHints, expressGuard, fastifyAcceptClientHints, fastifyGuard, type AttemptFields } from 'recycled-number-guard/http';
import { ACCOUNTS, ANDROID, testGuard } from './helpers.js';

// Which account a request signs in to; in an app this comes from the verified OTP.
const accounts: Record<string, AttemptFields> = { fresh: ACCOUNTS.fresh, dormant: ACCOUNTS.dormant };
const lookup = (who: unknown): AttemptFields => {
  const fields = typeof who === 'string' ? accounts[who] : undefined;
  if (fields) return fields;
  // A junk account id reaches the guard, which rejects it naming the field.
  return { accountId: '', phone: 'not a phone', phoneBoundAt: 'yesterday' };
};

async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': ANDROID, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

describe('Express: expressGuard and expressAcceptClientHints', () => {
  let server: Server;
  let base: string;
  const seen: Decision[] = [];

  beforeAll(async () => {
    const guard = testGuard();
    const app = express();
    app.use(express.json());
    // Type-level proof that the structural types accept Express's own.
    const hints: RequestHandler = expressAcceptClientHints();
    const guarded: RequestHandler = expressGuard(guard, { attempt: (req: express.Request) => lookup(req.body?.who), deviceCookie: 'rng_device' });
    app.get('/login', hints, (_req, res) => {
      res.send('form');
    });
    app.post('/session', guarded, (req, res) => {
      const decision = decisionFor(req)!;
      seen.push(decision);
      res.json({ session: 'issued', decisionId: decision.id, local: (res.locals.guardDecision as Decision).id });
    });
    app.post(
      '/custom',
      expressGuard(guard, {
        attempt: (req) => lookup(req.body?.who),
        onChallenge: (decision, answer, _req, res) => {
          res.status(303).setHeader('location', `/step-up?d=${decision.id}&checks=${answer.body.stepUp?.anyOf.flat().join(',')}`);
          res.end();
        },
      }),
      (_req, res) => {
        res.json({ session: 'issued' });
      },
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('allow reaches the handler, with the decision on the request', async () => {
    const answer = await post(base, '/session', { who: 'fresh' }, { cookie: 'rng_device=dev-a' });
    expect(answer.status).toBe(200);
    expect(answer.body.session).toBe('issued');
    expect(answer.body.local).toBe(answer.body.decisionId);
    expect(seen.at(-1)?.evidence.device).toBe('ok');
  });

  it('step_up is answered with 401 and the checks; the handler never runs', async () => {
    const before = seen.length;
    const answer = await post(base, '/session', { who: 'dormant' });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^StepUp decision="dec_/);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toMatchObject({ action: 'step_up', stepUp: { anyOf: [['face'], ['id_match']] } });
    expect(answer.body).not.toHaveProperty('debug');
    expect(seen.length).toBe(before);
  });

  it('a spoofed X-Forwarded-For does not move the client (loopback stays Beijing, no proxy configured)', async () => {
    const answer = await post(base, '/session', { who: 'fresh' }, { 'x-forwarded-for': '198.51.100.9' });
    expect(answer.status).toBe(200);
    const decision = seen.at(-1)!;
    expect(decision.reasons.map((reason) => reason.message).join(' ')).not.toContain('Shanghai');
  });

  it('invalid input is a 400 naming the fields, never a session', async () => {
    const answer = await post(base, '/session', { who: 'nobody' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid_input', fields: expect.arrayContaining(['accountId']) });
  });

  it('onChallenge takes over the non-allow answer', async () => {
    const response = await fetch(`${base}/custom`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ who: 'dormant' }),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/step-up\?d=dec_[\w-]+&checks=face,id_match$/);
  });

  it('Accept-CH on the login page', async () => {
    const response = await fetch(`${base}/login`);
    expect(response.headers.get('accept-ch')).toBe('Sec-CH-UA-Model, Sec-CH-UA-Platform, Sec-CH-UA-Platform-Version, Sec-CH-UA-Mobile');
  });
});

describe('Fastify: fastifyGuard and fastifyAcceptClientHints', () => {
  const app = Fastify();
  let base: string;

  beforeAll(async () => {
    const guard = testGuard({ mode: 'enforce' });
    const dryRun = testGuard({ mode: 'dry_run' });
    const hints: onRequestAsyncHookHandler = fastifyAcceptClientHints({ critical: true });
    const guarded: preHandlerAsyncHookHandler = fastifyGuard(guard, {
      attempt: (request: FastifyRequest) => lookup((request.body as { who?: string } | undefined)?.who),
    });
    app.addHook('onRequest', hints);
    app.post('/session', { preHandler: guarded }, async (request) => ({ session: 'issued', decisionId: decisionFor(request)?.id }));
    app.post(
      '/observe',
      { preHandler: fastifyGuard(dryRun, { attempt: (request) => lookup((request.body as { who?: string }).who), includeReasons: true }) },
      async (request) => ({ session: 'issued', wouldBe: decisionFor(request)?.wouldBe }),
    );
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  it('allow reaches the handler; step_up is a 401 the handler never sees', async () => {
    const allow = await post(base, '/session', { who: 'fresh' });
    expect(allow.status).toBe(200);
    expect(allow.body.decisionId).toMatch(/^dec_/);
    expect(allow.headers.get('accept-ch')).toContain('Sec-CH-UA-Model');
    expect(allow.headers.get('critical-ch')).toBe('Sec-CH-UA-Model, Sec-CH-UA-Platform-Version');

    const stepUp = await post(base, '/session', { who: 'dormant' });
    expect(stepUp.status).toBe(401);
    // Years since the last proof and nothing unforgeable: the step-up decides, and a new holder is
    // offered a fresh account beside it.
    expect(stepUp.body).toMatchObject({ action: 'step_up', advice: { newHolder: 'offer_new_account' } });
    expect(stepUp.body).not.toHaveProperty('session');
  });

  it('invalid input is a 400 naming the fields', async () => {
    const answer = await post(base, '/session', { who: 'nobody' });
    expect(answer.status).toBe(400);
    // The body names the fields, never their values; its one line for the person is in the request's language.
    expect(answer.body).toEqual({
      error: 'invalid_input',
      locale: 'en',
      message: 'Some details are missing or not valid. Please check them and try again.',
      fields: expect.arrayContaining(['accountId']),
    });
  });

  it('dry_run lets the request through and records what enforcement would do', async () => {
    const answer = await post(base, '/observe', { who: 'dormant' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ session: 'issued', wouldBe: 'step_up' });
  });
});

describe('the http subpath loads no web framework', () => {
  it('no source file under src/adapters imports express or fastify, not even for types', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const dir = new URL('../../src/adapters/http/', import.meta.url);
    const files = (await readdir(dir)).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const name of files) {
      const source = await readFile(new URL(name, dir), 'utf8');
      expect(source, name).not.toMatch(/from ['"](express|fastify)(\/[^'"]*)?['"]/);
      expect(source, name).not.toMatch(/require\(['"](express|fastify)/);
    }
  });
});
