// The social example: a Fastify JSON API whose SMS login runs through recycled-number-guard, with
// history in Redis, in dry-run first and enforcing after.
import { randomBytes, randomInt, scryptSync, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { createGuard, memoryStore, OutcomeRejectedError, type Decision, type Guard, type Store } from 'recycled-number-guard';
import { cidrGeoLookup } from 'recycled-number-guard/evidence';
import type { GuardMode } from 'recycled-number-guard/types';
import {
  decisionFor,
  decisionResponse,
  fastifyAcceptClientHints,
  fastifyGuard,
  guardErrorResponse,
  outcomeResponse,
  sendReply,
} from 'recycled-number-guard/http';
import { redisStore } from 'recycled-number-guard/redis';

const DAY = 86_400_000;
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

/** Loopback is Beijing so a local client has a place; the documentation ranges are two more cities. */
const GEO = cidrGeoLookup([
  { cidr: '127.0.0.0/8', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 } },
  { cidr: '::1/128', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 } },
  { cidr: '198.51.100.0/26', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 } },
  { cidr: '198.51.100.128/26', geo: { country: 'CN', region: 'SH', city: 'Shanghai', lat: 31.23, lon: 121.47, accuracyKm: 20 } },
]);

interface User {
  id: string;
  name: string;
  phone: string;
  phoneBoundAt: number;
  passwordHash: string;
  posts: number;
  /** Set when the guard advised it: SMS login is off until the owner binds a current number. */
  protectedSince?: number;
}

export interface SocialOptions {
  /** Where decisions start. Default `dry_run`: observe first, enforce once the numbers look right. */
  mode?: GuardMode;
  /** Redis at 127.0.0.1:6379 by default; `false` for the in-memory store. */
  redis?: { host?: string; port?: number; prefix?: string } | false;
  /** Your proxies; forwarded headers are believed only from them. */
  trustedProxies?: string[];
  /** Required for the /api/admin endpoints. Default: random, printed at start. */
  adminToken?: string;
  /** HMAC key for numbers and device ids at rest (required by a persistent store). */
  hashKey?: string;
  /**
   * TEST AFFORDANCE, off by default (SOCIAL_SIMULATION=1): the OTP is returned in the response
   * instead of only being "sent" (logged). Never in production.
   */
  simulation?: boolean;
  log?: (line: string) => void;
  /** Replay the seeded users' past logins into the store. Default true; false for a second server on the same Redis prefix. */
  seedHistory?: boolean;
}

const randomId = (bytes = 16) => randomBytes(bytes).toString('base64url');
const hashPassword = (password: string) => {
  const salt = randomBytes(16);
  return `${salt.toString('base64url')}:${scryptSync(password, salt, 32).toString('base64url')}`;
};
const checkPassword = (user: User, password: string) => {
  const [salt, hash] = user.passwordHash.split(':') as [string, string];
  return timingSafeEqual(scryptSync(password, Buffer.from(salt, 'base64url'), 32), Buffer.from(hash, 'base64url'));
};

