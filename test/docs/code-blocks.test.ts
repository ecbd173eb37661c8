// Every TypeScript block of README.md, docs/integration.md and docs/observability.md, type-checked against the sources
// (the project's strict tsconfig), and run with tsx when it can run here (memory store, no
// network). Each block has an entry below: the host names it may use (a preamble that defines
// them, as small as the block needs), whether it runs, and if not, why. A block without an entry,
// or an entry without a block, fails the suite: nothing is left out silently.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typescriptBlocks, type CodeBlock } from './blocks.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const generated = join(repo, 'test/docs/generated');
const DOCS = ['README.md', 'docs/integration.md', 'docs/observability.md'];

interface Plan {
  /** Definitions of the host's own names the block uses (the route's app, the OTP check, secrets). */
  preamble?: string;
  /** true, or why the block cannot run here. */
  run: true | string;
  /** Set when the block is not even type-checked: why (the framework it is written for is not installed). */
  skip?: string;
  /** Front-end code: type-checked with the DOM library and no Node types, in a program of its own. */
  browser?: boolean;
  /** Written with TypeScript's legacy decorators (NestJS): type-checked with experimentalDecorators, in a program of its own. */
  decorators?: boolean;
}

// req.account is what the host's OTP middleware sets, declared the way Express apps declare it.
const EXPRESS_HOST = `import express from 'express';
import type { Request, RequestHandler, Response } from 'express';
import { createGuard } from 'recycled-number-guard';
declare global {
  namespace Express {
    interface Request {
      account: { accountId: string; phone: string; phoneBoundAt: string };
    }
  }
}
const app = express();
const guard = createGuard({ checks: ['password'] });
const renderLoginForm: RequestHandler = (_req, res) => void res.send('<form method="post"></form>');
const verifySmsCode: RequestHandler = (_req, _res, next) => next();
const issueSession = (_req: Request, res: Response) => void res.cookie('session', 'opaque-session-id');
`;

const FASTIFY_HOST = `import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { createGuard, type Decision } from 'recycled-number-guard';
const app = Fastify();
const guard = createGuard({ checks: ['password'] });
const verifySmsCode = async (_request: FastifyRequest, _reply: FastifyReply) => {};
const accountOf = (_request: FastifyRequest) => ({ accountId: 'u-42', phone: '+8613800138000', phoneBoundAt: '2022-11-02T08:00:00Z' });
const issueSession = async (_request: FastifyRequest, reply: FastifyReply, decision: Decision) => reply.send({ ok: true, decisionId: decision.id });
`;

// A route handler module's host: its OTP check, password check and session, on web Request/Response.
const ROUTE_HANDLER_HOST = `import { createGuard } from 'recycled-number-guard';
const guard = createGuard({ checks: ['password'] });
const verifySmsCode = async (_phone?: string, _code?: string): Promise<{ accountId: string; phone: string; phoneBoundAt: string } | null> => null;
const checkPassword = async (_accountId: string, _password: unknown) => false;
const createSession = (accountId: string) => Response.json({ signedIn: accountId }, { headers: { 'set-cookie': 'session=opaque-session-id; HttpOnly; Secure; SameSite=Lax' } });
`;

// A Nest app's own pieces: the request types, its OTP guard, its password check and session.
const NEST_HOST = `import type { CanActivate } from '@nestjs/common';
import type { Request } from 'express';
import { createGuard } from 'recycled-number-guard';
const guard = createGuard({ checks: ['password'] });
type SignInRequest = Request & { account: { accountId: string; phone: string; phoneBoundAt: string } };
type StepUpRequest = Request & { body: { decisionId: string; accountId: string; password: string } };
class SmsCodeGuard implements CanActivate {
  canActivate() {
    return true;
  }
}
const checkPassword = async (_accountId: string, _password: unknown) => false;
const issueSession = (accountId: string) => ({ signedIn: accountId });
`;

const AUTHJS_HOST = `import { createGuard } from 'recycled-number-guard';
const guard = createGuard({ checks: ['password'] });
type Account = { accountId: string; phone: string; phoneBoundAt: string };
const verifySmsCode = async (_phone: unknown, _code: unknown): Promise<Account | null> => null;
const accountByPhone = async (_phone: unknown): Promise<Account | null> => null;
const checkPassword = async (_accountId: string, _password: unknown) => false;
`;

