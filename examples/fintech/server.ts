// npx tsx server.ts   (FINTECH_SIMULATION=1 returns the OTP in the response; KYC=0 turns KYC Match evidence off)
import { startFintech } from './app.js';

const trustedProxies = process.env.TRUSTED_PROXIES?.split(',')
  .map((entry) => entry.trim())
  .filter(Boolean);
const fintech = await startFintech({
  port: Number(process.env.PORT ?? 3002),
  kyc: process.env.KYC !== '0',
  simulation: process.env.FINTECH_SIMULATION === '1',
  ...(process.env.ADMIN_TOKEN ? { adminToken: process.env.ADMIN_TOKEN } : {}),
  ...(trustedProxies ? { trustedProxies } : {}),
});
console.log(`Fintech example API on ${fintech.url} (KYC Match evidence ${process.env.KYC === '0' ? 'off' : 'on'}); admin token ${fintech.adminToken}`);
const stop = () => void fintech.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
