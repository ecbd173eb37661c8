/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The page's script (bundled by app.ts for the browser): better-auth's client with the phoneNumber
// plugin and the guard's client plugin, and the few DOM updates the page needs.
import { createAuthClient } from 'better-auth/client';
import { phoneNumberClient } from 'better-auth/client/plugins';
import { recycledNumberGuardClient, type ClientStepUp } from 'recycled-number-guard/better-auth/client';

const authClient = createAuthClient({ baseURL: window.location.origin, basePath: '/api/auth', plugins: [phoneNumberClient(), recycledNumberGuardClient()] });

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const show = (id: string) => {
  for (const panel of document.querySelectorAll<HTMLElement>('[data-panel]')) panel.hidden = panel.id !== id;
};
const say = (text: string) => {
  $('message').textContent = text;
};

async function showSignedIn() {
  const session = await authClient.getSession();
  if (!session.data) return show('sign-in');
  $('who').textContent = session.data.user.name;
  show('signed-in');
}

function renderStepUp(state: ClientStepUp | null) {
  if (!state) return;
  const offersPassword = state.anyOf.some((set) => set.length === 1 && set[0] === 'password');
  $('step-up-password').hidden = !(state.action === 'step_up' && offersPassword);
  // On a step-up the new holder may decline (the server records a failed check) and start fresh.
  $('fresh-account').hidden = !(state.freshAccountOffered || (state.action === 'step_up' && state.newHolderAdvice === 'offer_new_account'));
  $('new-holder-note').hidden = state.newHolderAdvice !== 'offer_new_account';
  if (state.action === 'step_up') say('One more check: this sign-in looks different from your usual ones.');
  else if (state.failed) say(state.freshAccountOffered ? 'That did not match. This number may have belonged to someone else.' : 'That did not match.');
  else say('This sign-in was refused.');
  show('step-up');
}
authClient.stepUp.subscribe(renderStepUp);

$('send-code').addEventListener('click', async () => {
  const phoneNumber = $<HTMLInputElement>('phone').value.trim();
  const sent = await authClient.phoneNumber.sendOtp({ phoneNumber });
  if (sent.error) return say(sent.error.message ?? 'Could not send the code');
  say('Code sent.');
  $('code-row').hidden = false;
  await showInbox();
});

$('verify-code').addEventListener('click', async () => {
  const verified = await authClient.phoneNumber.verify({
    phoneNumber: $<HTMLInputElement>('phone').value.trim(),
    code: $<HTMLInputElement>('code').value.trim(),
  });
  if (!verified.error) return showSignedIn();
  // A step-up or a refusal is rendered by the subscription; anything else is a plain error.
  if (!authClient.stepUp.current()) say(verified.error.message ?? 'Could not sign in');
});

$('submit-password').addEventListener('click', async () => {
  const state = authClient.stepUp.current();
  if (!state) return;
  const result = await authClient.recycledNumberGuard.stepUp.password({ decisionId: state.decisionId, password: $<HTMLInputElement>('password').value });
  if (!result.error) return showSignedIn();
});

$('start-fresh').addEventListener('click', async () => {
  const state = authClient.stepUp.current();
  if (!state) return;
  const result = await authClient.recycledNumberGuard.freshAccount({ decisionId: state.decisionId });
  if (!result.error) return showSignedIn();
  say(result.error.message ?? 'Could not start a fresh account');
});

$('sign-out').addEventListener('click', async () => {
  await authClient.signOut();
  say('');
  show('sign-in');
});

async function showInbox() {
  const inbox = $('inbox');
  if (!inbox) return;
  const messages = (await (await fetch('/__sim/inbox')).json()) as { to: string; code: string }[];
  inbox.replaceChildren(
    ...messages.map((sms) => {
      const item = document.createElement('li');
      item.dataset.testid = 'sms-code';
      item.dataset.code = sms.code;
      item.textContent = `SMS to ${sms.to}: your code is ${sms.code}`;
      return item;
    }),
  );
}

void showSignedIn();
