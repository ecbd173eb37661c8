// The better-auth example in a real browser: the page drives better-auth's client with the guard's
// client plugin: a routine SMS sign-in, the owner on a new phone through a password step-up, and a
// new holder of the number who declines the check and starts a fresh account.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNER, startBetterAuthExample } from '../../examples/better-auth/app.js';
import { services } from '../services.js';
import { chromiumAvailable, CHROMIUM_PATH, launchPerson, type Person } from './chromium.js';

const SHOTS = join(process.cwd(), 'test-output', 'browser');
const SCHEMA = `ba_browser_${process.pid}_${Date.now().toString(36)}`;
const REDUCED_ANDROID = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const PIXEL = { userAgent: REDUCED_ANDROID, hints: { platform: 'Android', platformVersion: '14.0.0', model: 'Pixel 8' } };
const IPHONE = {
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
};

if (!chromiumAvailable) {
  if (process.env.CI) {
    describe('better-auth browser test', () => {
      it('needs chromium in CI', () => {
        throw new Error(`chromium not found at ${CHROMIUM_PATH}: CI must install it (apt-get install -y chromium)`);
      });
    });
  } else {
    console.warn(`better-auth browser test skipped: chromium not found at ${CHROMIUM_PATH}`);
  }
}

type Example = Awaited<ReturnType<typeof startBetterAuthExample>>;

// Launching Chromium takes seconds on an idle machine and a minute or more on a busy 2-core one.
describe.runIf(chromiumAvailable)('better-auth example in Chromium', { timeout: 180_000 }, () => {
  let example: Example;
  let admin: pg.Pool | undefined;
  let pool: pg.Pool | undefined;
  const people: Person[] = [];

  const person = async (phone: Parameters<typeof launchPerson>[0]['phone']) => {
    const launched = await launchPerson({ city: 'Shenzhen', ...(phone ? { phone } : {}) });
    people.push(launched);
    return launched;
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `better-auth-${name}.png`), fullPage: true });

  async function smsSignIn(page: Page) {
    await page.goto(`${example.url}/`);
    await page.fill('#phone', OWNER.phone);
    await page.click('[data-testid="send-code"]');
    const code = await page.locator('[data-testid="sms-code"]').first().getAttribute('data-code');
    expect(code).toMatch(/^\d{6}$/);
    await page.fill('#code', code!);
    await page.click('[data-testid="verify-code"]');
  }

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    // On the PostgreSQL server (a schema of its own) when it runs; else better-auth's memory adapter.
    if (services().postgres) {
      admin = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: 1 });
      await admin.query(`CREATE SCHEMA "${SCHEMA}"`);
      pool = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: 4, options: `-c search_path=${SCHEMA}` });
    }
    example = await startBetterAuthExample({ simulation: true, ...(pool ? { pool } : {}) });
  });

  afterAll(async () => {
    for (const launched of people) await launched.close().catch(() => {});
    await example?.close();
    await pool?.end();
    await admin?.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
    await admin?.end();
  });

  it("the owner's routine sign-in on her phone goes straight through", async () => {
    const { page } = await person(PIXEL);
    await smsSignIn(page);
    await page.waitForSelector('[data-testid="signed-in"]');
    expect(await page.textContent('#who')).toBe(OWNER.name);
    await shot(page, 'a-owner-routine-sign-in');
  });

  it('the owner on a new phone after 200 days: a password step-up, then signed in', async () => {
    const moved = await fetch(`${example.url}/__sim/clock?days=200`, { method: 'POST' });
    expect(moved.status).toBe(200);
    const { page } = await person(IPHONE);
    await smsSignIn(page);
    await page.waitForSelector('[data-testid="step-up"]');
    await page.waitForSelector('#step-up-password:not([hidden])');
    expect(await page.textContent('#message')).toContain('One more check');
    // No session yet: the page's session call finds none.
    expect((await page.context().cookies()).some((cookie) => cookie.name.endsWith('session_token'))).toBe(false);
    await shot(page, 'b-owner-new-phone-step-up');

    await page.fill('#password', OWNER.password);
    await page.click('[data-testid="submit-password"]');
    await page.waitForSelector('[data-testid="signed-in"]');
    expect(await page.textContent('#who')).toBe(OWNER.name);
    expect((await page.context().cookies()).some((cookie) => cookie.name.endsWith('session_token'))).toBe(true);
    await shot(page, 'b-owner-new-phone-signed-in');
  });

  it('a new holder of the number, 200 days later again, declines the check and starts a fresh account', async () => {
    expect((await fetch(`${example.url}/__sim/clock?days=200`, { method: 'POST' })).status).toBe(200);
    const { page } = await person(PIXEL);
    await smsSignIn(page);
    await page.waitForSelector('[data-testid="step-up"]');
    await page.waitForSelector('#fresh-account:not([hidden])');
    const offer = await page.textContent('[data-testid="step-up"]');
    expect(offer).toContain('Start a fresh account');
    expect(offer).not.toMatch(/already registered/i);
    expect(offer).not.toContain(OWNER.name);
    await shot(page, 'c-new-holder-offered-fresh-account');

    await page.click('[data-testid="start-fresh"]');
    await page.waitForSelector('[data-testid="signed-in"]');
    // The fresh account is named after the number until its holder picks a name.
    expect(await page.textContent('#who')).toBe(OWNER.phone);
    await shot(page, 'c-new-holder-fresh-account');
  });
});
