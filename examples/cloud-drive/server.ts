// npx tsx server.ts   (CLOUD_DRIVE_SIMULATION=1 for the simulation panel; PORT, TRUSTED_PROXIES)
import { startCloudDrive } from './app.js';

const simulation = process.env.CLOUD_DRIVE_SIMULATION === '1';
const trustedProxies = process.env.TRUSTED_PROXIES?.split(',')
  .map((entry) => entry.trim())
  .filter(Boolean);
const drive = await startCloudDrive({ port: Number(process.env.PORT ?? 3000), simulation, ...(trustedProxies ? { trustedProxies } : {}) });
console.log(`Cloud Drive example on ${drive.url}  (admin: ${drive.url}/admin)`);
console.log(
  simulation
    ? 'SIMULATION MODE: test affordances are on (simulated city, clock and device). Never expose this.'
    : 'Tip: CLOUD_DRIVE_SIMULATION=1 npx tsx server.ts adds a panel to move the clock, the city and the device.',
);
process.on('SIGINT', () => void drive.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void drive.close().then(() => process.exit(0)));
