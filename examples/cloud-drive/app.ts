// The cloud-drive example: phone + SMS login guarded by recycled-number-guard, server-rendered.
import { randomBytes, randomInt } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { createGuard, memoryStore, OutcomeRejectedError, type Decision, type Guard, type StepUpCheck } from 'recycled-number-guard';
import {
  attemptFromRequest,
  clientIp,
  decisionResponse,
  expressAcceptClientHints,
  guardErrorResponse,
  readCookie,
  type AttemptFields,
} from 'recycled-number-guard/http';
import { CITIES, DAY, GEO, checkPassword, hashPassword, isCity, seedHistory, seedOwners, type Account, type CityName, type SeedOwner } from './data.js';
import {
  adminPage,
  checkPage,
  codePage,
  deniedPage,
  drivePage,
  freshStartPage,
  frozenPage,
  layout,
  loginPage,
  lostNumberPage,
  numberIsMinePage,
  passwordPage,
  releaseRefusedPage,
  stepUpPage,
  type AdminRow,
  type SmsMessage,
  type Simulation,
} from './views.js';

export interface CloudDriveOptions {
  /**
   * TEST AFFORDANCES, off by default (env CLOUD_DRIVE_SIMULATION=1 in server.ts): the
   * `X-Simulated-City` request header and a per-session city replace the client's address with a
   * city's, `/__sim/*` moves the guard's clock and swaps device cookies, and every page shows the
   * simulation panel. Never enable them where real people sign in: they let a client choose the
   * evidence the guard sees.
   */
  simulation?: boolean;
  /** Your load balancers; forwarded headers are believed only from them. Default none. */
  trustedProxies?: string[];
  /** One line per decision; default console.log. */
  log?: (line: string) => void;
}

const DEVICE_COOKIE = 'cd_device';
const SESSION_COOKIE = 'cd_session';
const SIM_CITY_HEADER = 'x-simulated-city';
const OTP_TTL_MS = 5 * 60_000;
const MAX_TRIES = 3;
/** Binding a new number needs a strong check this recent (password or a passed step-up). */
const REBIND_WINDOW_MS = 15 * 60_000;
const CHECKS: StepUpCheck[] = ['password', 'id_match', 'face'];

interface Challenge {
  decisionId: string;
  accountId: string;
  anyOf: StepUpCheck[][];
  expiresAt: number;
  phone: string;
  via: 'sms' | 'password';
  offerFresh: boolean;
  set?: number;
  passed: StepUpCheck[];
  wrong: number;
}

type OtpIntent = 'login' | 'register' | 'rebind' | 'release';

interface Session {
  id: string;
  accountId?: string;
  strongAt?: number;
  /** The non-SMS checks behind `strongAt`: what `guard.unprotect` is shown when a current number is bound. */
  strongChecks?: StepUpCheck[];
  reviewBinding?: boolean;
  otp?: { phone: string; code: string; intent: OtpIntent; expiresAt: number; wrong: number };
  challenge?: Challenge;
  offer?: { phone: string; reason: 'changed_hands' | 'released' };
  passwordWrong?: number;
  flash?: string;
  simCity?: CityName;
}

interface World {
  guard: Guard;
  accounts: Map<string, Account>;
  owners: SeedOwner[];
  sessions: Map<string, Session>;
  inbox: Map<string, SmsMessage[]>;
  log: AdminRow[];
}

const randomId = (bytes = 16) => randomBytes(bytes).toString('base64url');

export function normalizePhone(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length > 32) return undefined;
  const parsed = parsePhoneNumberFromString(raw, 'CN');
  return parsed?.isValid() ? parsed.number : undefined;
}

