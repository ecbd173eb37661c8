// The fintech example: SMS login, payments and phone changes guarded by recycled-number-guard with
// the strict fintech preset and KYC Match evidence (kyc.ts). Express 5, JSON.
import { randomBytes, randomInt, scryptSync, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { createGuard, memoryStore, OutcomeRejectedError, type Decision, type StepUpCheck } from 'recycled-number-guard';
import { cidrGeoLookup } from 'recycled-number-guard/evidence';
import type { VerifiedFactor } from 'recycled-number-guard/types';
import {
  decisionFor,
  expressGuard,
  guardErrorResponse,
  outcomeResponse,
  sendAnswer,
  type DecisionBody,
  type HttpAnswer,
  type RouteAttempt,
} from 'recycled-number-guard/http';
import { localKycMatch, SubscriberRegister, type Identity } from './kyc.js';

const DAY = 86_400_000;
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
/** Strong factors passed this recently count for the next sensitive action in the same session. */
const FRESH_FACTOR_MS = 5 * 60_000;
const CHECKS: StepUpCheck[] = ['password', 'id_match', 'face'];

const GEO = cidrGeoLookup([
  { cidr: '127.0.0.0/8', geo: { country: 'CN', region: 'SH', city: 'Shanghai', lat: 31.23, lon: 121.47, accuracyKm: 20 } },
  { cidr: '::1/128', geo: { country: 'CN', region: 'SH', city: 'Shanghai', lat: 31.23, lon: 121.47, accuracyKm: 20 } },
  { cidr: '198.51.100.0/26', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4, accuracyKm: 20 } },
  { cidr: '198.51.100.128/26', geo: { country: 'CN', region: 'SH', city: 'Shanghai', lat: 31.23, lon: 121.47, accuracyKm: 20 } },
  { cidr: '203.0.113.128/26', geo: { country: 'JP', region: '13', city: 'Tokyo', lat: 35.68, lon: 139.69, accuracyKm: 20 } },
]);

interface Customer {
  id: string;
  kyc: Identity;
  phone: string;
  phoneBoundAt: number;
  passwordHash: string;
  balanceCents: number;
  payments: { id: string; amountCents: number; to: string }[];
  /** SMS login is off once the guard advised protecting the account. */
  protectedSince?: number;
}

interface Session {
  customerId: string;
  /** Strong factors and when they passed. */
  factors: { check: StepUpCheck; at: number }[];
}

type Pending =
  | { kind: 'login'; customerId: string; passed: StepUpCheck[]; anyOf: StepUpCheck[][] }
  | { kind: 'payment'; customerId: string; passed: StepUpCheck[]; anyOf: StepUpCheck[][]; session: string; amountCents: number; to: string }
  | { kind: 'change_phone'; customerId: string; passed: StepUpCheck[]; anyOf: StepUpCheck[][]; session: string; phone: string };

export interface FintechOptions {
  /** KYC Match evidence (default on). `false` shows the same flows without it. */
  kyc?: boolean;
  trustedProxies?: string[];
  adminToken?: string;
  /** TEST AFFORDANCE, off by default (FINTECH_SIMULATION=1): the OTP comes back in the response. */
  simulation?: boolean;
  log?: (line: string) => void;
}

const randomId = (bytes = 12) => randomBytes(bytes).toString('base64url');
const hashPassword = (password: string) => {
  const salt = randomBytes(16);
  return `${salt.toString('base64url')}:${scryptSync(password, salt, 32).toString('base64url')}`;
};
const passwordOk = (customer: Customer, password: unknown) => {
  if (typeof password !== 'string' || password.length > 256) return false;
  const [salt, hash] = customer.passwordHash.split(':') as [string, string];
  return timingSafeEqual(scryptSync(password, Buffer.from(salt, 'base64url'), 32), Buffer.from(hash, 'base64url'));
};
const phoneOf = (raw: unknown) => {
  if (typeof raw !== 'string' || raw.length > 32) return undefined;
  const parsed = parsePhoneNumberFromString(raw, 'CN');
  return parsed?.isValid() ? parsed.number : undefined;
};

