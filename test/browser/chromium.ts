// Launching Debian's chromium through playwright-core (Playwright's own browser download does not
// work here). Each simulated person gets a browser with a fresh profile: a device of their own.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM_PATH);

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface PersonOptions {
  /** Sent as X-Simulated-City (the example's test affordance) on every request. */
  city: string;
  /** A device cookie to start with (the owner's known phone); none = a device the app never saw. */
  device?: { name: string; value: string; url: string };
  /**
   * A phone's user agent, set through CDP so the Client Hints agree with it. With `hints` the
   * browser sends them (Chrome on Android); without, it sends none at all (Safari on an iPhone).
   */
  phone?: { userAgent: string; hints?: { platform: string; platformVersion: string; model: string } };
}

export interface Person {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchPerson(options: PersonOptions): Promise<Person> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'rng-browser-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    extraHTTPHeaders: { 'x-simulated-city': options.city },
    viewport: { width: 900, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  if (options.device) await context.addCookies([options.device]);
  if (options.phone) {
    const cdp = await context.newCDPSession(page);
    const hints = options.phone.hints;
    await cdp.send('Emulation.setUserAgentOverride', {
      userAgent: options.phone.userAgent,
      ...(hints
        ? {
            userAgentMetadata: {
              brands: [{ brand: 'Chromium', version: '131' }],
              fullVersion: '131.0.0.0',
              platform: hints.platform,
              platformVersion: hints.platformVersion,
              architecture: '',
              model: hints.model,
              mobile: true,
            },
          }
        : {}),
    });
  }
  return {
    context,
    page,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
