// better-auth with its phoneNumber plugin and the recycled-number-guard plugin, on the local
// PostgreSQL server (a schema of its own) through better-auth's Kysely adapter, over real HTTP.
// Carrier evidence comes from a CAMARA Number Recycling server on 127.0.0.1 that knows which
// numbers it reissued and when; the guard's clock is injected, better-auth's is the real one.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { phoneNumber } from 'better-auth/plugins';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard } from 'recycled-number-guard';
import { recycledNumberGuard, type StepUpState } from 'recycled-number-guard/better-auth';
import { camaraNumberRecycling, createCamaraClient, hostToken } from 'recycled-number-guard/camara';
import { services } from '../services.js';
import { echo, json, localServer, type LocalServer } from '../providers/helpers.js';

const DAY = 86_400_000;
const START = Date.parse('2026-01-05T09:00:00Z');
const SCHEMA = `ba_${process.pid}_${Date.now().toString(36)}`;
const PIXEL = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const GALAXY = 'Mozilla/5.0 (Linux; Android 14; SM-S9180) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

const postgresUp = services().postgres;
if (!postgresUp && process.env.CI) {
  describe('better-auth integration', () => {
    it('needs PostgreSQL in CI', () => {
      throw new Error('no PostgreSQL on 127.0.0.1:5432: CI must start it (bash scripts/services.sh)');
    });
  });
}

/** One person's browser: a cookie jar and a user agent, over real HTTP. */
class Browser {
  private readonly cookies = new Map<string, string>();
  constructor(
    private readonly base: string,
    private readonly userAgent: string,
    device?: string,
  ) {
    if (device) this.cookies.set('device', device);
  }

  async call(path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> | null }> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, origin: this.base };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.base}/api/auth${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair!.slice(index + 1).trim());
    }
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : null };
  }

  hasCookie(pattern: RegExp): boolean {
    return [...this.cookies.keys()].some((name) => pattern.test(name));
  }
}

