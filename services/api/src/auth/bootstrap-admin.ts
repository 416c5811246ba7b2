import { randomBytes } from 'node:crypto';
import type { Config, PrismaClient } from '@arkive/shared';
import { hashPassword } from './passwords';

export interface FirstAdminResult {
  created: boolean;
  username: string;
  /** Set only when a password was generated: show it once, it is not stored anywhere in clear. */
  generatedPassword?: string;
}

/** A 24-character password from a 144-bit random value, without look-alike characters. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(48);
  let out = '';
  for (const b of bytes) {
    if (b < 252 - (252 % alphabet.length)) out += alphabet[b % alphabet.length];
    if (out.length === 24) break;
  }
  return out.length === 24 ? out : generatePassword();
}

/**
 * When no administrator exists, creates one: `config.adminUsername` with `config.adminPassword`
 * when set, otherwise with a generated password (returned, to print once) that must be changed
 * at first login. An existing non-admin account with that name is promoted instead.
 */
export async function ensureFirstAdmin(
  prisma: PrismaClient,
  config: Pick<Config, 'adminUsername' | 'adminPassword'>,
): Promise<FirstAdminResult> {
  const username = config.adminUsername;
  if (await prisma.user.findFirst({ where: { isAdmin: true }, select: { id: true } }))
    return { created: false, username };
  const existing = await prisma.user.findUnique({ where: { username } });
  if (existing) {
    await prisma.user.update({ where: { id: existing.id }, data: { isAdmin: true, role: 'admin' } });
    return { created: false, username };
  }
  const generatedPassword = config.adminPassword ? undefined : generatePassword();
  const passwordHash = await hashPassword(config.adminPassword ?? generatedPassword!);
  try {
    await prisma.user.create({
      data: {
        username,
        passwordHash,
        isAdmin: true,
        role: 'admin',
        mustChangePassword: !config.adminPassword,
      },
    });
  } catch (err) {
    // Another process created it at the same moment: theirs stands.
    if ((err as { code?: string }).code === 'P2002') return { created: false, username };
    throw err;
  }
  return { created: true, username, ...(generatedPassword ? { generatedPassword } : {}) };
}

export function firstAdminMessage(r: FirstAdminResult): string | undefined {
  return r.generatedPassword
    ? `First admin: ${r.username} / password: ${r.generatedPassword} (change it at first login)`
    : undefined;
}
