/**
 * Carrier answers are cached under the number. KYC Match answers are about one account's holder,
 * so a cached match for one account must never be reused for another account on the same number.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createGuard, memoryStore, type AttemptInput, type Decision } from 'recycled-number-guard';
import { camaraKycMatch, camaraNumberRecycling, createCamaraClient, hostToken } from 'recycled-number-guard/camara';
import { echo, json, localServer, type LocalServer } from './helpers.js';

const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const AT = Date.parse('2026-03-02T09:00:00Z');
const PHONE = '+34629255833';
const BOUND = '2025-01-10T08:00:00Z';
// The operator's subscriber of PHONE is Ana Ruiz; only her identity matches.
const IDENTITIES: Record<string, { givenName: string; familyName: string }> = {
  'acct-ana': { givenName: 'Ana', familyName: 'Ruiz' },
  'acct-bob': { givenName: 'Bob', familyName: 'Stone' },
};

async function operator() {
  const server = await localServer((request, response) => {
    if (request.url.includes('/kyc-match/')) {
      const body = JSON.parse(request.body) as { givenName?: string; familyName?: string };
      const same = body.givenName === 'Ana' && body.familyName === 'Ruiz';
      json(
        response,
        200,
        {
          givenNameMatch: same ? 'true' : 'false',
          givenNameMatchScore: same ? undefined : 10,
          familyNameMatch: same ? 'true' : 'false',
          familyNameMatchScore: same ? undefined : 5,
        },
        echo(request),
      );
      return;
    }
    // Number Recycling: inconclusive (the operator keeps no subscription history before this date).
    json(response, 404, { status: 404, code: 'IDENTIFIER_NOT_FOUND', message: 'not served' }, echo(request));
  });
  servers.push(server);
  return server;
}

const identityReasons = (decision: Decision) =>
  decision.reasons.map((reason) => reason.code).filter((code) => code === 'identity_match' || code === 'identity_mismatch');

describe('account-scoped carrier answers', () => {
  it('a KYC Match answer cached for one account is not reused for another account on the same number', async () => {
    const server = await operator();
    const client = createCamaraClient({ apiRoot: server.url, auth: hostToken({ legs: 2, token: () => 't' }) });
    const guard = createGuard({
      geo: false,
      hashKey: 'account-scope-test-key-0123456789',
      store: memoryStore({ now: () => AT }),
      clock: () => AT,
      numberIntel: [camaraNumberRecycling(client), camaraKycMatch(client, { identityFor: (accountId) => IDENTITIES[accountId] ?? null })],
    });
    const attempt = (accountId: string): AttemptInput => ({ accountId, phone: PHONE, phoneBoundAt: BOUND, ip: '192.0.2.10', at: AT });
    const kycRequests = () => server.requests.filter((request) => request.url.includes('/kyc-match/')).length;

    const ana = await guard.assess(attempt('acct-ana'));
    expect(identityReasons(ana)).toEqual(['identity_match']);
    expect(kycRequests()).toBe(1);

    // Same number, same binding date, another account: the operator must be asked again.
    const bob = await guard.assess(attempt('acct-bob'));
    expect(kycRequests()).toBe(2);
    expect(identityReasons(bob)).toEqual(['identity_mismatch']);
    expect(bob.risk).toBeGreaterThan(ana.risk);

    // Bob's answer is now the cached one; it is Bob's only, so Ana's next login asks again too.
    const anaAgain = await guard.assess(attempt('acct-ana'));
    expect(kycRequests()).toBe(3);
    expect(identityReasons(anaAgain)).toEqual(['identity_match']);

    // The same account reuses its own cached answer.
    const anaThird = await guard.assess(attempt('acct-ana'));
    expect(kycRequests()).toBe(3);
    expect(anaThird.evidence.numberIntel).toBe('cached');
    expect(identityReasons(anaThird)).toEqual(['identity_match']);
  });
});