/** Redis when it answers, else the in-memory store, said out loud. */
async function chooseStore(options: SocialOptions, log: (line: string) => void) {
  if (options.redis === false) {
    log('[social] store: memory (redis: false); history is per process and lost on restart');
    return { store: memoryStore() as Store, kind: 'memory' as const, close: async () => {} };
  }
  const host = options.redis?.host ?? '127.0.0.1';
  const port = options.redis?.port ?? 6379;
  // A unique prefix per run unless one is given: the example never touches anybody else's keys.
  const ephemeral = options.redis?.prefix === undefined;
  const prefix = options.redis?.prefix ?? `social-example-${randomId(6)}`;
  const client = new Redis({
    host,
    port,
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => (times > 3 ? null : 200),
  });
  client.on('error', () => {
    // Connection errors surface as failed commands, which the guard reports as unavailable history.
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    log(
      `[social] store: memory. Redis at ${host}:${port} did not answer (${error instanceof Error ? error.message : String(error)}); history is per process and lost on restart`,
    );
    return { store: memoryStore() as Store, kind: 'memory' as const, close: async () => {} };
  }
  log(`[social] store: redis ${host}:${port}, key prefix ${prefix}${ephemeral ? ' (removed on exit)' : ''}`);
  return {
    store: redisStore({ client, prefix }),
    kind: 'redis' as const,
    prefix,
    client,
    close: async () => {
      if (ephemeral) {
        // SCAN, not KEYS: never block a shared Redis. The store's keys all start with the prefix.
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
          if (keys.length > 0) await client.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      }
      await client.quit();
    },
  };
}

export async function createSocial(options: SocialOptions = {}) {
  const log = options.log ?? ((line: string) => console.log(line));
  const adminToken = options.adminToken ?? randomId();
  const hashKey = options.hashKey ?? process.env.RNG_HASH_KEY ?? 'social-example-hash-key-not-a-secret';
  const chosen = await chooseStore(options, log);
  const recent: {
    at: string;
    decisionId: string;
    userId: string;
    mode: GuardMode;
    action: string;
    wouldBe: string;
    risk: number;
    reasons: string[];
    stepUp?: string[][];
  }[] = [];

  // One guard per mode over the same store: switching modes keeps every account's history.
  const guardFor = (mode: GuardMode): Guard =>
    createGuard({
      preset: 'social',
      checks: ['password'],
      store: chosen.store,
      geo: GEO,
      hashKey,
      mode,
      onDecision: (decision) => remember(decision),
      onError: (error, stage) => log(`[guard] ${stage}: ${error instanceof Error ? error.message : String(error)}`),
    });
  const guards: Record<GuardMode, Guard> = { dry_run: guardFor('dry_run'), enforce: guardFor('enforce') };
  let mode: GuardMode = options.mode ?? 'dry_run';
  // The hook asks whichever guard is current, so the switch takes effect on the next request.
  const currentGuard = { assess: (input: Parameters<Guard['assess']>[0]) => guards[mode].assess(input) };

  let seeding = true;
  function remember(decision: Decision) {
    if (seeding) return;
    recent.unshift({
      at: decision.at,
      decisionId: decision.id,
      userId: decision.accountId,
      mode: decision.mode,
      action: decision.action,
      wouldBe: decision.wouldBe,
      risk: decision.risk,
      reasons: decision.reasons.map((reason) => reason.code),
      ...(decision.stepUp ? { stepUp: decision.stepUp.anyOf } : {}),
    });
    recent.length = Math.min(recent.length, 200);
    if (decision.mode === 'dry_run' && decision.wouldBe !== 'allow') {
      log(
        `[dry-run] ${decision.accountId}: would ${decision.wouldBe} (risk ${(decision.risk * 100).toFixed(2)}%: ${decision.reasons
          .slice(0, 3)
          .map((reason) => reason.code)
          .join(', ')}); allowed because enforcement is off`,
      );
    } else {
      log(`[guard] ${decision.accountId}: ${decision.action} (risk ${(decision.risk * 100).toFixed(2)}%)`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Seeded users and their history: Mei logs in weekly; Tao stopped four months ago (his number
  // went back to the carrier, which has since given it to somebody else).
  // ---------------------------------------------------------------------------------------------
  const users = new Map<string, User>();
  const seeds = [
    {
      user: {
        id: 'user-mei',
        name: 'Mei',
        phone: '+8613700000001',
        phoneBoundAt: Date.parse('2021-03-01T00:00:00Z'),
        passwordHash: hashPassword('mei-password'),
        posts: 412,
      },
      device: 'app-install-mei',
      ip: '198.51.100.10',
      lastDaysAgo: 2,
    },
    {
      user: {
        id: 'user-tao',
        name: 'Tao',
        phone: '+8613700000002',
        phoneBoundAt: Date.parse('2020-06-15T00:00:00Z'),
        passwordHash: hashPassword('tao-password'),
        posts: 57,
      },
      device: 'app-install-tao',
      ip: '198.51.100.140',
      lastDaysAgo: 120,
    },
  ];
  for (const seed of seeds) {
    users.set(seed.user.id, seed.user);
    if (options.seedHistory === false) continue;
    const guard = guards.enforce;
    for (let week = 3; week >= 0; week--) {
      const at = Date.now() - (seed.lastDaysAgo + week * 7) * DAY;
      const decision = await guard.assess({
        accountId: seed.user.id,
        phone: seed.user.phone,
        phoneBoundAt: seed.user.phoneBoundAt,
        ip: seed.ip,
        userAgent: IPHONE,
        deviceId: seed.device,
        at,
      });
      if (decision.action === 'step_up') {
        const result = await guard.recordOutcome(decision.id, { checks: decision.stepUp!.anyOf[0]!, passed: true, accountId: seed.user.id, at: at + 60_000 });
        if (!result.satisfied) throw new Error(`seeding ${seed.user.id}: the step-up was not accepted`);
      } else if (decision.action !== 'allow') throw new Error(`seeding ${seed.user.id}: a routine login was answered ${decision.action}`);
    }
  }
  seeding = false;

  const otps = new Map<string, { code: string; expiresAt: number; wrong: number }>();
  const sessions = new Map<string, string>();
  /** decisionId -> user, for the step-up that follows a 401. */
  const challenges = new Map<string, string>();
  const verified = new WeakMap<object, User>();

  const app = Fastify({ bodyLimit: 8_192 });
  app.addHook('onRequest', fastifyAcceptClientHints());

  const isAdmin = (request: FastifyRequest) => {
    const header = request.headers['x-admin-token'];
    return typeof header === 'string' && header.length === adminToken.length && timingSafeEqual(Buffer.from(header), Buffer.from(adminToken));
  };
  const phoneOf = (raw: string) => {
    const parsed = parsePhoneNumberFromString(raw, 'CN');
    return parsed?.isValid() ? parsed.number : undefined;
  };

  app.post<{ Body: { phone: string } }>(
    '/api/otp',
    { schema: { body: { type: 'object', required: ['phone'], properties: { phone: { type: 'string', maxLength: 32 } } } } },
    async (request, reply) => {
      const phone = phoneOf(request.body.phone);
      if (!phone) return reply.code(400).send({ error: 'invalid_input', fields: ['phone'] });
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      otps.set(phone, { code, expiresAt: Date.now() + 5 * 60_000, wrong: 0 });
      // The example's SMS gateway is the log.
      log(`[sms] to ${phone}: your code is ${code}`);
      return { sent: true, ...(options.simulation ? { devCode: code } : {}) };
    },
  );

  /** Step 1 of the login route: the OTP. Only a correct code reaches the guard. */
  async function verifyOtp(request: FastifyRequest<{ Body: { phone: string; code: string } }>, reply: FastifyReply) {
    const phone = phoneOf(request.body.phone);
    const otp = phone ? otps.get(phone) : undefined;
    if (!phone || !otp || otp.expiresAt < Date.now() || otp.code !== request.body.code) {
      if (otp && ++otp.wrong >= 3) otps.delete(phone!);
      return reply.code(401).send({ error: 'wrong_code' });
    }
    otps.delete(phone);
    const user = [...users.values()].find((candidate) => candidate.phone === phone);
    if (!user) return reply.code(404).send({ error: 'no_account', hint: 'sign up instead' });
    if (user.protectedSince) {
      // The app's own rule, not a guard decision: a protected account takes no SMS logins at all.
      return reply.code(403).send({ error: 'sms_login_off', advice: { newHolder: 'offer_new_account', previousHolder: 'protect_account' } });
    }
    verified.set(request, user);
    return undefined;
  }

  // Step 2: the guard. allow continues to the handler; step_up (401) and deny (403) are answered by the hook.
  const guardHook = fastifyGuard(currentGuard, {
    trustedProxies: options.trustedProxies ?? [],
    attempt: (request: FastifyRequest) => {
      const user = verified.get(request)!;
      const device = request.headers['x-device-id'];
      return { accountId: user.id, phone: user.phone, phoneBoundAt: user.phoneBoundAt, ...(typeof device === 'string' && device ? { deviceId: device } : {}) };
    },
    onChallenge: (decision, answer, _request, reply) => {
      if (decision.advice.previousHolder === 'protect_account') protect(decision.accountId);
      if (answer.body.action === 'step_up') challenges.set(decision.id, decision.accountId);
      return sendReply(reply, answer);
    },
  });

  function protect(userId: string) {
    const user = users.get(userId);
    if (user && !user.protectedSince) {
      user.protectedSince = Date.now();
      log(`[social] ${userId}: protected, SMS login off (the number may have a new holder)`);
    }
  }

  const loginSchema = {
    body: {
      type: 'object',
      required: ['phone', 'code'],
      properties: { phone: { type: 'string', maxLength: 32 }, code: { type: 'string', pattern: '^\\d{6}$' } },
    },
  };
  app.post<{ Body: { phone: string; code: string } }>('/api/login', { schema: loginSchema, preHandler: [verifyOtp, guardHook] }, async (request) => {
    const decision = decisionFor(request)!;
    const user = verified.get(request)!;
    const token = randomId();
    sessions.set(token, user.id);
    // In dry_run this runs for every decision: that is the point of dry_run.
    return { ...decisionResponse(decision).body, session: token, user: { id: user.id, name: user.name }, mode: decision.mode };
  });

  app.post<{ Body: { decisionId: string; check: 'password'; password: string } }>(
    '/api/step-up',
    {
      schema: {
        body: {
          type: 'object',
          required: ['decisionId', 'check', 'password'],
          properties: { decisionId: { type: 'string', maxLength: 64 }, check: { const: 'password' }, password: { type: 'string', maxLength: 256 } },
        },
      },
    },
    async (request, reply) => {
      const userId = challenges.get(request.body.decisionId);
      const user = userId ? users.get(userId) : undefined;
      if (!user) return reply.code(409).send({ error: 'step_up_rejected', reason: 'UNKNOWN_DECISION' });
      challenges.delete(request.body.decisionId);
      const passed = checkPassword(user, request.body.password);
      try {
        const result = await guards[mode].recordOutcome(request.body.decisionId, { check: 'password', passed, accountId: user.id });
        const answer = outcomeResponse(result);
        if (result.advice?.previousHolder === 'protect_account') protect(user.id);
        if (answer.body.action !== 'allow') return sendReply(reply, answer);
        const token = randomId();
        sessions.set(token, user.id);
        return sendReply(reply, { ...answer, body: { ...answer.body, session: token, user: { id: user.id, name: user.name } } });
      } catch (error) {
        const answer = guardErrorResponse(error);
        if (answer && error instanceof OutcomeRejectedError) return sendReply(reply, answer);
        throw error;
      }
    },
  );

  app.get('/api/me', async (request, reply) => {
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const user = token ? users.get(sessions.get(token) ?? '') : undefined;
    if (!user) return reply.code(401).send({ error: 'no_session' });
    return { id: user.id, name: user.name, posts: user.posts };
  });

  // Admin: the switch from dry_run to enforce, and what the guard decided.
  app.get('/api/admin/mode', async (request, reply) => (isAdmin(request) ? { mode, store: chosen.kind } : reply.code(403).send({ error: 'admin_token' })));
  app.post<{ Body: { mode: GuardMode } }>(
    '/api/admin/mode',
    { schema: { body: { type: 'object', required: ['mode'], properties: { mode: { enum: ['dry_run', 'enforce'] } } } } },
    async (request, reply) => {
      if (!isAdmin(request)) return reply.code(403).send({ error: 'admin_token' });
      if (mode !== request.body.mode) log(`[social] mode: ${mode} -> ${request.body.mode}`);
      mode = request.body.mode;
      return { mode };
    },
  );
  app.get('/api/admin/decisions', async (request, reply) => (isAdmin(request) ? { mode, decisions: recent } : reply.code(403).send({ error: 'admin_token' })));

  app.setErrorHandler((error, _request, reply) => {
    const answer = guardErrorResponse(error);
    if (answer) return sendReply(reply, answer);
    // Fastify's own validation errors carry a 400; anything else is ours and never a session.
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ error: 'bad_request', message: (error as Error).message });
    log(`[social] error: ${error instanceof Error ? error.message : String(error)}`);
    return reply.code(500).send({ error: 'internal' });
  });

  return {
    app,
    adminToken,
    storeKind: chosen.kind,
    redisPrefix: 'prefix' in chosen ? chosen.prefix : undefined,
    mode: () => mode,
    async close() {
      await app.close();
      await chosen.close();
    },
  };
}
