import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AppError, UnauthorizedError, type Config } from '@arkive/shared';
import type { AppDeps } from '../deps';
import { clientAddress, LoginLimiter } from './login-limiter';

function sameSecret(a: string, b: string): boolean {
  // Hash first so the comparison takes the same time whatever the lengths.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** True when the request carries `Authorization: Bearer <CRON_SECRET>`. */
export function hasCronSecret(req: Request, config: Pick<Config, 'cronSecret'>): boolean {
  const auth = req.header('authorization');
  if (!config.cronSecret || !auth || !/^bearer\s+/i.test(auth)) return false;
  return sameSecret(auth.replace(/^bearer\s+/i, '').trim(), config.cronSecret);
}

/**
 * 503 CRON_DISABLED when CRON_SECRET is unset; 401 CRON_UNAUTHORIZED when missing or wrong.
 * Wrong secrets count against the client address like wrong passwords (429 once it has too many).
 */
export async function requireCronSecret(
  req: Request,
  deps: Pick<AppDeps, 'config' | 'redis'>,
): Promise<void> {
  if (!deps.config.cronSecret)
    throw new AppError('CRON_DISABLED', 'Cron endpoints are disabled: set CRON_SECRET to enable them', 503);
  const attempt = await new LoginLimiter(deps.redis, deps.config).reserve(undefined, clientAddress(req));
  if (!hasCronSecret(req, deps.config)) {
    await attempt.failed();
    throw new UnauthorizedError('Send Authorization: Bearer <CRON_SECRET>', 'CRON_UNAUTHORIZED');
  }
  await attempt.succeeded();
}
