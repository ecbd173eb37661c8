// The worker thread's entry when the backtest runs from its TypeScript sources (tests, `tsx`):
// registers tsx in this thread, then loads the worker. The published CLI loads backtest-worker.js.
import { register } from 'tsx/esm/api';

register();
export default (await import('./worker.ts')).default;
