// KYC Match evidence for the fintech example.
//
// THIS IS WHERE THE CAMARA KYC MATCH ADAPTER GOES. In production replace `localKycMatch(...)` with
//
//   import { camaraKycMatch, createCamaraClient, clientCredentials } from 'recycled-number-guard/camara';
//   const kyc = camaraKycMatch(createCamaraClient({ apiRoot, auth: clientCredentials({...}) }), { identityFor });
//
// with the same `identityFor`: the operator then compares your customer's identity with the
// subscriber of the number, and nothing else in the app changes. Here the operator's side is a
// small in-process register, so the example runs offline and shows what a mismatch does.
import type { NumberIntelAnswer } from 'recycled-number-guard';
import type { AccountScopedProvider } from 'recycled-number-guard/evidence';
import type { NumberIntelRequest } from 'recycled-number-guard/types';

/** The decisive attributes, as CAMARA KYC Match takes them (a subset). */
export interface Identity {
  name: string;
  /** YYYY-MM-DD */
  birthdate: string;
  idDocument: string;
}

/**
 * The operator's record of who subscribes to each number today: the data KYC Match compares
 * against. Simulated here; at a real operator it changes when a number is reissued.
 */
export class SubscriberRegister {
  private readonly subscribers = new Map<string, Identity>();

  set(phone: string, subscriber: Identity): void {
    this.subscribers.set(phone, subscriber);
  }

  current(phone: string): Identity | undefined {
    return this.subscribers.get(phone);
  }
}

export interface LocalKycMatchOptions {
  /** The account holder's identity from your customer records; the same function camaraKycMatch takes. */
  identityFor: (accountId: string) => Identity | null | undefined | Promise<Identity | null | undefined>;
  register: SubscriberRegister;
  name?: string;
}

const normal = (value: string) => value.normalize('NFKC').trim().toUpperCase().replace(/\s+/g, ' ');

/**
 * A NumberIntelProvider answering `identityMatch` the way KYC Match does: every attribute the
 * host holds must equal the subscriber's. It answers per account (`answersPerAccount`), so the
 * guard never reuses one account's answer for another account on the same number. Missing data
 * is reported as unavailable, never as a match.
 */
export function localKycMatch(options: LocalKycMatchOptions): AccountScopedProvider {
  const name = options.name ?? 'local-kyc-match';
  const unavailable = (why: string): NumberIntelAnswer => ({ source: name, unavailable: why });
  return {
    name,
    answersPerAccount: true,
    async check({ phone, accountId }: NumberIntelRequest): Promise<NumberIntelAnswer> {
      if (accountId === undefined) return unavailable('NO_IDENTITY: no account id');
      const identity = await options.identityFor(accountId);
      if (!identity) return unavailable('NO_IDENTITY: no KYC record for this account');
      const subscriber = options.register.current(phone);
      if (!subscriber) return unavailable('IDENTIFIER_NOT_FOUND');
      const same =
        normal(identity.name) === normal(subscriber.name) &&
        identity.birthdate === subscriber.birthdate &&
        normal(identity.idDocument) === normal(subscriber.idDocument);
      return { source: name, identityMatch: same };
    },
  };
}
