// npx tsx server.ts   (EXAMPLE_SIMULATION=1 shows the SMS inbox on the page and enables /__sim/clock)
import { OWNER, startBetterAuthExample } from './app.js';

const example = await startBetterAuthExample({ port: Number(process.env.PORT ?? 3003), simulation: process.env.EXAMPLE_SIMULATION === '1' });
console.log(`better-auth example on ${example.url}; seeded owner ${OWNER.name}, ${OWNER.phone}, password ${OWNER.password}`);
const stop = () => void example.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
