// npx tsx server.ts   (ENFORCE=1 to start enforcing; SOCIAL_SIMULATION=1 returns the OTP in the response)
import { createSocial } from './app.js';

const trustedProxies = process.env.TRUSTED_PROXIES?.split(',')
  .map((entry) => entry.trim())
  .filter(Boolean);
const social = await createSocial({
  mode: process.env.ENFORCE === '1' ? 'enforce' : 'dry_run',
  simulation: process.env.SOCIAL_SIMULATION === '1',
  ...(process.env.ADMIN_TOKEN ? { adminToken: process.env.ADMIN_TOKEN } : {}),
  ...(process.env.REDIS_PREFIX ? { redis: { prefix: process.env.REDIS_PREFIX } } : {}),
  ...(trustedProxies ? { trustedProxies } : {}),
});
const url = await social.app.listen({ port: Number(process.env.PORT ?? 3001), host: '127.0.0.1' });
console.log(`Social example API on ${url}, mode ${social.mode()}, store ${social.storeKind}`);
console.log(
  `Admin token: ${social.adminToken}   (switch: curl -X POST ${url}/api/admin/mode -H 'x-admin-token: ${social.adminToken}' -H 'content-type: application/json' -d '{"mode":"enforce"}')`,
);
const stop = () => void social.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
