/**
 * recycled-number-guard/nestjs on real NestJS (@nestjs/core with @nestjs/platform-express) over real
 * HTTP on 127.0.0.1, through the three stories. Decorators are applied with `Reflect.decorate`, which
 * is what TypeScript's legacy decorators compile to, so the test needs no decorator compiler
 * settings and the guards need no decorator metadata.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import {
  Body,
  Controller,
  HttpCode,
  Module,
  Post,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import type { AttemptFields } from 'recycled-number-guard/http';
import { decisionFor, outcomeFor, RecycledNumberGuard, StepUpOutcomeGuard } from 'recycled-number-guard/nestjs';
import { ANDROID, createWorld, describeStories, NUMBERS, OTP, type Outcome, type StoryWorld } from './stories.js';

// Not `account`: the docs' Express examples declare that name globally for Express's Request.
type SignInRequest = Request & { verifiedAccount?: AttemptFields };

/** The host's own OTP guard, listed before the recycled-number guard: it resolves the account. */
class SmsCodeGuard implements CanActivate {
  constructor(private readonly world: StoryWorld) {}
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<SignInRequest>();
    const body = request.body as { phone?: unknown; code?: unknown };
    const account = this.world.accounts.verifyCode(body.phone, body.code);
    if (!account) throw new UnauthorizedException({ error: 'wrong_code' });
    request.verifiedAccount = account;
    return true;
  }
}

function decorateMethod(target: object, key: string, decorators: MethodDecorator[]): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key)!;
  Reflect.decorate(decorators, target, key, descriptor);
}

async function bootNest(world: StoryWorld): Promise<{ app: INestApplication; base: string }> {
  const signInGuard = new RecycledNumberGuard<SignInRequest>(world.guard, {
    attempt: (request) => request.verifiedAccount!,
    deviceCookie: 'device',
  });
  const stepUpGuard = new StepUpOutcomeGuard<Request>(world.guard, {
    outcome(request) {
      const { decisionId, accountId, password } = request.body as { decisionId: string; accountId: string; password: string };
      return { decisionId, outcome: { check: 'password', passed: world.accounts.passwordMatches(accountId, password), accountId } };
    },
  });

  class LoginController {
    verify(request: SignInRequest, response: Response) {
      const decision = decisionFor(request)!;
      response.cookie('session', decision.accountId, { httpOnly: true, sameSite: 'lax' });
      return { signedIn: decision.accountId, decisionId: decision.id };
    }
    stepUp(request: Request, response: Response, body: { decisionId: string }) {
      const result = outcomeFor(request)!;
      response.cookie('session', result.accountId, { httpOnly: true, sameSite: 'lax' });
      return { signedIn: result.accountId, decisionId: body.decisionId };
    }
  }
  Reflect.decorate([Controller('login') as ClassDecorator], LoginController);
  decorateMethod(LoginController.prototype, 'verify', [Post('verify'), HttpCode(200), UseGuards(new SmsCodeGuard(world), signInGuard)]);
  // Parameter decorators take their index: applied one by one.
  Req()(LoginController.prototype, 'verify', 0);
  Res({ passthrough: true })(LoginController.prototype, 'verify', 1);
  decorateMethod(LoginController.prototype, 'stepUp', [Post('step-up'), HttpCode(200), UseGuards(stepUpGuard)]);
  Req()(LoginController.prototype, 'stepUp', 0);
  Res({ passthrough: true })(LoginController.prototype, 'stepUp', 1);
  Body()(LoginController.prototype, 'stepUp', 2);

  class AppModule {}
  Reflect.decorate([Module({ controllers: [LoginController] }) as ClassDecorator], AppModule);

  const app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, base: `http://127.0.0.1:${port}` };
}

async function post(base: string, path: string, body: unknown, device: string) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': ANDROID, cookie: `device=${device}` },
    body: JSON.stringify(body),
  });
  return { response, body: (await response.json()) as Record<string, any> };
}

function outcomeOf({ response, body }: Awaited<ReturnType<typeof post>>): Outcome {
  const offeredFreshAccount = body.advice?.newHolder === 'offer_new_account';
  const session = /^session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
  if (response.status === 200) return { status: 'session', ...(session ? { accountId: decodeURIComponent(session) } : {}), offeredFreshAccount };
  expect(session, 'no session cookie without a 200').toBeUndefined();
  if (response.status === 401 && body.action === 'step_up') {
    expect(response.headers.get('www-authenticate')).toMatch(/^StepUp decision="dec_/);
    return { status: 'step_up', decisionId: body.decisionId, anyOf: body.stepUp.anyOf, offeredFreshAccount };
  }
  return { status: 'denied', offeredFreshAccount };
}

describeStories('NestJS (RecycledNumberGuard on @nestjs/platform-express)', async (world) => {
  const { app, base } = await bootNest(world);
  const accountOf = new Map<string, string>();
  return {
    driver: {
      async signIn({ phone, code, device }) {
        const outcome = outcomeOf(await post(base, '/login/verify', { phone, code }, device));
        if (outcome.decisionId) accountOf.set(outcome.decisionId, world.accounts.accountIdOf(phone)!);
        return outcome;
      },
      stepUp: async ({ decisionId, password, device }) =>
        outcomeOf(await post(base, '/login/step-up', { decisionId, accountId: accountOf.get(decisionId), password }, device)),
    },
    stop: () => app.close(),
  };
});

describe('NestJS: around the stories', () => {
  it('the host’s OTP guard runs first (401 wrong_code); bad input is a 400 naming fields; a replayed step-up a 409', async () => {
    const world = await createWorld();
    const { app, base } = await bootNest(world);
    try {
      const wrong = await post(base, '/login/verify', { phone: NUMBERS.owner, code: '000000' }, 'd');
      expect(wrong.response.status).toBe(401);
      expect(wrong.body).toEqual({ error: 'wrong_code' });

      const stepUp = await post(base, '/login/verify', { phone: NUMBERS.unserved, code: OTP }, 'p');
      expect(stepUp.response.status).toBe(401);
      expect(stepUp.response.headers.get('cache-control')).toBe('no-store');
      const answer = { decisionId: stepUp.body.decisionId, accountId: 'acct-traveller', password: 'traveller-secret' };
      expect((await post(base, '/login/step-up', answer, 'p')).response.status).toBe(200);
      const replay = await post(base, '/login/step-up', answer, 'p');
      expect(replay.response.status).toBe(409);
      expect(replay.body).toMatchObject({ error: 'step_up_rejected', reason: 'UNKNOWN_DECISION' });

      const forged = await post(base, '/login/step-up', { decisionId: 'not-a-decision', accountId: 'acct-traveller', password: 'traveller-secret' }, 'p');
      expect(forged.response.status).toBe(400);
      expect(forged.body).toMatchObject({ error: 'invalid_input', fields: ['decisionId'] });
    } finally {
      await app.close();
      await world.operator.close();
    }
  });
});
