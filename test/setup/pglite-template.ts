// PGlite's first start runs initdb inside WebAssembly (5-20 s on a busy 2-core machine); loading a
// saved data directory takes about 1 s. One template is made per PGlite version and kept in
// node_modules/.cache, and every test file starts its own database from it.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

export async function pgliteDataDir(): Promise<string> {
  const modules = join(process.cwd(), 'node_modules');
  const { version } = JSON.parse(readFileSync(join(modules, '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string };
  const dir = join(modules, '.cache', 'recycled-number-guard-tests');
  const file = join(dir, `pglite-${version}-datadir.tar`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create();
  try {
    const dump = await db.dumpDataDir('none');
    // Written under a unique name and renamed: two runs starting together never read half a file.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file);
  } finally {
    await db.close();
  }
  return file;
}
