import { publishAccessChange, type AccessChange } from '@arkive/shared';
import type { AppDeps } from '../deps';

/**
 * Tells the live relay that a user's access changed, so open sockets act at once (leave a run's
 * channels, stop hearing its events, end with the session). Best effort after the change is
 * committed: if Redis is down the relay's periodic re-check catches up.
 */
export async function notifyAccessChange(deps: AppDeps, change: AccessChange): Promise<void> {
  try {
    await publishAccessChange(deps.redis, deps.config.redisPrefix, change);
  } catch (err) {
    deps.logger.warn({ err, change }, 'could not publish an access change; sockets re-check within a minute');
  }
}