export function createFintech(options: FintechOptions = {}) {
  const log = options.log ?? ((line: string) => console.log(line));
  const adminToken = options.adminToken ?? randomId();
  const store = memoryStore();
  const hashKey = process.env.RNG_HASH_KEY ?? 'fintech-example-hash-key-not-a-secret';
  const recent: {
    decisionId: string;
    customerId: string;
    action: string;
    risk: number;
    reasons: string[];
    stepUp?: StepUpCheck[][];
    numberChangedHands: string;
    advice: Decision['advice'];
  }[] = [];

  // The customers (the host's KYC records) and the operator's view of each number.
  const customers = new Map<string, Customer>();
  const register = new SubscriberRegister();
  const wang: Customer = {
    id: 'cust-wangfang',
    kyc: { name: 'Wang Fang', birthdate: '1988-02-14', idDocument: '310101198802140021' },
    phone: '+8615000000001',
    phoneBoundAt: Date.parse('2021-07-01T00:00:00Z'),
    passwordHash: hashPassword('wang-fang-pass'),
    balanceCents: 1_250_000,
    payments: [],
  };
  const liu: Customer = {
    id: 'cust-liuyang',
    kyc: { name: 'Liu Yang', birthdate: '1979-11-30', idDocument: '110105197911300017' },
    phone: '+8615000000002',
    phoneBoundAt: Date.parse('2019-01-20T00:00:00Z'),
    passwordHash: hashPassword('liu-yang-pass'),
    balanceCents: 4_800_000,
    payments: [],
  };
  // Sun Li's operator does not offer KYC Match: the provider answers "unavailable" for her number.
  const sun: Customer = {
    id: 'cust-sunli',
    kyc: { name: 'Sun Li', birthdate: '1992-08-03', idDocument: '320102199208030046' },
    phone: '+8615000000003',
    phoneBoundAt: Date.parse('2022-03-10T00:00:00Z'),
    passwordHash: hashPassword('sun-li-pass'),
    balanceCents: 960_000,
    payments: [],
  };
  for (const customer of [wang, liu, sun]) customers.set(customer.id, customer);
  register.set(wang.phone, wang.kyc);
  // Liu Yang let his number lapse; the operator has since given it to someone else.
  register.set(liu.phone, { name: 'Zhao Lei', birthdate: '2001-05-09', idDocument: '440305200105090033' });

  const kyc = localKycMatch({ identityFor: (accountId) => customers.get(accountId)?.kyc, register });
  const guard = createGuard({
    preset: 'fintech',
    checks: CHECKS,
    store,
    geo: GEO,
    hashKey,
    ...(options.kyc === false ? {} : { numberIntel: kyc }),
    onDecision: (decision) => {
      recent.unshift({
        decisionId: decision.id,
        customerId: decision.accountId,
        action: decision.action,
        risk: decision.risk,
        reasons: decision.reasons.map((reason) => reason.code),
        ...(decision.stepUp ? { stepUp: decision.stepUp.anyOf } : {}),
        numberChangedHands: decision.numberChangedHands,
        advice: decision.advice,
      });
      recent.length = Math.min(recent.length, 200);
      log(
        `[guard] ${decision.accountId}: ${decision.action} (risk ${(decision.risk * 100).toFixed(2)}%) ${decision.reasons
          .slice(0, 3)
          .map((reason) => reason.code)
          .join(', ')}`,
      );
    },
    onError: (error, stage) => log(`[guard] ${stage}: ${error instanceof Error ? error.message : String(error)}`),
  });

  const otps = new Map<string, { code: string; expiresAt: number; wrong: number }>();
  const sessions = new Map<string, Session>();
  const pending = new Map<string, Pending>();
  // What the middleware before the guard established for this request.
  const requestCustomer = new WeakMap<object, Customer>();
  const requestSession = new WeakMap<object, { token: string; session: Session }>();

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '4kb' }));

  const freshFactors = (session: Session): VerifiedFactor[] => [
    'sms_otp',
    ...new Set(session.factors.filter((factor) => Date.now() - factor.at < FRESH_FACTOR_MS).map((factor) => factor.check)),
  ];

  const attemptFor = (customer: Customer, req: Request, extra: Partial<RouteAttempt> = {}): RouteAttempt => {
    const device = req.headers['x-device-id'];
    return {
      accountId: customer.id,
      phone: customer.phone,
      phoneBoundAt: customer.phoneBoundAt,
      ...(typeof device === 'string' && device ? { deviceId: device } : {}),
      ...extra,
    };
  };

  function protect(customer: Customer) {
    if (customer.protectedSince) return;
    customer.protectedSince = Date.now();
    log(`[fintech] ${customer.id}: protected; SMS login and SMS notices to ${customer.phone.slice(0, 6)}... are off`);
  }

  /** Remembers what a step-up is for, so the action runs only after recordOutcome says allow. */
  function challenge(build: (decision: Decision, req: Request) => Pending) {
    return (decision: Decision, answer: HttpAnswer<DecisionBody>, req: Request, res: Response) => {
      const customer = customers.get(decision.accountId);
      if (customer && decision.advice.previousHolder === 'protect_account') protect(customer);
      if (answer.body.action === 'step_up' && answer.body.stepUp) pending.set(decision.id, build(decision, req));
      sendAnswer(res, answer);
    };
  }
  const sessionToken = (req: Request) => requestSession.get(req)!.token;

  // ---------------------------------------------------------------------------------------------
  // Login: OTP, then the guard
  // ---------------------------------------------------------------------------------------------

  app.post('/api/otp', (req, res) => {
    const phone = phoneOf(req.body?.phone);
    if (!phone) return res.status(400).json({ error: 'invalid_input', fields: ['phone'] });
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    otps.set(phone, { code, expiresAt: Date.now() + 5 * 60_000, wrong: 0 });
    log(`[sms] to ${phone}: your code is ${code}`);
    res.json({ sent: true, ...(options.simulation ? { devCode: code } : {}) });
  });

  function verifyOtp(req: Request, res: Response, next: NextFunction) {
    const phone = phoneOf(req.body?.phone);
    const otp = phone ? otps.get(phone) : undefined;
    if (!phone || !otp || otp.expiresAt < Date.now() || req.body?.code !== otp.code) {
      if (otp && ++otp.wrong >= 3) otps.delete(phone!);
      return res.status(401).json({ error: 'wrong_code' });
    }
    otps.delete(phone);
    const customer = [...customers.values()].find((candidate) => candidate.phone === phone);
    if (!customer) return res.status(404).json({ error: 'no_account' });
    if (customer.protectedSince)
      return res.status(403).json({ error: 'sms_login_off', advice: { newHolder: 'offer_new_account', previousHolder: 'protect_account' } });
    requestCustomer.set(req, customer);
    next();
  }

  const newSession = (customer: Customer, factors: Session['factors']) => {
    const token = randomId();
    sessions.set(token, { customerId: customer.id, factors });
    return token;
  };

  app.post(
    '/api/login',
    verifyOtp,
    expressGuard(guard, {
      ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
      attempt: (req: Request) => attemptFor(requestCustomer.get(req)!, req, { action: 'login' }),
      onChallenge: challenge((decision) => ({ kind: 'login', customerId: decision.accountId, passed: [], anyOf: decision.stepUp!.anyOf })),
    }),
    (req: Request, res: Response) => {
      const customer = requestCustomer.get(req)!;
      res.json({ decisionId: decisionFor(req)!.id, action: 'allow', session: newSession(customer, []) });
    },
  );

  // ---------------------------------------------------------------------------------------------
  // Sensitive actions: the guard runs again, with the session's fresh factors
  // ---------------------------------------------------------------------------------------------

  function requireSession(req: Request, res: Response, next: NextFunction) {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const session = token ? sessions.get(token) : undefined;
    const customer = session ? customers.get(session.customerId) : undefined;
    if (!token || !session || !customer) return res.status(401).json({ error: 'no_session' });
    requestSession.set(req, { token, session });
    requestCustomer.set(req, customer);
    next();
  }

  function validPayment(req: Request, res: Response, next: NextFunction) {
    const amount = req.body?.amountCents;
    const to = req.body?.to;
    if (!Number.isInteger(amount) || amount <= 0 || amount > 100_000_000 || typeof to !== 'string' || !/^[A-Za-z0-9 -]{3,34}$/.test(to)) {
      return res.status(400).json({ error: 'invalid_input', fields: ['amountCents', 'to'] });
    }
    if (amount > requestCustomer.get(req)!.balanceCents) return res.status(422).json({ error: 'insufficient_funds' });
    next();
  }

  function pay(customer: Customer, amountCents: number, to: string) {
    if (amountCents > customer.balanceCents) return undefined;
    const payment = { id: `pay_${randomId(8)}`, amountCents, to };
    customer.balanceCents -= amountCents;
    customer.payments.push(payment);
    return payment;
  }

  app.post(
    '/api/payments',
    requireSession,
    validPayment,
    expressGuard(guard, {
      ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
      attempt: (req: Request) => attemptFor(requestCustomer.get(req)!, req, { action: 'payment', verified: freshFactors(requestSession.get(req)!.session) }),
      onChallenge: challenge((decision, req) => ({
        kind: 'payment',
        customerId: decision.accountId,
        passed: [],
        anyOf: decision.stepUp!.anyOf,
        session: sessionToken(req),
        amountCents: req.body.amountCents,
        to: req.body.to,
      })),
    }),
    (req: Request, res: Response) => {
      const customer = requestCustomer.get(req)!;
      const payment = pay(customer, req.body.amountCents, req.body.to);
      if (!payment) return res.status(422).json({ error: 'insufficient_funds' });
      res.status(201).json({ payment, balanceCents: customer.balanceCents });
    },
  );

  app.post(
    '/api/phone',
    requireSession,
    (req: Request, res: Response, next: NextFunction) =>
      phoneOf(req.body?.phone) ? next() : res.status(400).json({ error: 'invalid_input', fields: ['phone'] }),
    expressGuard(guard, {
      ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
      attempt: (req: Request) =>
        attemptFor(requestCustomer.get(req)!, req, { action: 'change_phone', verified: freshFactors(requestSession.get(req)!.session) }),
      onChallenge: challenge((decision, req) => ({
        kind: 'change_phone',
        customerId: decision.accountId,
        passed: [],
        anyOf: decision.stepUp!.anyOf,
        session: sessionToken(req),
        phone: phoneOf(req.body.phone)!,
      })),
    }),
    (req: Request, res: Response) => {
      const customer = requestCustomer.get(req)!;
      bindPhone(customer, phoneOf(req.body.phone)!);
      res.json({ phone: customer.phone });
    },
  );

  function bindPhone(customer: Customer, phone: string) {
    customer.phone = phone;
    customer.phoneBoundAt = Date.now();
    delete customer.protectedSince;
  }

  // ---------------------------------------------------------------------------------------------
  // Step-up: one check per call; the pending action runs only when a whole set passed
  // ---------------------------------------------------------------------------------------------

  app.post('/api/step-up', async (req: Request, res: Response) => {
    const decisionId = typeof req.body?.decisionId === 'string' ? req.body.decisionId : '';
    const entry = pending.get(decisionId);
    const check = req.body?.check as StepUpCheck;
    if (!entry) return res.status(409).json({ error: 'step_up_rejected', reason: 'UNKNOWN_DECISION' });
    if (!entry.anyOf.some((set) => set.includes(check))) return res.status(400).json({ error: 'invalid_input', fields: ['check'] });
    const customer = customers.get(entry.customerId)!;
    const passed = runCheck(check, customer, req.body);
    const ran = [...entry.passed, check];
    const complete = passed && entry.anyOf.some((set) => set.every((item) => ran.includes(item)));
    if (passed && !complete) {
      entry.passed = ran;
      return res.status(202).json({ decisionId, passed: ran, remaining: entry.anyOf.filter((set) => ran.every((item) => set.includes(item))) });
    }
    pending.delete(decisionId);
    let result;
    try {
      result = await guard.recordOutcome(decisionId, { checks: ran, passed, accountId: customer.id });
    } catch (error) {
      const answer = guardErrorResponse(error);
      if (answer && error instanceof OutcomeRejectedError) return sendAnswer(res, answer);
      throw error;
    }
    const answer = outcomeResponse(result);
    if (result.advice?.previousHolder === 'protect_account') protect(customer);
    if (answer.body.action !== 'allow') return sendAnswer(res, answer);
    const factors = ran.map((item) => ({ check: item, at: Date.now() }));
    if (entry.kind === 'login') return sendAnswer(res, { ...answer, body: { ...answer.body, session: newSession(customer, factors) } });
    const session = sessions.get(entry.session);
    if (session) session.factors.push(...factors);
    if (entry.kind === 'payment') {
      const payment = pay(customer, entry.amountCents, entry.to);
      if (!payment) return res.status(422).json({ error: 'insufficient_funds' });
      return sendAnswer(res, { ...answer, status: 201, body: { ...answer.body, payment, balanceCents: customer.balanceCents } });
    }
    bindPhone(customer, entry.phone);
    return sendAnswer(res, { ...answer, body: { ...answer.body, phone: customer.phone } });
  });

  function runCheck(check: StepUpCheck, customer: Customer, body: Record<string, unknown>): boolean {
    if (check === 'password') return passwordOk(customer, body.password);
    if (check === 'id_match') {
      // Against the host's own KYC record; camaraIdMatchCheck asks the operator instead.
      const same = (a: unknown, b: string) => typeof a === 'string' && a.trim().toUpperCase() === b.toUpperCase();
      return same(body.name, customer.kyc.name) && same(body.idDocument, customer.kyc.idDocument) && body.birthdate === customer.kyc.birthdate;
    }
    // Simulated face vendor: a real app records its liveness/face-match vendor's verdict here.
    if (check === 'face') return body.verdict === 'match';
    return false;
  }

  app.get('/api/account', requireSession, (req: Request, res: Response) => {
    const customer = requestCustomer.get(req)!;
    res.json({ id: customer.id, name: customer.kyc.name, phone: customer.phone, balanceCents: customer.balanceCents, payments: customer.payments });
  });

  app.get('/api/admin/decisions', (req: Request, res: Response) => {
    const token = req.headers['x-admin-token'];
    if (typeof token !== 'string' || token.length !== adminToken.length || !timingSafeEqual(Buffer.from(token), Buffer.from(adminToken)))
      return res.status(403).json({ error: 'admin_token' });
    res.json({ decisions: recent, protected: [...customers.values()].filter((customer) => customer.protectedSince).map((customer) => customer.id) });
  });

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const answer = guardErrorResponse(error);
    if (answer) return sendAnswer(res, answer);
    log(`[fintech] error: ${error instanceof Error ? error.message : String(error)}`);
    res.status(500).json({ error: 'internal' });
  });

  /** History from before KYC Match was configured: the guard has seen both customers log in. */
  async function seed() {
    const importer = createGuard({ preset: 'fintech', checks: CHECKS, store, geo: GEO, hashKey });
    const seeds = [
      { customer: wang, device: 'install-wangfang', ip: '198.51.100.140', lastDaysAgo: 3 },
      { customer: liu, device: 'install-liuyang', ip: '198.51.100.150', lastDaysAgo: 150 },
      { customer: sun, device: 'install-sunli', ip: '198.51.100.140', lastDaysAgo: 5 },
    ];
    for (const { customer, device, ip, lastDaysAgo } of seeds) {
      for (let week = 3; week >= 0; week--) {
        const at = Date.now() - (lastDaysAgo + week * 7) * DAY;
        const decision = await importer.assess({
          accountId: customer.id,
          phone: customer.phone,
          phoneBoundAt: customer.phoneBoundAt,
          ip,
          userAgent: IPHONE,
          deviceId: device,
          at,
        });
        if (decision.action === 'step_up') {
          // The customer passed whichever check was asked (the first login on an old binding asks for face or ID).
          const result = await importer.recordOutcome(decision.id, {
            checks: decision.stepUp!.anyOf[0]!,
            passed: true,
            accountId: customer.id,
            at: at + 60_000,
          });
          if (!result.satisfied) throw new Error(`seeding ${customer.id}: the step-up was not accepted`);
        } else if (decision.action !== 'allow') throw new Error(`seeding ${customer.id}: a routine login was answered ${decision.action}`);
      }
    }
  }

  return { app, adminToken, guard, seed, pending, customers };
}

export async function startFintech(options: FintechOptions & { port?: number } = {}) {
  const fintech = createFintech(options);
  await fintech.seed();
  const server = fintech.app.listen(options.port ?? 3002, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    ...fintech,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
