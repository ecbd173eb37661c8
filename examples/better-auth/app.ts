// The better-auth example: phone + SMS sign-in with better-auth's phoneNumber plugin, guarded by
// the recycled-number-guard plugin; one HTML page driven by better-auth's client and the guard's
// client plugin (bundled for the browser at start-up).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { betterAuth } from 'better-auth';
import { memoryAdapter } from 'better-auth/adapters/memory';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { phoneNumber } from 'better-auth/plugins';
import { build } from 'esbuild';
import type pg from 'pg';
import { createGuard, type StepUpCheck } from 'recycled-number-guard';
import { recycledNumberGuard } from 'recycled-number-guard/better-auth';
import { acceptClientHints, readCookie } from 'recycled-number-guard/http';
import { page } from './page.js';

const DAY = 86_400_000;
const DEVICE_COOKIE = 'device';
// Declare only the checks this app can run: its page offers the password step-up and nothing else.
// (A host that declares a face or ID check is asked for it when the number may have changed hands.)
const CHECKS: StepUpCheck[] = ['password'];

export interface BetterAuthExampleOptions {
  port?: number;
  /** A PostgreSQL pool (its search_path decides the schema); default: better-auth's memory adapter. */
  pool?: pg.Pool;
  /**
   * TEST AFFORDANCES, off by default (env EXAMPLE_SIMULATION=1 in server.ts): the SMS inbox is shown
   * on the page and `/__sim/clock` moves the guard's clock. Never where real people sign in.
   */
  simulation?: boolean;
  /** better-auth's secret; default a random one per start (sessions end with the process). */
  secret?: string;
}

/** The account the example seeds: an owner with a password and a bound number. */
export const OWNER = { name: 'Li Wei', email: 'li.wei@example.com', password: 'li-wei-long-password', phone: '+8613800138000' };

export async function startBetterAuthExample(options: BetterAuthExampleOptions = {}) {
  let now = Date.now();
  const clock = () => now;
  const inbox: { to: string; code: string }[] = [];
  const guard = createGuard({ preset: 'cloud-drive', checks: CHECKS, geo: false, clock });
  await guard.ready();

  let baseURL = 'http://127.0.0.1';
  const server = createServer((request, response) => void route(request, response));
  await new Promise<void>((done) => server.listen(options.port ?? 0, '127.0.0.1', done));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const auth = betterAuth({
    baseURL,
    basePath: '/api/auth',
    secret: options.secret ?? randomBytes(32).toString('base64url'),
    database: options.pool ?? memoryAdapter({ user: [], session: [], account: [], verification: [] }),
    emailAndPassword: { enabled: true },
    // route() overwrites x-real-ip with the TCP peer, as your edge proxy would.
    advanced: { ipAddress: { ipAddressHeaders: ['x-real-ip'] } },
    plugins: [
      phoneNumber({
        sendOTP: ({ phoneNumber: to, code }) => {
          // An SMS gateway goes here; the simulation shows the message on the page instead.
          inbox.unshift({ to, code });
        },
        signUpOnVerification: { getTempEmail: (to) => `${to.slice(1)}@phone.example` },
      }),
      recycledNumberGuard({ guard, clock, deviceCookie: DEVICE_COOKIE }),
    ],
  });
  if (options.pool) await (await getMigrations(auth.options)).runMigrations();
  const handle = toNodeHandler(auth);

  // The owner: an email-and-password account whose number was bound 30 days ago.
  const context = await auth.$context;
  now -= 30 * DAY;
  const created = await auth.api.signUpEmail({ body: { name: OWNER.name, email: OWNER.email, password: OWNER.password } });
  await context.internalAdapter.updateUser(created.user.id, { phoneNumber: OWNER.phone, phoneNumberVerified: true });
  now += 30 * DAY;

  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./client.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    target: 'es2022',
    alias: { 'recycled-number-guard/better-auth/client': fileURLToPath(new URL('../../src/integrations/better-auth/client.ts', import.meta.url)) },
    logLevel: 'silent',
  });
  const clientJs = bundle.outputFiles[0]!.text;

  async function route(request: IncomingMessage, response: ServerResponse) {
    try {
      request.headers['x-real-ip'] = request.socket.remoteAddress ?? '';
      const url = new URL(request.url ?? '/', baseURL);
      if (url.pathname.startsWith('/api/auth/')) return void (await handle(request, response));
      if (request.method === 'GET' && url.pathname === '/') {
        // Ask for the phone model on the page that serves the form; its POSTs then carry it.
        acceptClientHints(response);
        if (!readCookie(request, DEVICE_COOKIE)) {
          response.setHeader('set-cookie', `${DEVICE_COOKIE}=${randomBytes(16).toString('base64url')}; HttpOnly; SameSite=Lax; Path=/; Max-Age=31536000`);
        }
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        return void response.end(page({ simulation: options.simulation === true }));
      }
      if (request.method === 'GET' && url.pathname === '/client.js') {
        response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        return void response.end(clientJs);
      }
      if (options.simulation && request.method === 'GET' && url.pathname === '/__sim/inbox') {
        response.writeHead(200, { 'content-type': 'application/json' });
        return void response.end(JSON.stringify(inbox.slice(0, 5)));
      }
      if (options.simulation && request.method === 'POST' && url.pathname === '/__sim/clock') {
        const days = Number(url.searchParams.get('days'));
        if (!Number.isFinite(days) || days < 0 || days > 3650) return void response.writeHead(400).end();
        now += days * DAY;
        response.writeHead(200, { 'content-type': 'application/json' });
        return void response.end(JSON.stringify({ now: new Date(now).toISOString() }));
      }
      response.writeHead(404).end('not found');
    } catch (error) {
      console.error(error);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    }
  }

  return {
    url: baseURL,
    auth,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