const PLANS: Record<string, Plan> = {
  'README.md › Use': {
    // The request as Node's http hands it over, behind a load balancer at 10.0.0.5.
    preamble: `const req = {
  headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36', 'x-forwarded-for': '198.51.100.7' },
  socket: { remoteAddress: '10.0.0.5' },
  cookies: { device: 'device-token-1' },
};
`,
    run: true,
  },
  'README.md › Integrate in five minutes (Express, Fastify, Next.js, NestJS, better-auth, Auth.js)': { run: true },
  'README.md › Express': { preamble: EXPRESS_HOST, run: true },
  'README.md › Fastify': { preamble: FASTIFY_HOST, run: true },
  'README.md › Next.js route handler (App Router)': { preamble: ROUTE_HANDLER_HOST, run: true },
  'README.md › better-auth': {
    preamble: `import { createGuard } from 'recycled-number-guard';
const guard = createGuard({ checks: ['password'] });
const sms = { send: async (_to: string, _text: string) => {} };
`,
    run: 'needs a database and an HTTP server: test/integrations/better-auth.test.ts runs this setup on PostgreSQL over HTTP',
  },
  'README.md › Carrier evidence': {
    preamble: `import { generateKeyPairSync } from 'node:crypto';
const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const sid = 'AC00000000000000000000000000000000';
const token = 'twilio-auth-token';
`,
    run: true,
  },
  'README.md › Stores': { run: 'connects to Redis and PostgreSQL servers, not the memory store (the store suites run these calls against both)' },
  'README.md › Audit trail': { run: true },
  'README.md › Dispute evidence': { run: true },
  'README.md › Messages in English and Chinese': { run: true },
  'docs/integration.md › Language: `Accept-Language`': { run: true },
  'docs/integration.md › Evidence export for disputes': { run: true },
  'docs/integration.md › Five-minute integration': { run: true },
  'docs/integration.md › Express': { preamble: EXPRESS_HOST, run: true },
  'docs/integration.md › Fastify': { preamble: FASTIFY_HOST, run: true },
  'docs/integration.md › Next.js route handler (App Router)': { preamble: ROUTE_HANDLER_HOST, run: true },
  'docs/integration.md › Next.js route handler (App Router) #2': { preamble: ROUTE_HANDLER_HOST, run: true },
  'docs/integration.md › NestJS guard': {
    preamble: NEST_HOST,
    run: "legacy decorators: tsx follows this repository's tsconfig, which compiles standard decorators (test/integrations/nestjs.test.ts runs the guards on Nest)",
    decorators: true,
  },
  'docs/integration.md › better-auth (phone-number plugin)': {
    // The host's SMS gateway, face-match vendor and mailer.
    preamble: `const sms = { send: async (_to: string, _text: string) => {} };
const faceVendor = { passed: async (_session: string, _userId: string) => true };
const mail = { bindACurrentNumber: async (_userId: string) => {} };
`,
    run: 'needs a database and an HTTP server: test/integrations/better-auth.test.ts runs this setup on PostgreSQL over HTTP',
  },
  'docs/integration.md › better-auth (phone-number plugin) #2': {
    preamble: `const showFreshAccountOffer = (_decisionId: string) => {};
const showStepUpChoices = (_anyOf: string[][], _decisionId: string) => {};
const goHome = () => {};
`,
    run: 'browser code: it calls the page’s own origin (examples/better-auth runs the same calls in Chromium)',
    browser: true,
  },
  'docs/integration.md › Auth.js (Credentials providers + `signIn` callback)': { preamble: AUTHJS_HOST, run: true },
  'docs/observability.md › Observability (OpenTelemetry)': { run: true },
  'docs/integration.md › Acting on the answer in the front end': {
    // The page's own functions and the form's values.
    preamble: `const phone = '+8613800138000';
const code = '123456';
const showFreshAccountOffer = () => {};
const goHome = () => {};
const showStepUpChoices = (_anyOf: string[][], _decisionId: string, _expiresAt: string) => {};
const showCannotSignIn = () => {};
`,
    run: 'browser code: it fetches a path of the page’s own origin',
    browser: true,
  },
  'docs/integration.md › Acting on the answer in the front end #2': {
    // A step-up decision to report on, as the login route made it.
    preamble: `import { createGuard } from 'recycled-number-guard';
import { outcomeResponse } from 'recycled-number-guard/http';
const guard = createGuard({ checks: ['password'], geo: false });
const decision = await guard.assess({ accountId: 'u-42', phone: '+8613800138000', phoneBoundAt: '2022-11-02T08:00:00Z', ip: '198.51.100.7' });
if (decision.action !== 'step_up') throw new Error('expected a step-up to report on');
const decisionId = decision.id;
const passed = true;
const accountId = 'u-42';
const protectAccount = (_accountId: string) => {};
`,
    run: true,
  },
};

interface Planned {
  key: string;
  block: CodeBlock;
  plan: Plan;
  file: string;
}

