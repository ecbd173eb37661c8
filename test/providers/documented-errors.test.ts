/**
 * Every error each vendor documents, for every provider adapter (provider-list.ts): the adapter
 * answers a typed outcome, never a verdict of "same subscriber", and through createGuard no such
 * answer lets a dormant account sign in (fintech preset: missing evidence is a step-up).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard, memoryStore, type AttemptInput } from 'recycled-number-guard';
import { echo, json, localServer, type LocalServer } from './helpers.js';
import { PROVIDERS, type DocumentedError } from './provider-list.js';

/** Bound in 2023, no history: a reissue was possible, so the carrier's word would matter. */
const ATTEMPT: AttemptInput = {
  accountId: 'acct-doc',
  phone: '+14155552671',
  phoneBoundAt: '2023-01-15T08:00:00Z',
  ip: '192.0.2.10',
  at: '2026-01-10T09:30:00Z',
};

let reply: DocumentedError | undefined;
let server: LocalServer;
beforeAll(async () => {
  server = await localServer((request, response) => json(response, reply!.status, reply!.body, echo(request)));
});
afterAll(async () => {
  await server.close();
});

describe.each(PROVIDERS)('$name', ({ name, make, documented }) => {
  it('documents at least one error of each kind it can meet', () => {
    expect(documented.length).toBeGreaterThanOrEqual(5);
    expect(new Set(documented.map((error) => error.label)).size).toBe(documented.length);
  });

  it.each(documented)('$label → $typed', async (error) => {
    reply = error;
    const provider = make(server.url);
    const answer = await provider.check({
      phone: ATTEMPT.phone,
      since: new Date(ATTEMPT.phoneBoundAt as string),
      signal: AbortSignal.timeout(5_000),
      accountId: ATTEMPT.accountId,
    });
    expect(answer.source).toBe(name);
    expect(answer.changedSince).toBeUndefined();
    expect(answer.tenureCoversSince).toBeUndefined();
    expect(answer.lastSimChange).toBeUndefined();
    expect(answer.lastDeviceChange).toBeUndefined();
    if (error.typed === 'mismatch') expect(answer).toEqual({ source: name, identityMatch: false });
    else {
      expect(answer.identityMatch).toBeUndefined();
      expect(answer.unavailable?.startsWith(`${error.typed}: `)).toBe(true);
    }

    const now = Date.parse(ATTEMPT.at as string);
    const guard = createGuard({
      numberIntel: make(server.url),
      preset: 'fintech',
      geo: false,
      hashKey: 'documented-errors-key-0123456',
      store: memoryStore({ now: () => now }),
      clock: () => now,
    });
    const decision = await guard.assess(ATTEMPT);
    expect(decision.action).not.toBe('allow');
    expect(decision.numberChangedHands).not.toBe('no');
  });
});
