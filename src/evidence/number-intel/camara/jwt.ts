import { constants, createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { GuardConfigError } from '../../../errors/guard-config-error.js';

/** A private key for `private_key_jwt` client authentication and JWT Bearer assertions. */
export interface SigningKey {
  /** PEM text or a KeyObject. RSA for RS256/PS256, P-256 for ES256. */
  key: KeyObject | string;
  alg: 'RS256' | 'PS256' | 'ES256';
  /** Key id registered with the operator (JWKS `kid`). */
  kid?: string;
}

export interface PreparedKey {
  key: KeyObject;
  alg: SigningKey['alg'];
  kid?: string;
}

/** Parse and check the key once at start-up, so a wrong key fails there and not in a login. */
export function prepareKey(signing: SigningKey, field: string): PreparedKey {
  let key: KeyObject;
  try {
    key = typeof signing.key === 'string' ? createPrivateKey(signing.key) : signing.key;
  } catch (error) {
    throw new GuardConfigError(`${field}.key`, `not a readable private key (${error instanceof Error ? error.message : String(error)})`);
  }
  if (key.type !== 'private') throw new GuardConfigError(`${field}.key`, 'needs a private key');
  const type = key.asymmetricKeyType;
  if (signing.alg === 'ES256') {
    if (type !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new GuardConfigError(`${field}.alg`, 'ES256 needs a P-256 key');
  } else if (type !== 'rsa' && type !== 'rsa-pss') {
    throw new GuardConfigError(`${field}.alg`, `${signing.alg} needs an RSA key`);
  }
  return { key, alg: signing.alg, ...(signing.kid ? { kid: signing.kid } : {}) };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS over `claims`. */
export function signJwt(claims: Record<string, unknown>, prepared: PreparedKey): string {
  const header = { alg: prepared.alg, typ: 'JWT', ...(prepared.kid ? { kid: prepared.kid } : {}) };
  const input = Buffer.from(`${b64(header)}.${b64(claims)}`);
  const signature =
    prepared.alg === 'ES256'
      ? sign('sha256', input, { key: prepared.key, dsaEncoding: 'ieee-p1363' })
      : prepared.alg === 'PS256'
        ? sign('sha256', input, { key: prepared.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
        : sign('sha256', input, prepared.key);
  return `${input.toString()}.${signature.toString('base64url')}`;
}

/** CAMARA's profile caps assertion lifetime at 300 s; 60 s is plenty for one token request. */
const ASSERTION_LIFETIME_S = 60;

/** `private_key_jwt` client assertion (RFC 7523 section 2.2). */
export function clientAssertion(clientId: string, audience: string, prepared: PreparedKey, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  return signJwt({ iss: clientId, sub: clientId, aud: audience, iat, exp: iat + ASSERTION_LIFETIME_S, jti: randomUUID() }, prepared);
}

/** JWT Bearer grant assertion (RFC 7523 section 2.1): `sub` names the subscriber, `scope` is a claim. */
export function bearerAssertion(clientId: string, subject: string, audience: string, scope: string, prepared: PreparedKey, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  return signJwt({ iss: clientId, sub: subject, aud: audience, iat, exp: iat + ASSERTION_LIFETIME_S, jti: randomUUID(), scope }, prepared);
}