describe.runIf(postgresUp)('better-auth with the recycled-number-guard plugin (PostgreSQL, real HTTP)', () => {
  let now = START;
  const clock = () => now;
  const inbox = new Map<string, string>();
  /** A face-match vendor's passed sessions: session id -> the user whose face matched. */
  const faceVerdicts = new Map<string, string>();
  const detached: { previousUserId: string; newUserId: string; advice: { newHolder: string; previousHolder: string } }[] = [];
  /** What the carrier knows: when it gave each number to a new subscriber. */
  const reissuedAt = new Map<string, number>();
  /** Numbers this operator does not serve (ported away): it answers 404, the guard learns nothing. */
  const notServed = new Set<string>();
  let carrier: LocalServer;
  let server: Server;
  let base: string;
  let admin: pg.Pool;
  let pool: pg.Pool;
  let auth: ReturnType<typeof makeAuth>;

  function makeAuth(baseURL: string) {
    const guard = createGuard({
      preset: 'cloud-drive',
      checks: ['password', 'id_match', 'face'],
      geo: false,
      clock,
      numberIntel: camaraNumberRecycling(
        createCamaraClient({ apiRoot: carrier.url, auth: hostToken({ legs: 2, token: () => 'carrier-token' }), maxRetries: 0 }),
      ),
    });
    return betterAuth({
      baseURL,
      basePath: '/api/auth',
      secret: 'better-auth-test-secret-with-enough-entropy-0123456789',
      database: pool,
      emailAndPassword: { enabled: true },
      rateLimit: { enabled: false },
      // The server below overwrites x-real-ip with the TCP peer, as an edge proxy would.
      advanced: { ipAddress: { ipAddressHeaders: ['x-real-ip'] } },
      plugins: [
        phoneNumber({
          sendOTP: ({ phoneNumber: to, code }) => {
            inbox.set(to, code);
          },
          signUpOnVerification: { getTempEmail: (to) => `${to.slice(1)}@phone.example` },
        }),
        recycledNumberGuard({
          guard,
          clock,
          deviceCookie: 'device',
          onNumberDetached: (event) => void detached.push(event),
          // The face vendor's verdicts, looked up server-side by the session id the page sends.
          hostChecks: { face: ({ userId, proof }) => faceVerdicts.get(String(proof)) === userId },
        }),
      ],
    });
  }

  beforeAll(async () => {
    carrier = await localServer((request, response) => {
      const body = JSON.parse(request.body) as { phoneNumber: string; specifiedDate: string };
      if (notServed.has(body.phoneNumber))
        return json(response, 404, { status: 404, code: 'IDENTIFIER_NOT_FOUND', message: 'not a subscriber of this operator' }, echo(request));
      const reissue = reissuedAt.get(body.phoneNumber);
      json(response, 200, { phoneNumberRecycled: reissue !== undefined && reissue > Date.parse(body.specifiedDate) }, echo(request));
    });
    admin = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: 1 });
    await admin.query(`CREATE SCHEMA "${SCHEMA}"`);
    pool = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: 4, options: `-c search_path=${SCHEMA}` });
    let handler: ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
    server = createServer((request, response) => {
      request.headers['x-real-ip'] = request.socket.remoteAddress ?? '';
      handler!(request, response);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    auth = makeAuth(base);
    const { runMigrations } = await getMigrations(auth.options);
    await runMigrations();
    handler = toNodeHandler(auth);
  });

  afterAll(async () => {
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    await pool?.end();
    await admin?.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
    await admin?.end();
    await carrier?.close();
  });

  const userRow = async (where: string, value: string) =>
    (await pool.query(`SELECT * FROM "user" WHERE "${where}" = $1`, [value])).rows[0] as Record<string, any> | undefined;

  /** Sends the code and verifies it: the phoneNumber plugin's sign-in, which the guard sits inside. */
  async function smsSignIn(browser: Browser, phone: string) {
    expect((await browser.call('/phone-number/send-otp', { phoneNumber: phone })).status).toBe(200);
    return browser.call('/phone-number/verify', { phoneNumber: phone, code: inbox.get(phone)! });
  }

  /** Sign-up with email and password, then the number bound through the phoneNumber plugin. */
  async function owner(name: string, phone: string, password: string, browser: Browser) {
    const signUp = await browser.call('/sign-up/email', { name, email: `${name.toLowerCase()}@example.com`, password });
    expect(signUp.status).toBe(200);
    await browser.call('/phone-number/send-otp', { phoneNumber: phone });
    const bound = await browser.call('/phone-number/verify', { phoneNumber: phone, code: inbox.get(phone)!, updatePhoneNumber: true });
    expect(bound.status).toBe(200);
    const row = await userRow('phoneNumber', phone);
    expect(row?.phoneBoundAt).toEqual(new Date(now));
    return row!;
  }

  it("the owner's routine sign-in: allowed, a session, phoneBoundAt kept", async () => {
    now = START;
    const phone = '+8613800138000';
    const account = await owner('LiWei', phone, 'li-wei-long-password', new Browser(base, PIXEL, 'li-pixel'));
    for (const days of [3, 10, 24]) {
      now = START + days * DAY;
      const phoneBrowser = new Browser(base, PIXEL, 'li-pixel');
      const signIn = await smsSignIn(phoneBrowser, phone);
      expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
      expect(signIn.body).toMatchObject({ status: true, user: { id: account.id } });
      expect(phoneBrowser.hasCookie(/session_token$/)).toBe(true);
      const session = await phoneBrowser.call('/get-session');
      expect(session.body?.user.id).toBe(account.id);
    }
    // Signing in does not move the binding date.
    expect((await userRow('id', account.id))?.phoneBoundAt).toEqual(new Date(START));
  });

  it('the new holder of a recycled number: step-up, a failed check, a fresh account; the owner keeps hers', async () => {
    now = START;
    const phone = '+8613900139000';
    const zhang = await owner('ZhangMin', phone, 'zhang-min-long-password', new Browser(base, IPHONE, 'zhang-iphone'));
    // She stops using the number; the operator reissues it after the aging period.
    reissuedAt.set(phone, START + 200 * DAY);
    now = START + 320 * DAY;
    const newHolder = new Browser(base, GALAXY);
    const signIn = await smsSignIn(newHolder, phone);
    expect(signIn.status).toBe(401);
    expect(signIn.body).toMatchObject({
      code: 'RNG_STEP_UP',
      action: 'step_up',
      advice: { newHolder: 'offer_new_account', previousHolder: 'protect_account' },
    });
    // A carrier-confirmed reissue: two kinds of check, so a leaked password alone opens nothing.
    expect(signIn.body!.stepUp.anyOf).toEqual(expect.arrayContaining([['password', 'face']]));
    expect(newHolder.hasCookie(/session_token$/)).toBe(false);
    // The evidence: the operator was asked about this number since its binding date, and said reissued.
    expect(carrier.requests.map((request) => JSON.parse(request.body))).toContainEqual({
      phoneNumber: phone,
      specifiedDate: new Date(START).toISOString().slice(0, 10),
    });
    const decisionId = signIn.body!.decisionId as string;

    // The open step-up is a row in better-auth's verification table, with no number in clear.
    const rows = (await pool.query(`SELECT value FROM verification WHERE identifier = $1`, [`recycled-number-guard:${decisionId}`])).rows as {
      value: string;
    }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.value).not.toContain(phone.slice(1));
    const state = (await newHolder.call('/recycled-number-guard/step-up')).body as StepUpState;
    expect(state).toMatchObject({ decisionId, action: 'step_up', status: 'pending', freshAccountOffered: false, available: ['password', 'face'] });

    // The decision id alone opens nothing: another browser has no step-up for it.
    const stranger = await new Browser(base, GALAXY).call('/recycled-number-guard/step-up/password', { decisionId, password: 'zhang-min-long-password' });
    expect(stranger).toMatchObject({ status: 404, body: { code: 'RNG_NO_PENDING_STEP_UP' } });

    const guess = await newHolder.call('/recycled-number-guard/step-up/password', { decisionId, password: 'a guess' });
    expect(guess.status).toBe(403);
    expect(guess.body).toMatchObject({ code: 'RNG_STEP_UP_FAILED', action: 'deny', freshAccountOffered: true, advice: { newHolder: 'offer_new_account' } });
    expect(newHolder.hasCookie(/session_token$/)).toBe(false);
    // Single use: the right password now is too late for this decision.
    const replay = await newHolder.call('/recycled-number-guard/step-up/password', { decisionId, password: 'zhang-min-long-password' });
    expect(replay.status).toBe(409);

    const fresh = await newHolder.call('/recycled-number-guard/fresh-account', { decisionId, name: 'New holder' });
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    const session = await newHolder.call('/get-session');
    expect(session.body?.user).toMatchObject({ id: fresh.body!.userId, phoneNumber: phone, phoneNumberVerified: true });
    expect(session.body?.user.id).not.toBe(zhang.id);
    expect((await userRow('id', fresh.body!.userId))?.phoneBoundAt).toEqual(new Date(now));

    // The previous holder's account is kept, off SMS sign-in, and her password still works.
    const previous = await userRow('id', zhang.id);
    expect(previous).toMatchObject({
      email: 'zhangmin@example.com',
      phoneNumber: null,
      phoneNumberVerified: false,
      phoneBoundAt: null,
      phoneDetachedAt: new Date(now),
    });
    expect(detached).toEqual([
      { previousUserId: zhang.id, newUserId: fresh.body!.userId, advice: { newHolder: 'offer_new_account', previousHolder: 'protect_account' } },
    ]);
    const byPassword = await new Browser(base, IPHONE, 'zhang-iphone').call('/sign-in/email', {
      email: 'zhangmin@example.com',
      password: 'zhang-min-long-password',
    });
    expect(byPassword.status).toBe(200);
    expect(byPassword.body?.user.id).toBe(zhang.id);

    // The number now signs the new holder into the new account (a fresh binding, allowed).
    now += DAY;
    const again = await smsSignIn(new Browser(base, GALAXY), phone);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body?.user.id).toBe(fresh.body!.userId);
  });

  it('the owner on a new phone after a long absence: step-up with her face (not a password, which may have leaked), then a session', async () => {
    now = START;
    const phone = '+8613700137000';
    // Her operator lost the number to a port: it can no longer say whether the line changed hands.
    notServed.add(phone);
    const wang = await owner('WangFang', phone, 'wang-fang-long-password', new Browser(base, IPHONE, 'wang-iphone'));
    now = START + 200 * DAY;
    const newPhone = new Browser(base, PIXEL);
    const signIn = await smsSignIn(newPhone, phone);
    expect(signIn.status, JSON.stringify(signIn.body)).toBe(401);
    expect(signIn.body).toMatchObject({ code: 'RNG_STEP_UP', action: 'step_up' });
    expect(newPhone.hasCookie(/session_token$/)).toBe(false);

    // A possible new holder is not asked for the password where the host runs a face check.
    expect(signIn.body!.stepUp.anyOf).not.toContainEqual(['password']);
    faceVerdicts.set('face-session-wang', wang.id);
    const stepUp = await newPhone.call('/recycled-number-guard/step-up/check', {
      decisionId: signIn.body!.decisionId,
      check: 'face',
      proof: 'face-session-wang',
    });
    expect(stepUp.status, JSON.stringify(stepUp.body)).toBe(200);
    expect(stepUp.body).toMatchObject({ action: 'allow', decisionId: signIn.body!.decisionId });
    expect(newPhone.hasCookie(/session_token$/)).toBe(true);
    expect((await newPhone.call('/get-session')).body?.user.id).toBe(wang.id);
    expect((await newPhone.call('/recycled-number-guard/step-up')).body).toBeNull();
    // The number stays hers, bound since the start.
    expect(await userRow('id', wang.id)).toMatchObject({ phoneNumber: phone, phoneBoundAt: new Date(START), phoneDetachedAt: null });
  });

  it('a check the host runs elsewhere (face match): a proof the vendor never passed fails, the one it passed signs in', async () => {
    now = START;
    const phone = '+8613600136000';
    notServed.add(phone);
    const zhao = await owner('ZhaoLei', phone, 'zhao-lei-long-password', new Browser(base, IPHONE, 'zhao-iphone'));
    now = START + 200 * DAY;
    const newPhone = new Browser(base, PIXEL);
    const first = await smsSignIn(newPhone, phone);
    expect(first.status).toBe(401);
    expect(first.body!.stepUp.anyOf).toEqual(expect.arrayContaining([['face']]));
    // Not configured here: no previous-password hashes kept.
    expect(await newPhone.call('/recycled-number-guard/step-up/previous-password', { decisionId: first.body!.decisionId, password: 'x' })).toMatchObject({
      status: 404,
      body: { code: 'RNG_CHECK_NOT_CONFIGURED' },
    });
    const forged = await newPhone.call('/recycled-number-guard/step-up/check', { decisionId: first.body!.decisionId, check: 'face', proof: 'made-up-session' });
    expect(forged).toMatchObject({ status: 403, body: { code: 'RNG_STEP_UP_FAILED', action: 'deny' } });

    // A new SMS sign-in, a face session the vendor passed for her.
    faceVerdicts.set('face-session-1', zhao.id);
    const second = await smsSignIn(newPhone, phone);
    expect(second.status).toBe(401);
    const passed = await newPhone.call('/recycled-number-guard/step-up/check', { decisionId: second.body!.decisionId, check: 'face', proof: 'face-session-1' });
    expect(passed.status, JSON.stringify(passed.body)).toBe(200);
    expect((await newPhone.call('/get-session')).body?.user.id).toBe(zhao.id);
  });
});
