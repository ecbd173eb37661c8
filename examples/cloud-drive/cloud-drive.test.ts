// Drives the cloud-drive example over HTTP (the browser tests in test/browser do the same with Chromium).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../test/examples/http-client.js';
import { startCloudDrive } from './app.js';

type Drive = Awaited<ReturnType<typeof startCloudDrive>>;
const LI_WEI_FILES = ['Family photos 2023', 'Apartment lease (signed).pdf', 'Tax return 2024.pdf'];
/** The simulation panel lists the seeded owners (a test affordance); what the app shows is the rest. */
const appPart = (html: string) => html.replace(/<section class="card sim"[\s\S]*?<\/section>/, '');

/** Phone number -> code (read from the on-page SMS inbox) -> the page the app lands on. */
async function smsLogin(client: Client, phone: string, city: string, intent: 'login' | 'register' = 'login') {
  await client.get('/');
  expect((await client.post('/login/phone', { phone, intent })).location).toBe('/login/code');
  const codePage = await client.get('/login/code');
  const code = /data-code="(\d{6})"/.exec(codePage.text)?.[1];
  expect(code).toMatch(/^\d{6}$/);
  return client.follow(await client.post('/login/code', { code: code! }, { 'x-simulated-city': city }));
}

async function decisions(drive: Drive) {
  const response = await fetch(`${drive.url}/admin/decisions.json`);
  return (await response.json()) as {
    decisions: {
      accountId: string;
      action: string;
      stepUp?: string[][];
      advice: { newHolder: string; previousHolder: string };
      outcome?: { passed: boolean };
    }[];
    accounts: { id: string; protectedSince: number | null }[];
  };
}

