// A scratch project that installs the packed tarball the way a host would (npm ci), offline: its
// lockfile is cut from this repository's, so every dependency comes from the npm cache that this
// repository's own `npm ci` filled. No registry is asked, so it runs in a network namespace too.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

interface Lock {
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** The lock key Node's resolution would find for `name`, looked up from the package at `from`. */
function resolveKey(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  for (let at = from; ; ) {
    const key = at ? `${at}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[key]) return key;
    if (!at) return undefined;
    const cut = at.lastIndexOf('/node_modules/');
    at = cut === -1 ? '' : at.slice(0, cut);
  }
}

export interface ScratchOptions {
  repo: string;
  dir: string;
  tarball: string;
  /** Other packages the consumer installs next to it (peers, type packages), at this repo's versions. */
  alongside: string[];
}

/** Writes package.json and package-lock.json into `dir` and runs `npm ci --offline` there. */
export function installScratch({ repo, dir, tarball, alongside }: ScratchOptions): void {
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as Lock;
  const manifest = JSON.parse(execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' })) as LockEntry & {
    name: string;
    version: string;
  };
  const file = basename(tarball);
  copyFileSync(tarball, join(dir, file));
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;

  const packages: Record<string, LockEntry> = {};
  const queue: string[] = [];
  const want = (from: string, name: string, optional: boolean) => {
    const key = resolveKey(lock.packages, from, name);
    if (!key) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from || 'the scratch project'}) is not in package-lock.json`);
    }
    if (packages[key]) return;
    const entry: LockEntry = { ...lock.packages[key]! };
    if (entry.link) throw new Error(`${name} is a linked package: not installable from the cache`);
    // In the scratch project they are production dependencies.
    delete entry.dev;
    delete entry.devOptional;
    delete entry.peer;
    packages[key] = entry;
    queue.push(key);
  };

  const top: Record<string, string> = { [manifest.name]: `file:${file}` };
  for (const name of alongside) {
    const key = resolveKey(lock.packages, '', name);
    if (!key) throw new Error(`${name} is not in package-lock.json`);
    top[name] = lock.packages[key]!.version!;
    want('', name, false);
  }
  const own = `node_modules/${manifest.name}`;
  packages[own] = {
    version: manifest.version,
    resolved: `file:${file}`,
    integrity,
    ...(manifest.license ? { license: manifest.license } : {}),
    ...(manifest.dependencies ? { dependencies: manifest.dependencies } : {}),
    ...(manifest.bin ? { bin: manifest.bin as Record<string, string> } : {}),
    ...(manifest.engines ? { engines: manifest.engines } : {}),
    ...(manifest.peerDependencies ? { peerDependencies: manifest.peerDependencies } : {}),
    ...(manifest.peerDependenciesMeta ? { peerDependenciesMeta: manifest.peerDependenciesMeta } : {}),
  };
  for (const name of Object.keys(manifest.dependencies ?? {})) want(own, name, false);
  while (queue.length > 0) {
    const key = queue.shift()!;
    const entry = packages[key]!;
    for (const name of Object.keys(entry.dependencies ?? {})) want(key, name, false);
    for (const name of Object.keys(entry.optionalDependencies ?? {})) want(key, name, true);
    for (const name of Object.keys(entry.peerDependencies ?? {})) want(key, name, entry.peerDependenciesMeta?.[name]?.optional === true);
  }

  const root = { name: 'scratch-consumer', version: '0.0.0', private: true, dependencies: top };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ ...root, type: 'module' }, null, 2)}\n`);
  const scratchLock = { name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages: { '': root, ...packages } };
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(scratchLock, null, 2)}\n`);
  execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, encoding: 'utf8', stdio: 'pipe', timeout: 180_000 });
}
