import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';

const cache = new Map<string, string>();

/**
 * The secret that signs session tokens and links: JWT_SECRET when set; otherwise (development)
 * a random one created once in DATA_DIR/secrets/jwt.key (mode 0600) so restarts keep sessions
 * and the API and the web server agree.
 */
export function resolveJwtSecret(config: Pick<Config, 'jwtSecret' | 'dataDir'>): string {
  if (config.jwtSecret) return config.jwtSecret;
  const file = path.join(config.dataDir, 'secrets', 'jwt.key');
  const hit = cache.get(file);
  if (hit) return hit;
  let secret: string | undefined;
  try {
    secret = fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (!secret) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const fresh = randomBytes(48).toString('base64url');
    try {
      // 'wx': if another process won the race, read its secret instead of overwriting it.
      fs.writeFileSync(file, fresh + '\n', { mode: 0o600, flag: 'wx' });
      secret = fresh;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      secret = fs.readFileSync(file, 'utf8').trim();
    }
  }
  cache.set(file, secret);
  return secret;
}

/** A key for one purpose derived from the main secret, so a session token can never pass as a link and back. */
export function derivedKey(config: Pick<Config, 'jwtSecret' | 'dataDir'>, purpose: string): Buffer {
  return createHmac('sha256', resolveJwtSecret(config)).update(`arkive:${purpose}`).digest();
}