export async function createCloudDrive(options: CloudDriveOptions = {}) {
  const simulation = options.simulation ?? false;
  const trustedProxies = options.trustedProxies ?? [];
  const log = options.log ?? ((line: string) => console.log(line));
  // The guard's clock. Real time, shifted only by the simulation's /__sim/clock.
  let offsetMs = 0;
  const clock = () => Date.now() + offsetMs;
  let seeding = false;
  let world: World;

  async function build(): Promise<World> {
    const rows: AdminRow[] = [];
    const guard = createGuard({
      preset: 'cloud-drive',
      checks: CHECKS,
      geo: GEO,
      store: memoryStore({ now: clock }),
      clock,
      onDecision: (decision) => {
        if (seeding) return;
        rows.unshift(adminRow(decision));
        rows.length = Math.min(rows.length, 200);
        log(
          `[guard] ${decision.accountId}: ${decision.action} (risk ${(decision.risk * 100).toFixed(2)}%) ${decision.reasons
            .slice(0, 3)
            .map((reason) => reason.code)
            .join(', ')}`,
        );
      },
      onError: (error, stage) => log(`[guard] ${stage}: ${error instanceof Error ? error.message : String(error)}`),
    });
    const now = clock();
    const owners = seedOwners();
    const accounts = new Map<string, Account>();
    for (const owner of owners) {
      const { password, ...account } = owner.account;
      accounts.set(account.id, { ...account, passwordHash: hashPassword(password), createdAt: account.phoneBoundAt });
    }
    seeding = true;
    try {
      for (const owner of owners) await seedHistory(guard, owner, now);
    } finally {
      seeding = false;
    }
    return { guard, accounts, owners, sessions: new Map(), inbox: new Map(), log: rows };
  }
  world = await build();

  function adminRow(decision: Decision): AdminRow {
    return {
      at: decision.at,
      decisionId: decision.id,
      accountId: decision.accountId,
      action: decision.action,
      wouldBe: decision.wouldBe,
      risk: decision.risk,
      numberChangedHands: decision.numberChangedHands,
      reasons: decision.reasons.map(({ code, effect, message }) => ({ code, effect, message })),
      ...(decision.stepUp ? { stepUp: decision.stepUp.anyOf } : {}),
      advice: { newHolder: decision.advice.newHolder, previousHolder: decision.advice.previousHolder },
    };
  }

  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: '8kb' }));
  app.use(express.json({ limit: '8kb' }));
  // Every page asks for the model and platform version, so the login POST carries them.
  app.use(expressAcceptClientHints());

  // Sessions and the host's device cookie: the device token the guard remembers (hashed).
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.setHeader('cache-control', 'no-store');
    let sid = readCookie(req, SESSION_COOKIE);
    let session = sid ? world.sessions.get(sid) : undefined;
    if (!session) {
      sid = randomId();
      session = { id: sid };
      world.sessions.set(sid, session);
      res.append('set-cookie', `${SESSION_COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Lax`);
    }
    res.locals.session = session;
    if (!readCookie(req, DEVICE_COOKIE)) res.append('set-cookie', deviceCookie(randomId()));
    next();
  });

  const sessionOf = (res: Response) => res.locals.session as Session;
  const accountOf = (session: Session) => (session.accountId ? world.accounts.get(session.accountId) : undefined);

  /** TEST AFFORDANCE (simulation only): the city chosen by header, else by the panel. */
  function simulatedCity(req: Request, session: Session): CityName | undefined {
    if (!simulation) return undefined;
    const header = req.headers[SIM_CITY_HEADER];
    return isCity(header) ? header : session.simCity;
  }

  function simulationState(req: Request, session: Session): Simulation | undefined {
    if (!simulation) return undefined;
    return {
      now: clock(),
      city: simulatedCity(req, session) ?? 'Shenzhen (loopback)',
      cities: Object.keys(CITIES),
      credentials: world.owners.map(({ account }) => ({
        name: account.name,
        email: account.email ?? '',
        password: account.password,
        phone: account.phone,
        idDocument: account.idDocument ?? '',
      })),
    };
  }

  function page(res: Response, title: string, body: string, status = 200) {
    const session = sessionOf(res);
    const account = accountOf(session);
    res
      .status(status)
      .type('html')
      .send(layout(title, body, { ...(account ? { signedIn: account.name } : {}), simulation: simulationState(res.req, session) }));
  }

  /** The attempt for the guard: the request's evidence plus what this app knows about the account. */
  function attemptFor(req: Request, session: Session, fields: AttemptFields) {
    const attempt = attemptFromRequest(req, { ...fields, deviceCookie: DEVICE_COOKIE, trustedProxies });
    // TEST AFFORDANCE (simulation only): a city chosen by header or panel stands in for the client's address.
    const city = simulatedCity(req, session);
    if (city) attempt.ip = CITIES[city].ip;
    return attempt;
  }

  /** The newest binding of a number owns it: after a fresh start, the number leads to the new account. */
  function accountForPhone(phone: string): Account | undefined {
    return [...world.accounts.values()].filter((account) => account.phone === phone).sort((a, b) => b.phoneBoundAt - a.phoneBoundAt)[0];
  }

  // No protection state in this app: the library keeps it (guard.protect, freeze, releaseNumber,
  // and the guard itself after a failed step-up or a carrier event), and assess enforces it.

  function signIn(session: Session, account: Account, strongChecks: StepUpCheck[], reviewBinding = false) {
    session.accountId = account.id;
    session.reviewBinding = reviewBinding;
    if (strongChecks.length > 0) {
      session.strongAt = clock();
      session.strongChecks = strongChecks;
    } else {
      delete session.strongAt;
      delete session.strongChecks;
    }
    delete session.challenge;
    delete session.offer;
    delete session.otp;
  }

  /** Acts on a decision. The page is chosen from the same body a JSON API would send. */
  function afterDecision(res: Response, session: Session, account: Account, decision: Decision, via: 'sms' | 'password') {
    const { body } = decisionResponse(decision);
    if (body.action === 'allow') {
      signIn(session, account, via === 'password' ? ['password'] : [], body.advice.previousHolder === 'review_binding');
      return res.redirect(303, '/drive');
    }
    const offerFresh = via === 'sms' && body.advice.newHolder === 'offer_new_account';
    if (offerFresh) session.offer = { phone: account.phone, reason: 'changed_hands' };
    if (body.action === 'step_up' && body.stepUp) {
      session.challenge = {
        decisionId: decision.id,
        accountId: account.id,
        anyOf: body.stepUp.anyOf,
        expiresAt: Date.parse(body.stepUp.expiresAt),
        phone: account.phone,
        via,
        offerFresh,
        passed: [],
        wrong: 0,
      };
      return res.redirect(303, '/step-up');
    }
    if (offerFresh) return res.redirect(303, '/fresh-start');
    return page(res, 'Not possible', deniedPage('We could not confirm that this drive is yours.'), 403);
  }

  // ---------------------------------------------------------------------------------------------
  // Phone + SMS code
  // ---------------------------------------------------------------------------------------------

  app.get('/', (_req, res) => {
    if (sessionOf(res).accountId) return res.redirect(303, '/drive');
    page(res, 'Sign in', loginPage('login'));
  });
  app.get('/register', (_req, res) => page(res, 'Create a drive', loginPage('register')));

  function sendCode(session: Session, phone: string, intent: OtpIntent) {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    session.otp = { phone, code, intent, expiresAt: clock() + OTP_TTL_MS, wrong: 0 };
    const messages = world.inbox.get(phone) ?? [];
    messages.push({ at: clock(), code, text: `Cloud Drive: your code is ${code}` });
    world.inbox.set(phone, messages.slice(-10));
  }

  app.post('/login/phone', (req, res) => {
    const session = sessionOf(res);
    const intent = req.body?.intent === 'register' ? 'register' : req.body?.intent === 'release' ? 'release' : 'login';
    const phone = normalizePhone(req.body?.phone);
    if (!phone) {
      const error = 'That does not look like a mobile number.';
      return intent === 'release' ? page(res, 'This number is mine now', numberIsMinePage(error), 400) : page(res, 'Sign in', loginPage(intent, error), 400);
    }
    sendCode(session, phone, intent);
    res.redirect(303, '/login/code');
  });

  app.get('/login/code', (_req, res) => {
    const otp = sessionOf(res).otp;
    if (!otp) return res.redirect(303, '/');
    page(res, 'Enter the code', codePage(otp.phone, world.inbox.get(otp.phone) ?? []));
  });

  app.post('/login/code', async (req, res) => {
    const session = sessionOf(res);
    const otp = session.otp;
    if (!otp || otp.expiresAt < clock()) {
      delete session.otp;
      return page(res, 'Sign in', loginPage('login', 'The code expired. Ask for a new one.'), 400);
    }
    if (typeof req.body?.code !== 'string' || req.body.code.trim() !== otp.code) {
      otp.wrong += 1;
      if (otp.wrong >= MAX_TRIES) {
        delete session.otp;
        return page(res, 'Sign in', loginPage('login', 'Too many wrong codes. Ask for a new one.'), 400);
      }
      return page(res, 'Enter the code', codePage(otp.phone, world.inbox.get(otp.phone) ?? [], 'That code is not right.'), 400);
    }
    delete session.otp;
    // The SMS code is right: the person holds the SIM. Whose account that opens is the guard's question.
    if (otp.intent === 'rebind') return finishRebind(res, session, otp.phone);
    if (otp.intent === 'release') return startRelease(req, res, session, otp.phone);
    const account = accountForPhone(otp.phone);
    if (!account) {
      // A number nobody uses: nothing to take over, so the new drive needs no assessment.
      return createAccount(
        res,
        session,
        otp.phone,
        otp.intent === 'register' ? 'Welcome! Your new drive is ready.' : 'This number had no drive yet, so we made you a new one.',
      );
    }
    // A protected account needs no check here: the guard never lets the SMS code alone into it.
    const decision = await world.guard.assess(
      attemptFor(req, session, {
        accountId: account.id,
        phone: account.phone,
        phoneBoundAt: account.phoneBoundAt,
        action: otp.intent === 'register' ? 'register' : 'login',
        verified: ['sms_otp'],
      }),
    );
    return afterDecision(res, session, account, decision, 'sms');
  });

  function createAccount(res: Response, session: Session, phone: string, flash: string, name = 'New user') {
    const account: Account = { id: `acct-${randomId(9)}`, name, phone, phoneBoundAt: clock(), files: [], createdAt: clock() };
    world.accounts.set(account.id, account);
    signIn(session, account, []);
    session.flash = flash;
    return res.redirect(303, '/drive');
  }

  // ---------------------------------------------------------------------------------------------
  // Step-up, per decision.stepUp.anyOf
  // ---------------------------------------------------------------------------------------------

  function liveChallenge(session: Session): Challenge | undefined {
    const challenge = session.challenge;
    if (challenge && challenge.expiresAt < clock()) {
      delete session.challenge;
      return undefined;
    }
    return challenge;
  }

  app.get('/step-up', (_req, res) => {
    const challenge = liveChallenge(sessionOf(res));
    if (!challenge) return res.redirect(303, '/');
    page(res, "Confirm it's you", stepUpPage(challenge.anyOf, challenge.phone, challenge.offerFresh));
  });

  app.post('/step-up/start', (req, res) => {
    const challenge = liveChallenge(sessionOf(res));
    const index = Number(req.body?.set);
    if (!challenge || !Number.isInteger(index) || !challenge.anyOf[index]) return res.redirect(303, '/step-up');
    challenge.set = index;
    challenge.passed = [];
    res.redirect(303, `/step-up/${challenge.anyOf[index]![0]}`);
  });

  /** The check the person must do next, or undefined when the URL names another one. */
  function expectedCheck(challenge: Challenge | undefined, check: string): StepUpCheck | undefined {
    if (!challenge || challenge.set === undefined) return undefined;
    const next = challenge.anyOf[challenge.set]!.find((item) => !challenge.passed.includes(item));
    return next === check ? next : undefined;
  }

  app.get('/step-up/:check', (req, res) => {
    const check = expectedCheck(liveChallenge(sessionOf(res)), String(req.params.check));
    if (!check) return res.redirect(303, '/step-up');
    page(res, 'Confirm', checkPage(check));
  });

  app.post('/step-up/decline', async (_req, res) => {
    const session = sessionOf(res);
    const challenge = liveChallenge(session);
    if (!challenge) return res.redirect(303, '/');
    // Declining every offered check is a failed step-up: the guard remembers it, and says what to do.
    return finishStepUp(res, session, challenge, [...new Set(challenge.anyOf.flat())], false);
  });

  app.post('/step-up/:check', async (req, res) => {
    const session = sessionOf(res);
    const challenge = liveChallenge(session);
    const check = expectedCheck(challenge, String(req.params.check));
    if (!challenge || !check) return res.redirect(303, '/step-up');
    const account = world.accounts.get(challenge.accountId)!;
    const verdict = runCheck(check, account, req.body ?? {});
    if (verdict === 'retry' && ++challenge.wrong < MAX_TRIES) {
      return page(
        res,
        'Confirm',
        checkPage(check, `That did not match. ${MAX_TRIES - challenge.wrong} ${MAX_TRIES - challenge.wrong === 1 ? 'try' : 'tries'} left.`),
        400,
      );
    }
    if (verdict !== 'pass') return finishStepUp(res, session, challenge, [...challenge.passed, check], false);
    challenge.passed.push(check);
    const set = challenge.anyOf[challenge.set!]!;
    const next = set.find((item) => !challenge.passed.includes(item));
    if (next) return res.redirect(303, `/step-up/${next}`);
    return finishStepUp(res, session, challenge, set, true);
  });

  /** 'retry' for a typo-able answer, 'fail' for a verdict (the face vendor said no). */
  function runCheck(check: StepUpCheck, account: Account, body: Record<string, unknown>): 'pass' | 'retry' | 'fail' {
    const text = (value: unknown) => (typeof value === 'string' ? value.trim().toUpperCase().replace(/\s+/g, ' ') : '');
    switch (check) {
      case 'password':
        return typeof body.password === 'string' && checkPassword(account, body.password) ? 'pass' : 'retry';
      case 'id_match':
        if (!account.idDocument) return 'fail';
        return text(body.document).replace(/ /g, '') === account.idDocument && text(body.name) === text(account.name) ? 'pass' : 'retry';
      case 'face':
        // Simulated vendor verdict; a real app records what its liveness/face-match vendor answered.
        return body.verdict === 'match' ? 'pass' : 'fail';
      default:
        return 'fail';
    }
  }

  async function finishStepUp(res: Response, session: Session, challenge: Challenge, checks: StepUpCheck[], passed: boolean) {
    delete session.challenge;
    const account = world.accounts.get(challenge.accountId)!;
    let result;
    try {
      result = await world.guard.recordOutcome(challenge.decisionId, { checks, passed, accountId: challenge.accountId });
    } catch (error) {
      if (error instanceof OutcomeRejectedError)
        return page(res, 'Start again', deniedPage('This confirmation expired or was already used. Please sign in again.'), 409);
      throw error;
    }
    const row = world.log.find((entry) => entry.decisionId === challenge.decisionId);
    if (row) row.outcome = { checks, passed, action: result.action };
    if (result.action === 'allow') {
      // The SMS code plus a strong check: the owner holds the number again, so a protection is lifted
      // (the library asks for a passed check at the preset's high bar; a weaker one leaves it on).
      if (challenge.via === 'sms') await world.guard.unprotect(account.id, { checks, passed: true });
      signIn(session, account, checks, challenge.via === 'password');
      session.flash = 'Thanks, that confirmed it. Welcome back!';
      return res.redirect(303, '/drive');
    }
    // The guard protected the account itself when this failure points at a new holder (cloud-drive's protectOnFailedStepUp).
    if (challenge.via === 'sms' && result.advice?.newHolder === 'offer_new_account') {
      session.offer = { phone: challenge.phone, reason: 'changed_hands' };
      return res.redirect(303, '/fresh-start');
    }
    return page(res, 'Not possible', deniedPage('We could not confirm that this drive is yours.'), 403);
  }

  // ---------------------------------------------------------------------------------------------
  // Fresh start for the new holder of a number
  // ---------------------------------------------------------------------------------------------

  app.get('/fresh-start', (_req, res) => {
    const offer = sessionOf(res).offer;
    if (!offer) return res.redirect(303, '/');
    page(res, 'A fresh start', freshStartPage(offer.phone, offer.reason));
  });

  /** Every drive this number is bound to, as the library's release takes them. */
  const bindingsOf = (phone: string) =>
    [...world.accounts.values()].filter((account) => account.phone === phone).map((account) => ({ accountId: account.id, phoneBoundAt: account.phoneBoundAt }));

  app.post('/fresh-start', async (req, res) => {
    const session = sessionOf(res);
    const offer = session.offer;
    if (!offer) return res.redirect(303, '/');
    // The number is freed from the old drive only where the library concludes it changed hands; a
    // step-up left open (the person took the "fresh account" link) counts as declined.
    let result = await world.guard.releaseNumber({ phone: offer.phone, proofOfPossession: 'sms_otp', bindings: bindingsOf(offer.phone) });
    const challenge = liveChallenge(session);
    if (challenge && result.refused.some((refusal) => refusal.reason === 'needs_failed_step_up' && refusal.accountId === challenge.accountId)) {
      delete session.challenge;
      await world.guard
        .recordOutcome(challenge.decisionId, { checks: [...new Set(challenge.anyOf.flat())], passed: false, accountId: challenge.accountId })
        .catch(() => undefined);
      result = await world.guard.releaseNumber({ phone: offer.phone, proofOfPossession: 'sms_otp', bindings: bindingsOf(offer.phone) });
    }
    if (result.refused.length > 0) return page(res, 'Not possible', releaseRefusedPage(result.refused[0]!.reason), 409);
    const name = typeof req.body?.name === 'string' && req.body.name.trim() ? req.body.name.trim().slice(0, 60) : 'New user';
    return createAccount(res, session, offer.phone, 'Welcome! This drive and this number are yours now.', name);
  });

  // ---------------------------------------------------------------------------------------------
  // "This number is mine now": the new holder asks for the number to be released
  // ---------------------------------------------------------------------------------------------

  app.get('/number-is-mine', (_req, res) => page(res, 'This number is mine now', numberIsMinePage()));

  /** After the SMS code: the library decides whether the old drives let go of the number. */
  async function startRelease(req: Request, res: Response, session: Session, phone: string) {
    const bindings = bindingsOf(phone);
    if (bindings.length === 0) return createAccount(res, session, phone, 'This number had no drive yet, so we made you a new one.');
    const result = await world.guard.releaseNumber({ phone, proofOfPossession: 'sms_otp', bindings });
    if (result.refused.length === 0) {
      session.offer = { phone, reason: 'released' };
      return res.redirect(303, '/fresh-start');
    }
    const pending = result.refused.find((refusal) => refusal.reason === 'needs_failed_step_up');
    if (pending) {
      // Possible, but nothing says so yet: the guard's step-up on the old drive decides. Its owner
      // passes it; anyone else fails or declines it, and is then offered a fresh account.
      const account = world.accounts.get(pending.accountId)!;
      const decision = await world.guard.assess(
        attemptFor(req, session, { accountId: account.id, phone, phoneBoundAt: account.phoneBoundAt, action: 'register', verified: ['sms_otp'] }),
      );
      return afterDecision(res, session, account, decision, 'sms');
    }
    return page(res, 'Not possible', releaseRefusedPage(result.refused[0]!.reason), 409);
  }

  // ---------------------------------------------------------------------------------------------
  // "I lost my old number": the owner freezes the drive without an SMS code
  // ---------------------------------------------------------------------------------------------

  app.get('/lost-number', (_req, res) => page(res, 'I lost my old number', lostNumberPage()));

  app.post('/lost-number', async (req, res) => {
    const email = typeof req.body?.email === 'string' ? req.body.email.trim().toLowerCase() : '';
    const account = [...world.accounts.values()].find((candidate) => candidate.email === email);
    if (!account) return page(res, 'I lost my old number', lostNumberPage('Email or password is wrong.'), 401);
    // The app runs the check; the library takes its result, rate-limits per account and audits.
    const passed = typeof req.body?.password === 'string' && checkPassword(account, req.body.password);
    const result = await world.guard.freeze({ accountId: account.id, proof: { check: 'password', passed } });
    if (result.frozen) return page(res, 'Frozen', frozenPage(result.since!, result.reason === 'already_frozen'));
    const why =
      result.reason === 'rate_limited'
        ? ['Too many attempts. Try again in an hour.', 429]
        : result.reason === 'store_unavailable'
          ? ['We could not freeze your drive right now. Please try again.', 503]
          : ['Email or password is wrong.', 401];
    return page(res, 'I lost my old number', lostNumberPage(why[0] as string), why[1] as number);
  });

  // ---------------------------------------------------------------------------------------------
  // Email + password, for owners who lost their number; binding a current number
  // ---------------------------------------------------------------------------------------------

  app.get('/password', (_req, res) => page(res, 'Sign in', passwordPage()));

  app.post('/password', async (req, res) => {
    const session = sessionOf(res);
    if ((session.passwordWrong ?? 0) >= 5) return page(res, 'Sign in', passwordPage('Too many attempts. Try again later.'), 429);
    const email = typeof req.body?.email === 'string' ? req.body.email.trim().toLowerCase() : '';
    const account = [...world.accounts.values()].find((candidate) => candidate.email === email);
    if (!account || typeof req.body?.password !== 'string' || !checkPassword(account, req.body.password)) {
      session.passwordWrong = (session.passwordWrong ?? 0) + 1;
      return page(res, 'Sign in', passwordPage('Email or password is wrong.'), 401);
    }
    // No SMS here: the guard still scores device, place and history, and knows the password passed.
    const decision = await world.guard.assess(
      attemptFor(req, session, { accountId: account.id, phone: account.phone, phoneBoundAt: account.phoneBoundAt, action: 'login', verified: ['password'] }),
    );
    return afterDecision(res, session, account, decision, 'password');
  });

  app.post('/rebind', (req, res) => {
    const session = sessionOf(res);
    const account = accountOf(session);
    if (!account) return res.redirect(303, '/');
    if (session.strongAt === undefined || clock() - session.strongAt > REBIND_WINDOW_MS) {
      session.flash = 'To bind a number, sign in with your password first (it proves it is you, not the holder of the old number).';
      return res.redirect(303, '/drive');
    }
    const phone = normalizePhone(req.body?.phone);
    const other = phone ? accountForPhone(phone) : undefined;
    if (!phone || (other && other.id !== account.id)) {
      session.flash = phone ? 'That number is linked to another drive.' : 'That does not look like a mobile number.';
      return res.redirect(303, '/drive');
    }
    sendCode(session, phone, 'rebind');
    res.redirect(303, '/login/code');
  });

  async function finishRebind(res: Response, session: Session, phone: string) {
    const account = accountOf(session);
    if (!account || session.strongAt === undefined || clock() - session.strongAt > REBIND_WINDOW_MS) return res.redirect(303, '/');
    account.phone = phone;
    account.phoneBoundAt = clock();
    // The owner proved a strong check minutes ago and now holds the new number: SMS sign-in back on.
    await world.guard.unprotect(account.id, { checks: session.strongChecks ?? ['password'], passed: true });
    session.reviewBinding = false;
    session.flash = 'Your current number is bound. SMS sign-in is on again.';
    return res.redirect(303, '/drive');
  }

  app.get('/drive', async (_req, res) => {
    const session = sessionOf(res);
    const account = accountOf(session);
    if (!account) return res.redirect(303, '/');
    const flash = session.flash;
    delete session.flash;
    const protection = await world.guard.protectionOf(account.id);
    page(res, 'Your drive', drivePage(account, { reviewBinding: session.reviewBinding === true, flash, protection }));
  });

  app.post('/logout', (_req, res) => {
    const session = sessionOf(res);
    world.sessions.delete(session.id);
    res.append('set-cookie', `${SESSION_COOKIE}=; Path=/; Max-Age=0`);
    res.redirect(303, '/');
  });

  // ---------------------------------------------------------------------------------------------
  // Admin: recent decisions. Only for clients on this machine; behind a reverse proxy on this
  // machine, list it in trustedProxies or every visitor would look local.
  // ---------------------------------------------------------------------------------------------

  const localOnly = (req: Request, res: Response, next: NextFunction) => {
    const peer = clientIp(req, { trustedProxies });
    if (peer === '127.0.0.1' || peer === '::1') return next();
    res.status(404).type('text').send('not found');
  };
  /** Every account with what the library says about its protection. */
  const accountsWithProtection = () =>
    Promise.all([...world.accounts.values()].map(async (account) => ({ ...account, protection: await world.guard.protectionOf(account.id) })));
  app.get('/admin', localOnly, async (_req, res) => page(res, 'Admin', adminPage(world.log, await accountsWithProtection())));
  app.get('/admin/decisions.json', localOnly, async (_req, res) => {
    const accounts = await accountsWithProtection();
    res.json({
      decisions: world.log,
      accounts: accounts.map(({ id, name, phone, phoneBoundAt, protection }) => ({
        id,
        name,
        phone,
        phoneBoundAt,
        protectedSince: protection ? Date.parse(protection.since) : null,
        protectionReason: protection?.reason ?? null,
      })),
    });
  });

  // ---------------------------------------------------------------------------------------------
  // TEST AFFORDANCES: registered only with simulation on.
  // ---------------------------------------------------------------------------------------------

  if (simulation) {
    const back = (req: Request, res: Response, state: Record<string, unknown>) =>
      req.is('json') ? res.json({ now: clock(), ...state }) : res.redirect(303, '/');
    app.post('/__sim/clock', localOnly, (req, res) => {
      const days = Number(req.body?.days);
      if (!Number.isFinite(days) || days < 0 || days > 3650) return res.status(400).json({ error: 'days: a number of days from 0 to 3650' });
      offsetMs += days * DAY;
      back(req, res, { offsetDays: offsetMs / DAY });
    });
    app.post('/__sim/city', localOnly, (req, res) => {
      if (!isCity(req.body?.city)) return res.status(400).json({ error: `city: one of ${Object.keys(CITIES).join(', ')}` });
      sessionOf(res).simCity = req.body.city;
      back(req, res, { city: req.body.city });
    });
    app.post('/__sim/device', localOnly, (req, res) => {
      const owner = world.owners.find((candidate) => candidate.account.id === req.body?.as);
      if (req.body?.as !== 'new' && !owner) return res.status(400).json({ error: 'as: "new" or a seeded account id' });
      res.append('set-cookie', deviceCookie(owner ? owner.deviceId : randomId()));
      back(req, res, { device: owner ? owner.deviceId : 'new' });
    });
    app.post('/__sim/reset', localOnly, async (req, res) => {
      offsetMs = 0;
      world = await build();
      back(req, res, {});
    });
    app.get('/__sim/state', localOnly, (_req, res) => res.json({ now: clock(), offsetDays: offsetMs / DAY }));
  }

  // Errors never sign anybody in: invalid input is a 400 page, anything else a 500 page.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const answer = guardErrorResponse(error);
    log(`[app] error: ${error instanceof Error ? error.message : String(error)}`);
    page(
      res,
      'Error',
      deniedPage(answer ? 'Your request could not be read. Please start again.' : 'Something went wrong. Please try again.'),
      answer?.status ?? 500,
    );
  });

  return { app, clock, world: () => world };
}

function deviceCookie(value: string): string {
  return `${DEVICE_COOKIE}=${value}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax`;
}

export async function startCloudDrive(options: CloudDriveOptions & { port?: number; host?: string } = {}) {
  const drive = await createCloudDrive(options);
  const server = drive.app.listen(options.port ?? 3000, options.host ?? '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    ...drive,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