const blocks: Planned[] = [];
const counts = new Map<string, number>();
for (const doc of DOCS) {
  for (const block of typescriptBlocks(repo, join(repo, doc))) {
    const base = `${doc} › ${block.heading}`;
    const n = (counts.get(base) ?? 0) + 1;
    counts.set(base, n);
    const key = n === 1 ? base : `${base} #${n}`;
    blocks.push({ key, block, plan: PLANS[key]!, file: join(generated, `block-${blocks.length + 1}.ts`) });
  }
}

/** Imports first (they are hoisted anyway), then the preamble, then the block. */
function source({ block, plan }: Planned): string {
  const preamble = plan.preamble ?? '';
  const importLines = (text: string) => text.split('\n').filter((line) => /^import\s/.test(line));
  const otherLines = (text: string) => text.split('\n').filter((line) => !/^import\s/.test(line));
  return [...importLines(preamble), ...importLines(block.code), ...otherLines(preamble), ...otherLines(block.code), 'export {};', ''].join('\n');
}

let diagnostics = '';

function typecheck(config: string): string {
  try {
    execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(generated, config)], {
      cwd: repo,
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: 240_000,
    });
    return '';
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
  }
}

beforeAll(() => {
  rmSync(generated, { recursive: true, force: true });
  mkdirSync(generated, { recursive: true });
  for (const planned of blocks) if (planned.plan && !planned.plan.skip) writeFileSync(planned.file, source(planned));
  const base = (planned: Planned) => planned.file.slice(generated.length + 1);
  const server = blocks.filter((planned) => planned.plan && !planned.plan.skip && !planned.plan.browser && !planned.plan.decorators).map(base);
  const browser = blocks.filter((planned) => planned.plan?.browser).map(base);
  const decorated = blocks.filter((planned) => planned.plan?.decorators && !planned.plan.skip).map(base);
  writeFileSync(
    join(generated, 'tsconfig.json'),
    JSON.stringify({ extends: '../../../tsconfig.json', compilerOptions: { noEmit: true, types: ['node'] }, files: server }),
  );
  writeFileSync(
    join(generated, 'tsconfig.browser.json'),
    JSON.stringify({ extends: '../../../tsconfig.json', compilerOptions: { noEmit: true, types: [], lib: ['ES2022', 'DOM'] }, files: browser }),
  );
  writeFileSync(
    join(generated, 'tsconfig.decorators.json'),
    JSON.stringify({ extends: '../../../tsconfig.json', compilerOptions: { noEmit: true, types: ['node'], experimentalDecorators: true }, files: decorated }),
  );
  diagnostics = typecheck('tsconfig.json') + typecheck('tsconfig.browser.json') + typecheck('tsconfig.decorators.json');
}, 300_000);

afterAll(() => rmSync(generated, { recursive: true, force: true }));

describe('TypeScript blocks of the README, docs/integration.md and docs/observability.md', () => {
  it('every block has a plan, and every plan a block', () => {
    expect(blocks.filter((planned) => !planned.plan).map((planned) => `${planned.key} (${planned.block.where})`)).toEqual([]);
    const found = new Set(blocks.map((planned) => planned.key));
    expect(Object.keys(PLANS).filter((key) => !found.has(key))).toEqual([]);
  });

  for (const planned of blocks) {
    const { key, block, plan } = planned;
    if (!plan) continue;
    if (plan.skip) {
      it.skip(`${block.where} ${key}: ${plan.skip}`, () => {});
      continue;
    }
    const runs = plan.run === true ? '' : ` (not run: ${plan.run})`;
    it(`${block.where} ${key}: type-checks${runs}`, () => {
      const name = planned.file.slice(repo.length);
      const mine = diagnostics.split('\n').filter((line) => line.includes(name.replace(/^\//, '')) || line.includes(planned.file));
      expect(mine).toEqual([]);
    });
    if (plan.run === true) {
      it(`${block.where} ${key}: runs (memory store, no network)`, () => {
        const env = { ...process.env };
        delete env.RNG_HASH_KEY;
        const child = spawnSync(process.execPath, ['--import', 'tsx', planned.file], { cwd: repo, encoding: 'utf8', timeout: 120_000, env });
        expect(child.signal, child.stderr).toBeNull();
        expect(child.status, child.stderr).toBe(0);
      }, 150_000);
    }
  }

  it('the type-check found nothing outside the blocks either (nor about its own configuration)', () => {
    expect(diagnostics.split('\n').filter((line) => /error TS/.test(line) && !/^test\/docs\/generated\/block-\d+\.ts\(/.test(line))).toEqual([]);
  });
});
