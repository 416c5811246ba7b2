import type { Request } from 'express';
import type { Redis } from 'ioredis';
import { AppError, type Config } from '@arkive/shared';

type LimiterConfig = Pick<
  Config,
  'redisPrefix' | 'loginMaxFailures' | 'loginMaxFailuresPerIp' | 'loginWindowSeconds' | 'loginSlowdownSeconds'
>;

/**
 * Reserves one attempt atomically (one Lua script: check and count together, so N concurrent
 * guesses cannot all pass the check before any of them is counted):
 * 1. the (account, address) pair has failed fewer than LOGIN_MAX_FAILURES times in the window —
 *    the attacker's address is locked out of the account, the owner's clean address is not;
 * 2. the address has failed fewer than LOGIN_MAX_FAILURES_PER_IP times over all accounts;
 * 3. once the account has had LOGIN_MAX_FAILURES failures from anywhere, it takes at most one
 *    attempt per LOGIN_SLOWDOWN_SECONDS (bounds guessing spread over many addresses, without a lockout).
 * The attempt counts as a failure until `succeeded()`. Answers ['ok'] or [scope, retry-after seconds].
 */
const RESERVE = `
local function wait(k) local t = redis.call('TTL', k) if t < 1 then t = 1 end return t end
local hasAccount = ARGV[5] == '1'
if hasAccount and tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[1]) then
  return {'account-address', wait(KEYS[1])}
end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[2]) then
  return {'address', wait(KEYS[2])}
end
if hasAccount and tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[1]) then
  if not redis.call('SET', KEYS[4], '1', 'PX', ARGV[4], 'NX') then
    return {'account', math.ceil(redis.call('PTTL', KEYS[4]) / 1000)}
  end
end
if hasAccount then
  redis.call('INCR', KEYS[1])
  redis.call('EXPIRE', KEYS[1], ARGV[3], 'NX')
end
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3], 'NX')
return {'ok'}
`;

/** A success gives the address its attempt back (never below zero, never without a TTL) and clears the pair. */
const SUCCEEDED = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
if KEYS[2] then redis.call('DEL', KEYS[2]) end
return 1
`;

const MESSAGES: Record<string, string> = {
  'account-address': 'Too many failed sign-in attempts for this account from your address',
  address: 'Too many failed attempts from your address',
  account: 'This account has had many failed sign-in attempts and is slowed down',
};

export interface Attempt {
  failed(): Promise<void>;
  succeeded(): Promise<void>;
}

/** Throttles guesses of a secret: passwords (sign-in, password change) and the cron secret (address only). */
export class LoginLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly config: LimiterConfig,
  ) {}

  private keys(account: string, ip: string) {
    const p = `${this.config.redisPrefix}auth:login-failures`;
    const a = account.toLowerCase();
    return {
      pair: `${p}:pair:${a}:${ip}`,
      ip: `${p}:ip:${ip}`,
      account: `${p}:user:${a}`,
      slot: `${p}:slot:${a}`,
    };
  }

  /** One attempt on `account` (undefined: a secret that is not an account's) from `ip`; 429 TOO_MANY_ATTEMPTS when throttled. */
  async reserve(account: string | undefined, ip: string): Promise<Attempt> {
    const k = this.keys(account ?? '', ip);
    const c = this.config;
    const [scope, retryAfter] = (await this.redis.eval(
      RESERVE,
      4,
      k.pair,
      k.ip,
      k.account,
      k.slot,
      c.loginMaxFailures,
      c.loginMaxFailuresPerIp,
      c.loginWindowSeconds,
      Math.round(c.loginSlowdownSeconds * 1000),
      account === undefined ? '0' : '1',
    )) as [string, number?];
    if (scope !== 'ok') {
      const wait = Math.max(1, Number(retryAfter ?? 1));
      const when = wait >= 120 ? `${Math.ceil(wait / 60)} minute(s)` : `${wait} second(s)`;
      throw new AppError(
        'TOO_MANY_ATTEMPTS',
        `${MESSAGES[scope] ?? 'Too many attempts'}; try again in ${when}`,
        429,
        {
          retryAfter: wait,
          scope,
        },
      );
    }
    return {
      failed: async () => {
        if (account === undefined) return;
        await this.redis.multi().incr(k.account).expire(k.account, c.loginWindowSeconds, 'NX').exec();
      },
      succeeded: async () => {
        const keys = account === undefined ? [k.ip] : [k.ip, k.pair];
        await this.redis.eval(SUCCEEDED, keys.length, ...keys);
      },
    };
  }
}

/** The client's address as the trusted proxy hops report it (see http/trust-proxy.ts); IPv4-mapped IPv6 as plain IPv4. */
export function clientAddress(req: Request): string {
  const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  return ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
}
