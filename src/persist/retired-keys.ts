import { joinRetired } from './keys.js';
import type { Store, StoreSnapshot } from './types.js';
import { withinDeadline, type Deadline } from '../util/deadline.js';
import type { ErrorStage } from '../types/index.js';

/**
 * Key rotation (`hashKey: [current, ...retired]`): carrier answers and ingested events written under
 * a retired hash of this number are this number's too. Reads them within the deadline and joins them
 * with the current snapshot; a failed read is reported and leaves the current key's history as it is.
 */
export async function readUnderRetiredKeys(
  store: Store,
  current: StoreSnapshot,
  accountId: string,
  aliases: readonly string[],
  deadline: Deadline,
  report: (error: unknown, stage: ErrorStage) => void,
): Promise<ReturnType<typeof joinRetired> | undefined> {
  try {
    const signal = store.capabilities.shared ? deadline.signal : undefined;
    const retired = await Promise.all(
      aliases.map((alias) => withinDeadline(store.read({ account: accountId, phone: alias }, signal), deadline, `${store.name} store`)),
    );
    return joinRetired(current, retired);
  } catch (error) {
    report(error, 'store_read');
    return undefined;
  }
}
