// A MaxMind DB file in the GeoIP2 City layout, made of synthetic /24 networks, for measuring the
// mmdb geolocation path without licensed data (test/helpers/mmdb-writer.ts writes it).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMmdb, type MmdbNetwork } from '../test/helpers/mmdb-writer.js';

export function syntheticMmdb(networks: number): { path: string; bytes: number; networks: number; remove(): void } {
  const list: MmdbNetwork[] = [];
  for (let i = 0; i < networks; i++) {
    // 11.0.0.0 onwards, one /24 each; cities cycle through a small set of names.
    const a = 11 + Math.floor(i / 65_536);
    const b = Math.floor(i / 256) % 256;
    const c = i % 256;
    list.push({
      cidr: `${a}.${b}.${c}.0/24`,
      record: {
        country: { iso_code: 'US' },
        subdivisions: [{ iso_code: 'CA', names: { en: 'California' } }],
        city: { names: { en: `City ${i % 5000}` } },
        location: { latitude: 37 + (i % 100) / 100, longitude: -122 - (i % 100) / 100, accuracy_radius: 20 },
      },
    });
  }
  // 8.8.8.0/24, the address the cold-start probes assess.
  list.push({ cidr: '8.8.8.0/24', record: { country: { iso_code: 'US' }, location: { latitude: 37.751, longitude: -97.822, accuracy_radius: 1000 } } });
  const dir = mkdtempSync(join(tmpdir(), 'rng-bench-mmdb-'));
  const path = join(dir, 'synthetic-city.mmdb');
  const data = writeMmdb(list, { databaseType: 'Synthetic-City', description: 'recycled-number-guard benchmark' });
  writeFileSync(path, data);
  return { path, bytes: data.length, networks, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
