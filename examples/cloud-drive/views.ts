// Server-rendered pages. Every interpolated value goes through esc(); no scripts, no CDN.
import type { StepUpCheck } from 'recycled-number-guard';
import type { Account } from './data.js';

export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** `+86 138 **** 8000`: enough for the holder to recognise the number, not enough to harvest it. */
export function maskPhone(e164: string): string {
  return `${e164.slice(0, 3)} ${e164.slice(3, 6)} **** ${e164.slice(-4)}`;
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f3f5f9;color:#1c2430}
header{background:#1f4fd1;color:#fff;padding:12px 24px;display:flex;justify-content:space-between;align-items:center}
header a{color:#fff}main{max-width:760px;margin:24px auto;padding:0 16px}
.card{background:#fff;border-radius:10px;padding:20px 24px;box-shadow:0 1px 3px #0002;margin-bottom:16px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:0 0 8px}
label{display:block;margin:10px 0 4px;font-weight:600}input,select{font:inherit;padding:8px 10px;border:1px solid #b8c1cf;border-radius:6px;width:100%}
button,.button{font:inherit;background:#1f4fd1;color:#fff;border:0;border-radius:6px;padding:9px 16px;margin-top:12px;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#e6eaf2;color:#1c2430}button.small{padding:4px 10px;margin:2px;font-size:13px}
.error{background:#fde8e8;color:#8a1c1c;padding:8px 12px;border-radius:6px}.notice{background:#fff6dd;border-left:4px solid #e0a100;padding:10px 14px;border-radius:6px}
.ok{background:#e5f6ea;border-left:4px solid #1e8e3e;padding:10px 14px;border-radius:6px}
.phone{background:#111;color:#eee;border-radius:18px;padding:14px;max-width:320px}.phone .sms{background:#2b2f36;border-radius:12px;padding:8px 12px;margin:6px 0}
.sms-code{font-size:20px;letter-spacing:3px;color:#8fd18f}table{border-collapse:collapse;width:100%;font-size:13px}
td,th{border-bottom:1px solid #e3e7ee;padding:6px;text-align:left;vertical-align:top}.files li{padding:6px 0;border-bottom:1px solid #eef}
.tag{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;font-weight:700}.allow{background:#d7f2de}.step_up{background:#fff0c2}.deny{background:#fbd5d5}
.options{display:flex;gap:10px;flex-wrap:wrap}.options form{flex:1;min-width:180px}.options button{width:100%}
.camera{width:200px;height:200px;border-radius:50%;background:radial-gradient(circle at 50% 38%,#c9d3e3 22%,#9fb0c9 23%,#9fb0c9 35%,#dfe6f1 36%);margin:8px auto;border:4px dashed #1f4fd1}
.icon{display:inline-block;width:12px;height:15px;border:2px solid #1f4fd1;border-radius:2px 6px 2px 2px;margin-right:8px;vertical-align:-2px}
.sim{border:2px dashed #c0392b;background:#fff7f6}.sim h2{color:#c0392b}.muted{color:#66707f;font-size:13px}
`;

export interface Simulation {
  /** The simulated "now" (guard clock). */
  now: number;
  city: string;
  cities: string[];
  credentials: { name: string; email: string; password: string; phone: string; idDocument: string }[];
}

export function layout(title: string, body: string, options: { signedIn?: string; simulation?: Simulation | undefined } = {}): string {
  const sim = options.simulation;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · Cloud Drive</title><style>${CSS}</style></head><body>
<header><strong>☁ Cloud Drive <span class="muted" style="color:#cdd8ff">(recycled-number-guard example)</span></strong>
<span>${options.signedIn ? `${esc(options.signedIn)} · <form method="post" action="/logout" style="display:inline"><button class="small secondary" data-testid="logout">Sign out</button></form>` : ''}</span></header>
<main>${body}${sim ? simulationPanel(sim) : ''}</main></body></html>`;
}

function simulationPanel(sim: Simulation): string {
  return `<section class="card sim" data-testid="simulation"><h2>Simulation panel (test affordance: CLOUD_DRIVE_SIMULATION=1)</h2>
<p class="muted">Never enabled in a real deployment. Simulated now: <b data-testid="sim-now">${esc(new Date(sim.now).toISOString().slice(0, 16).replace('T', ' '))} UTC</b> · you are in <b>${esc(sim.city)}</b></p>
<form method="post" action="/__sim/city" style="display:flex;gap:8px;align-items:end"><div style="flex:1"><label>City of this browser</label><select name="city">${sim.cities
    .map((city) => `<option${city === sim.city ? ' selected' : ''}>${esc(city)}</option>`)
    .join('')}</select></div><button class="small">Move</button></form>
<form method="post" action="/__sim/clock" style="display:inline"><input type="hidden" name="days" value="30"><button class="small secondary">+30 days</button></form>
<form method="post" action="/__sim/clock" style="display:inline"><input type="hidden" name="days" value="130"><button class="small secondary">+130 days</button></form>
<form method="post" action="/__sim/device" style="display:inline"><input type="hidden" name="as" value="acct-liwei"><button class="small secondary">Use Li Wei's device cookie</button></form>
<form method="post" action="/__sim/device" style="display:inline"><input type="hidden" name="as" value="new"><button class="small secondary">New device</button></form>
<form method="post" action="/__sim/reset" style="display:inline"><button class="small secondary">Reset everything</button></form>
<table><tr><th>Seeded owner</th><th>Phone</th><th>Email / password</th><th>ID document</th></tr>${sim.credentials
    .map((c) => `<tr><td>${esc(c.name)}</td><td>${esc(c.phone)}</td><td>${esc(c.email)} / ${esc(c.password)}</td><td>${esc(c.idDocument)}</td></tr>`)
    .join('')}</table></section>`;
}

export function loginPage(intent: 'login' | 'register', error?: string): string {
  const register = intent === 'register';
  return `<section class="card"><h1>${register ? 'Create your drive' : 'Sign in with your phone'}</h1>
${error ? `<p class="error" data-testid="error">${esc(error)}</p>` : ''}
<form method="post" action="/login/phone"><input type="hidden" name="intent" value="${intent}">
<label for="phone">Mobile number</label><input id="phone" name="phone" autocomplete="tel" placeholder="+86 138 0013 8000" required>
<button data-testid="send-code">Send code by SMS</button></form>
<p class="muted">${register ? 'Already have a drive? <a href="/">Sign in</a>' : 'New here? <a href="/register">Create a drive</a>'} · <a href="/password" data-testid="password-link">Sign in with email and password</a></p>
<p class="muted"><a href="/lost-number" data-testid="lost-number-link">I lost my old number: freeze my drive</a> · <a href="/number-is-mine" data-testid="number-is-mine-link">This number is mine now</a></p></section>`;
}

export interface SmsMessage {
  at: number;
  text: string;
  code: string;
}

export function codePage(phone: string, inbox: SmsMessage[], error?: string): string {
  return `<section class="card"><h1>Enter the code</h1><p>We sent a 6-digit code to <b>${esc(maskPhone(phone))}</b>.</p>
${error ? `<p class="error" data-testid="error">${esc(error)}</p>` : ''}
<form method="post" action="/login/code"><label for="code">Code</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
<button data-testid="verify-code">Continue</button></form></section>
<section class="card"><h2>Simulated SMS inbox of ${esc(maskPhone(phone))}</h2><p class="muted">Whoever holds this number's SIM receives these messages. In this example that is whoever typed the number.</p>
<div class="phone" data-testid="sms-inbox">${inbox
    .slice(-3)
    .reverse()
    .map(
      (message) =>
        `<div class="sms">${esc(message.text.replace(message.code, ''))}<span class="sms-code" data-testid="sms-code" data-code="${esc(message.code)}">${esc(message.code)}</span></div>`,
    )
    .join('')}</div></section>`;
}

const CHECK_LABEL: Record<StepUpCheck, string> = {
  password: 'Enter your password',
  id_match: 'Match your ID document',
  face: 'Face check',
  previous_password: 'Enter a previous password',
  known_address: 'Confirm your address',
  trusted_device: 'Approve on a trusted device',
  email: 'Confirm by email',
};

export function stepUpPage(anyOf: StepUpCheck[][], phone: string, offerFresh: boolean): string {
  const options = anyOf
    .map(
      (set, index) => `<form method="post" action="/step-up/start"><input type="hidden" name="set" value="${index}">
<button data-testid="step-up-option" data-checks="${esc(set.join('+'))}">${esc(set.map((check) => CHECK_LABEL[check]).join(' + '))}</button></form>`,
    )
    .join('');
  return `<section class="card" data-testid="step-up" data-any-of="${esc(JSON.stringify(anyOf))}"><h1>Confirm it's you</h1>
${
  offerFresh
    ? `<p class="notice" data-testid="maybe-new-holder">The number ${esc(maskPhone(phone))} may have belonged to someone else before you. If this is not your drive, <a href="/fresh-start">start a fresh account</a>: the previous owner's files stay private.</p>`
    : ''
}
<p>An SMS code alone is not enough to open this drive right now. Choose one way to confirm you are its owner:</p>
<div class="options">${options}</div>
<form method="post" action="/step-up/decline"><button class="secondary" data-testid="not-my-account">This isn't my account / I can't do any of these</button></form></section>`;
}

export function checkPage(check: StepUpCheck, error?: string): string {
  const err = error ? `<p class="error" data-testid="error">${esc(error)}</p>` : '';
  if (check === 'password') {
    return `<section class="card"><h1>Enter your password</h1>${err}<form method="post" action="/step-up/password">
<label for="password">Password</label><input id="password" type="password" name="password" autocomplete="current-password" required>
<button data-testid="submit-check">Confirm</button></form></section>`;
  }
  if (check === 'id_match') {
    return `<section class="card"><h1>Match your ID document</h1>${err}<p>Type the name and the number exactly as on the document you registered with.</p>
<form method="post" action="/step-up/id_match"><label for="fullname">Full name</label><input id="fullname" name="name" required>
<label for="document">Document number</label><input id="document" name="document" required><button data-testid="submit-check">Check</button></form></section>`;
  }
  if (check === 'face') {
    return `<section class="card" style="text-align:center"><h1>Face check</h1>${err}<div class="camera" aria-hidden="true"></div>
<p class="muted">Simulated: a real app hands this to its liveness and face-match vendor and records the vendor's verdict.</p>
<form method="post" action="/step-up/face" style="display:inline"><input type="hidden" name="verdict" value="match"><button data-testid="face-match">Simulate: the vendor says it is the owner</button></form>
<form method="post" action="/step-up/face" style="display:inline"><input type="hidden" name="verdict" value="no_match"><button class="secondary" data-testid="face-no-match">Simulate: someone else</button></form></section>`;
  }
  return `<section class="card"><h1>${esc(CHECK_LABEL[check])}</h1><p class="error">This example cannot run this check.</p></section>`;
}

export function freshStartPage(phone: string, reason: 'changed_hands' | 'released'): string {
  return `<section class="card" data-testid="fresh-start"><h1>This number belonged to someone else</h1>
<p>Phone numbers are reused: when someone gives up a number, the carrier later gives it to a new customer. ${
    reason === 'released'
      ? `The drive that used ${esc(maskPhone(phone))} before is no longer tied to it: it is protected and cannot be opened with an SMS code.`
      : `We could not confirm that the drive linked to ${esc(maskPhone(phone))} is yours, so it stays closed.`
  } Its files stay private, and its owner will be told to bind their current number.</p>
<p><b>Start a fresh account with ${esc(maskPhone(phone))}</b>: it is yours from today.</p>
<form method="post" action="/fresh-start"><label for="name">Your name</label><input id="name" name="name" required>
<button data-testid="start-fresh">Start a fresh account</button></form>
<p class="muted">Is the old drive yours? <a href="/password">Sign in with your email and password</a>.</p></section>`;
}

export function passwordPage(error?: string): string {
  return `<section class="card"><h1>Sign in with email and password</h1><p class="muted">For when you no longer have the phone number you signed up with.</p>
${error ? `<p class="error" data-testid="error">${esc(error)}</p>` : ''}
<form method="post" action="/password"><label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="pw">Password</label><input id="pw" name="password" type="password" autocomplete="current-password" required>
<button data-testid="password-sign-in">Sign in</button></form></section>`;
}

export function deniedPage(message: string): string {
  return `<section class="card" data-testid="denied"><h1>We could not open this drive</h1><p class="error">${esc(message)}</p><a class="button secondary" href="/">Back to sign-in</a></section>`;
}

/** What the library says about the account's protection (guard.protectionOf). */
export interface ProtectionView {
  since: string;
  reason: string;
}

const PROTECTION_WHY: Record<string, string> = {
  owner_request: 'you froze your drive',
  failed_step_up: 'someone with the number could not confirm it was you',
  carrier_event: 'the carrier says the number has a new subscriber',
  unbind_notice: 'the carrier told us the number has a new subscriber',
  number_released: 'the number was released to its new holder',
  dormancy: 'the number was not used for a long time',
};

export function drivePage(account: Account, options: { reviewBinding: boolean; flash?: string | undefined; protection?: ProtectionView | null }): string {
  const protection = options.protection;
  const banner = protection
    ? `<section class="card notice" data-testid="protected-banner"><h2>SMS sign-in is off for your drive</h2>
<p>Since ${esc(protection.since.slice(0, 10))} (${esc(PROTECTION_WHY[protection.reason] ?? protection.reason)}) someone else may hold ${esc(maskPhone(account.phone))}: carriers give unused numbers to new customers. We stopped SMS sign-in and SMS notices to it so they cannot open your drive. Bind the number you use now to turn SMS sign-in back on.</p>${rebindForm()}</section>`
    : options.reviewBinding
      ? `<section class="card notice" data-testid="review-binding"><h2>Is ${esc(maskPhone(account.phone))} still your number?</h2><p>You signed in without it. If you changed numbers, bind your current one.</p>${rebindForm()}</section>`
      : '';
  const files = account.files.length
    ? `<ul class="files" data-testid="files">${account.files.map((file) => `<li data-testid="file"><span class="icon" aria-hidden="true"></span><b>${esc(file.name)}</b> <span class="muted">${esc(file.size)} · ${esc(file.modified)}</span></li>`).join('')}</ul>`
    : `<p data-testid="empty-drive">Your drive is empty. Upload something!</p>`;
  return `${options.flash ? `<p class="ok" data-testid="flash">${esc(options.flash)}</p>` : ''}${banner}<section class="card" data-testid="drive"><h1>${esc(account.name)}'s drive</h1>${files}</section>`;
}

function rebindForm(): string {
  return `<form method="post" action="/rebind" style="display:flex;gap:8px;align-items:end"><div style="flex:1"><label for="newphone">Your current number</label><input id="newphone" name="phone" required></div><button>Send code</button></form>`;
}

export interface AdminRow {
  at: string;
  decisionId: string;
  accountId: string;
  action: string;
  wouldBe: string;
  risk: number;
  numberChangedHands: string;
  reasons: { code: string; effect: number; message: string }[];
  stepUp?: StepUpCheck[][];
  advice: { newHolder: string; previousHolder: string };
  outcome?: { checks: StepUpCheck[]; passed: boolean; action: string };
}

export function adminPage(rows: AdminRow[], accounts: (Account & { protection: ProtectionView | null })[]): string {
  return `<section class="card"><h1>Recent decisions</h1><p class="muted">Newest first. JSON: <a href="/admin/decisions.json">/admin/decisions.json</a></p>
<table data-testid="decisions"><tr><th>When</th><th>Account</th><th>Answer</th><th>Risk</th><th>Reasons</th><th>Step-up / outcome</th><th>Advice</th></tr>${rows
    .map(
      (
        row,
      ) => `<tr><td>${esc(row.at.slice(0, 16).replace('T', ' '))}</td><td>${esc(row.accountId)}</td><td><span class="tag ${esc(row.action)}">${esc(row.action)}</span>${row.wouldBe !== row.action ? ` (would be ${esc(row.wouldBe)})` : ''}<br><span class="muted">changed hands: ${esc(row.numberChangedHands)}</span></td>
<td>${(row.risk * 100).toFixed(2)}%</td><td>${row.reasons.map((reason) => `<div><code>${esc(reason.code)}</code> ${reason.effect >= 0 ? '+' : ''}${(reason.effect * 100).toFixed(2)}%<br><span class="muted">${esc(reason.message)}</span></div>`).join('')}</td>
<td>${row.stepUp ? esc(row.stepUp.map((set) => set.join('+')).join(' | ')) : '-'}${row.outcome ? `<br>→ ${esc(row.outcome.checks.join('+'))} ${row.outcome.passed ? 'passed' : 'failed'}: <span class="tag ${esc(row.outcome.action)}">${esc(row.outcome.action)}</span>` : ''}</td>
<td>${esc(row.advice.newHolder)} / ${esc(row.advice.previousHolder)}</td></tr>`,
    )
    .join('')}</table></section>
<section class="card"><h1>Accounts</h1><table data-testid="accounts"><tr><th>Account</th><th>Number</th><th>Bound</th><th>SMS sign-in</th></tr>${accounts
    .map(
      (account) =>
        `<tr><td>${esc(account.id)} (${esc(account.name)})</td><td>${esc(maskPhone(account.phone))}</td><td>${esc(new Date(account.phoneBoundAt).toISOString().slice(0, 10))}</td><td>${account.protection ? `<b>off</b> since ${esc(account.protection.since.slice(0, 10))} (protected: ${esc(account.protection.reason)})` : 'on'}</td></tr>`,
    )
    .join('')}</table></section>`;
}

/** The owner's page: "I lost my old number: freeze my drive". No SMS: the number is what he lost. */
export function lostNumberPage(error?: string): string {
  return `<section class="card" data-testid="lost-number"><h1>I lost my old number</h1>
<p>If your old number now belongs to someone else (or your SIM was lost or stolen), freeze your drive: from then on an SMS code to that number no longer opens it. Your files stay where they are; you sign in with your email and password.</p>
${error ? `<p class="error" data-testid="error">${esc(error)}</p>` : ''}
<form method="post" action="/lost-number"><label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="pw">Password</label><input id="pw" name="password" type="password" autocomplete="current-password" required>
<button data-testid="freeze">Freeze my drive</button></form></section>`;
}

export function frozenPage(since: string, already: boolean): string {
  return `<section class="card" data-testid="frozen"><h1>Your drive is frozen</h1>
<p>${already ? 'It was already frozen' : 'Done'}: since ${esc(since.slice(0, 10))} an SMS code to your old number no longer opens your drive. Whoever holds that number now cannot see your files.</p>
<p><a class="button" href="/password" data-testid="password-after-freeze">Sign in with your email and password</a></p></section>`;
}

/** The new holder's page: "This number is mine now". */
export function numberIsMinePage(error?: string): string {
  return `<section class="card" data-testid="number-is-mine"><h1>This number is mine now</h1>
<p>Got a number that someone used here before? Prove you hold it with an SMS code, and we free it from the old drive so you can start your own. The old drive's files stay private.</p>
${error ? `<p class="error" data-testid="error">${esc(error)}</p>` : ''}
<form method="post" action="/login/phone"><input type="hidden" name="intent" value="release">
<label for="phone">Your mobile number</label><input id="phone" name="phone" autocomplete="tel" placeholder="+86 138 0013 8000" required>
<button data-testid="send-code">Send code by SMS</button></form></section>`;
}

const REFUSAL_TEXT: Record<string, string> = {
  carrier_says_same_holder: 'the carrier says this number has had the same subscriber since it was linked to the existing drive.',
  owner_held_number_recently: 'the existing drive used this number recently, so it cannot have gone to someone new yet.',
  store_unavailable: 'we could not check right now. Please try again in a few minutes.',
};

export function releaseRefusedPage(reason: string): string {
  return `<section class="card" data-testid="release-refused"><h1>We cannot free this number</h1><p class="error">We cannot free it from the existing drive: ${esc(REFUSAL_TEXT[reason] ?? reason)}</p>
<a class="button secondary" href="/">Back to sign-in</a></section>`;
}
