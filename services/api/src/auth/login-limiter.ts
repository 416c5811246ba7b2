import type { Redis } from 'ioredis';
import { AppError, type Config } from '@arkive/shared';

type LimiterConfig = Pick<
  Config,
  'redisPrefix' | 'loginMaxFailures' | 'loginMaxFailuresPerIp' | 'loginWindowSeconds'
>;

/** Failed-login counters per username and per client IP (Redis, fixed window). */
export class LoginLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly config: LimiterConfig,
  ) {}

  private keys(username: string, ip: string) {
    const p = `${this.config.redisPrefix}auth:login-failures`;
    return { user: `${p}:user:${username.toLowerCase()}`, ip: `${p}:ip:${ip}` };
  }

  /** Throws 429 TOO_MANY_ATTEMPTS (with retryAfter seconds in details) when either counter is full. */
  async check(username: string, ip: string): Promise<void> {
    const k = this.keys(username, ip);
    const [[, u], [, i], [, uTtl], [, iTtl]] = (await this.redis
      .multi()
      .get(k.user)
      .get(k.ip)
      .ttl(k.user)
      .ttl(k.ip)
      .exec()) as [unknown, string | number | null][];
    const userFull = Number(u ?? 0) >= this.config.loginMaxFailures;
    const ipFull = Number(i ?? 0) >= this.config.loginMaxFailuresPerIp;
    if (userFull || ipFull) {
      const retryAfter = Math.max(1, Math.max(userFull ? Number(uTtl) : 0, ipFull ? Number(iTtl) : 0));
      throw new AppError(
        'TOO_MANY_ATTEMPTS',
        `Too many failed sign-in attempts; try again in ${Math.ceil(retryAfter / 60)} minute(s)`,
        429,
        { retryAfter },
      );
    }
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    const k = this.keys(username, ip);
    const w = this.config.loginWindowSeconds;
    await this.redis.multi().incr(k.user).expire(k.user, w, 'NX').incr(k.ip).expire(k.ip, w, 'NX').exec();
  }

  /** A successful login clears the username's counter (not the IP's: one good account must not unlock guessing others). */
  async recordSuccess(username: string, ip: string): Promise<void> {
    await this.redis.del(this.keys(username, ip).user);
  }
}
