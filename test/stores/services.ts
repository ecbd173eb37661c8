import { Socket } from 'node:net';

/** Whether the local Redis and PostgreSQL answer. In CI they must: .ci/run starts them. */
export async function servicesAvailable(): Promise<{ redis: boolean; postgres: boolean }> {
  const probe = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.setTimeout(1_000);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
  const [redis, postgres] = await Promise.all([probe(6379), probe(5432)]);
  if (process.env.CI && (!redis || !postgres)) {
    throw new Error(`CI needs Redis (${redis ? 'up' : 'down'}) and PostgreSQL (${postgres ? 'up' : 'down'}) on 127.0.0.1`);
  }
  if (!redis || !postgres) console.warn(`store tests skipped: Redis ${redis ? 'up' : 'down'}, PostgreSQL ${postgres ? 'up' : 'down'} on 127.0.0.1`);
  return { redis, postgres };
}
