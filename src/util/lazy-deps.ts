import { createRequire } from 'node:module';
import type { z as ZodNamespace } from 'zod';

/**
 * Heavy dependencies load on first use, not at import: zod, libphonenumber-js and ua-parser-js
 * together cost ~150 ms and ~25 MB at import, which a host pays on every cold start even when no
 * SMS login happens. `require` keeps first use synchronous (tsup shims import.meta.url for CJS).
 */
const load = createRequire(import.meta.url);

function lazy<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(id) as T);
}

export const zodModule = lazy<typeof import('zod')>('zod');
export const phoneLibrary = lazy<typeof import('libphonenumber-js')>('libphonenumber-js');
export const uaParserModule = lazy<unknown>('ua-parser-js');
/** geoip-lite reads its whole database synchronously at require time (~150 MB, 150-400 ms). */
export const geoipLiteModule = lazy<unknown>('geoip-lite');
/** mmdb-lib, the optional peer dependency of `mmdbGeoLookup`. */
export const mmdbModule = lazy<unknown>('mmdb-lib');

/** A zod schema built on first use. */
export function lazySchema<T>(build: (z: typeof ZodNamespace) => T): () => T {
  let schema: T | undefined;
  return () => (schema ??= build(zodModule().z));
}
