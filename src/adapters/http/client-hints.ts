import { GuardConfigError } from '../../errors/guard-config-error.js';

/** The hints the device signal reads beyond the defaults: the phone model and the OS version. */
export const ACCEPT_CH_HINTS = ['Sec-CH-UA-Model', 'Sec-CH-UA-Platform', 'Sec-CH-UA-Platform-Version', 'Sec-CH-UA-Mobile'] as const;

/** A Node/Express response (`setHeader`) or a Fastify reply (`header`). */
export type HeaderTarget =
  | { setHeader(name: string, value: string | number | readonly string[]): unknown; getHeader?(name: string): unknown }
  | { header(name: string, value: unknown): unknown; getHeader?(name: string): unknown };

export interface AcceptClientHintsOptions {
  /**
   * Also send `Critical-CH`, so a browser that lacks the hints retries this navigation once with
   * them. Default false: set Accept-CH on the page that serves the login form and the form's POST
   * carries the hints anyway, without the extra round trip. Turn it on when the first request
   * itself must carry them (a magic link that signs in on arrival). Browsers honour it only on
   * top-level navigations over HTTPS (or localhost).
   */
  critical?: boolean;
}

function setHeader(target: HeaderTarget, name: string, value: string): void {
  if ('setHeader' in target && typeof target.setHeader === 'function') target.setHeader(name, value);
  else if ('header' in target && typeof target.header === 'function') target.header(name, value);
  else throw new GuardConfigError('res', 'pass a Node/Express response (setHeader) or a Fastify reply (header)');
}

/** Merges our hints into an Accept-CH the host may already send. */
function merged(existing: unknown): string {
  const current = (Array.isArray(existing) ? existing.join(',') : typeof existing === 'string' ? existing : '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const seen = new Set(current.map((name) => name.toLowerCase()));
  for (const hint of ACCEPT_CH_HINTS) if (!seen.has(hint.toLowerCase())) current.push(hint);
  return current.join(', ');
}

/**
 * Asks the browser for the Client Hints the device signal uses (`Accept-CH`). Chromium-based
 * browsers then send the phone model and OS version on later requests to this origin; without
 * them a reduced user agent says "Android 10; K" for every phone. Harmless where unsupported.
 */
export function acceptClientHints(res: HeaderTarget, options: AcceptClientHintsOptions = {}): void {
  const existing = typeof res.getHeader === 'function' ? res.getHeader('accept-ch') : undefined;
  setHeader(res, 'Accept-CH', merged(existing));
  if (options.critical) setHeader(res, 'Critical-CH', 'Sec-CH-UA-Model, Sec-CH-UA-Platform-Version');
}