describe('cloud-drive example (simulation on)', () => {
  let drive: Drive;
  beforeAll(async () => {
    drive = await startCloudDrive({ port: 0, simulation: true, log: () => {} });
  });
  afterAll(() => drive?.close());

  it("the owner's routine login on his phone lands in the drive", async () => {
    const owner = new Client(drive.url);
    owner.setCookie('cd_device', 'seed-liwei-iphone');
    const page = await smsLogin(owner, '+86 138 0013 8000', 'Shenzhen');
    expect(page.text).toContain("Li Wei's drive");
    for (const file of LI_WEI_FILES) expect(page.text).toContain(file);
    expect((await decisions(drive)).decisions[0]).toMatchObject({ accountId: 'acct-liwei', action: 'allow' });
  });

  it('months later the new holder of the number is stepped up, never sees the files, and starts fresh; the old account is protected', async () => {
    await fetch(`${drive.url}/__sim/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ days: 130 }) });
    const stranger = new Client(drive.url);
    const seen: string[] = [];
    const stepUp = await smsLogin(stranger, '13800138000', 'Guangzhou');
    seen.push(stepUp.text);
    expect(stepUp.text).toContain("Confirm it's you");
    const decision = (await decisions(drive)).decisions[0]!;
    expect(decision).toMatchObject({ accountId: 'acct-liwei', action: 'step_up' });
    const offered = [...stepUp.text.matchAll(/data-checks="([^"]+)"/g)].map((match) => match[1]!.split('+'));
    expect(offered).toEqual(decision.stepUp);

    // A possible new holder is not offered the password (it may have leaked): the face or the ID.
    expect(offered).not.toContainEqual(['password']);
    // A wrong ID three times fails the step-up; the guard then advises a fresh account.
    const idSet = offered.findIndex((set) => set.length === 1 && set[0] === 'id_match');
    expect((await stranger.post('/step-up/start', { set: String(idSet) })).location).toBe('/step-up/id_match');
    for (let i = 0; i < 2; i++) seen.push((await stranger.post('/step-up/id_match', { document: 'G12345678', name: 'Chen Jie' })).text);
    const fresh = await stranger.follow(await stranger.post('/step-up/id_match', { document: 'G87654321', name: 'Chen Jie' }));
    seen.push(fresh.text);
    expect(fresh.text).toContain('This number belonged to someone else');
    expect(fresh.text).not.toContain('already registered');
    const drivePage = await stranger.follow(await stranger.post('/fresh-start', { name: 'Chen Jie' }));
    seen.push(drivePage.text);
    expect(drivePage.text).toContain("Chen Jie's drive");
    expect(drivePage.text).toContain('Your drive is empty');
    for (const text of seen) for (const file of LI_WEI_FILES) expect(text).not.toContain(file);
    for (const text of seen) expect(appPart(text)).not.toContain('Li Wei');

    const state = await decisions(drive);
    expect(state.decisions[0]?.outcome).toMatchObject({ passed: false });
    expect(state.accounts.find((account) => account.id === 'acct-liwei')?.protectedSince).toEqual(expect.any(Number));

    // The number now opens the new holder's own drive.
    const again = new Client(drive.url);
    expect((await smsLogin(again, '+8613800138000', 'Guangzhou')).text).toContain("Chen Jie's drive");
  });

  it('the previous holder gets back in with his password from a new city, with the protection banner, and binds his current number', async () => {
    await fetch(`${drive.url}/__sim/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ days: 5 }) });
    const owner = new Client(drive.url);
    await owner.get('/');
    const page = await owner.follow(await owner.post('/password', { email: 'liwei@example.cn', password: 'li-wei-2019' }, { 'x-simulated-city': 'Shanghai' }));
    expect(page.text).toContain("Li Wei's drive");
    expect(page.text).toContain('SMS sign-in is off for your drive');
    for (const file of LI_WEI_FILES) expect(page.text).toContain(file);

    expect((await owner.post('/rebind', { phone: '+86 139 8888 0000' })).location).toBe('/login/code');
    const code = /data-code="(\d{6})"/.exec((await owner.get('/login/code')).text)![1]!;
    const bound = await owner.follow(await owner.post('/login/code', { code }));
    expect(bound.text).toContain('SMS sign-in is on again');
    expect(bound.text).not.toContain('SMS sign-in is off');
  });

  it('a "register" on a bound number offers a fresh account straight away instead of "already registered"', async () => {
    const stranger = new Client(drive.url);
    const page = await smsLogin(stranger, '+86 139 1234 5678', 'Beijing', 'register');
    expect(page.text).toContain('may have belonged to someone else');
    expect(page.text).not.toContain('Wedding album');
    const decision = (await decisions(drive)).decisions[0]!;
    expect(decision).toMatchObject({
      accountId: 'acct-zhangmin',
      action: 'step_up',
      advice: { newHolder: 'offer_new_account', previousHolder: 'protect_account' },
    });
  });

  it('admin view lists decisions with reasons, for local connections', async () => {
    const admin = await fetch(`${drive.url}/admin`);
    const html = await admin.text();
    expect(html).toContain('Recent decisions');
    expect(html).toContain('dormant_beyond_aging');
    expect(html).toContain('register_on_bound_number');
  });
});

describe('cloud-drive example (simulation off, the default)', () => {
  let drive: Drive;
  beforeAll(async () => {
    drive = await startCloudDrive({ port: 0, log: () => {} });
  });
  afterAll(() => drive?.close());

  it('has no test affordances: no /__sim routes, no panel, and the simulated-city header is ignored', async () => {
    expect((await fetch(`${drive.url}/__sim/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"days":130}' })).status).toBe(
      404,
    );
    const client = new Client(drive.url);
    const home = await client.get('/');
    expect(home.text).not.toContain('Simulation panel');
    // Li Wei's usual phone from "Shanghai" by header: loopback stays Shenzhen, so the region is known.
    client.setCookie('cd_device', 'seed-liwei-iphone');
    expect((await smsLogin(client, '+8613800138000', 'Shanghai')).text).toContain("Li Wei's drive");
    const last = (await (await fetch(`${drive.url}/admin/decisions.json`)).json()) as { decisions: { reasons: { code: string }[] }[] };
    const codes = last.decisions[0]!.reasons.map((reason) => reason.code);
    expect(codes).toContain('known_region');
    expect(codes).not.toContain('new_region');
  });
});
