// The example's one page: sign in with an SMS code, the step-up and the fresh-account offer.

const STYLE = `body{font:16px system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1d2433}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .3rem}input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}
button{font:inherit;margin-top:.8rem;padding:.45rem 1rem;cursor:pointer}#message{min-height:1.5rem;color:#8a3b00}
.sim{margin-top:2rem;padding:.6rem 1rem;border:1px dashed #889;background:#f6f7fb;font-size:.9rem}`;

export function page({ simulation }: { simulation: boolean }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>better-auth + recycled-number-guard</title><style>${STYLE}</style></head>
<body>
<h1>Photo drive</h1>
<p id="message" role="status"></p>
<section id="sign-in" data-panel>
  <label for="phone">Phone number</label><input id="phone" type="tel" autocomplete="tel" placeholder="+86 138 0013 8000">
  <button id="send-code" data-testid="send-code">Send code</button>
  <div id="code-row" hidden>
    <label for="code">Code from the SMS</label><input id="code" inputmode="numeric" autocomplete="one-time-code">
    <button id="verify-code" data-testid="verify-code">Sign in</button>
  </div>
</section>
<section id="step-up" data-panel hidden data-testid="step-up">
  <p id="new-holder-note" hidden>If this number is new to you, it may have belonged to someone else before.</p>
  <div id="step-up-password" hidden>
    <label for="password">Your account password</label><input id="password" type="password" autocomplete="current-password">
    <button id="submit-password" data-testid="submit-password">Continue</button>
  </div>
  <div id="fresh-account" hidden>
    <p>Not your account? Start a fresh account with this number. The previous account stays with its owner.</p>
    <button id="start-fresh" data-testid="start-fresh">Start a fresh account</button>
  </div>
</section>
<section id="signed-in" data-panel hidden data-testid="signed-in">
  <p>Signed in as <strong id="who"></strong>.</p>
  <button id="sign-out">Sign out</button>
</section>
${simulation ? '<aside class="sim"><strong>Simulation</strong> (test affordance): the SMS inbox<ul id="inbox"></ul></aside>' : ''}
<script type="module" src="/client.js"></script>
</body></html>`;
}
