import bcrypt from 'bcryptjs';
import { ValidationError } from '@arkive/shared';

export const BCRYPT_COST = 12;
export const MIN_PASSWORD_LENGTH = 10;

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

// Compared against when the username is unknown, so both paths take the same time.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  if (!hash) {
    dummyHash ??= bcrypt.hash('arkive-no-such-user', BCRYPT_COST);
    await bcrypt.compare(password, await dummyHash);
    return false;
  }
  return bcrypt.compare(password, hash);
}

/** Refuses weak new passwords with a message a person can act on. */
export function assertStrongPassword(password: string, username?: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new ValidationError(`The password must be at least ${MIN_PASSWORD_LENGTH} characters long`);
  if (Buffer.byteLength(password) > 72)
    throw new ValidationError('The password must be at most 72 bytes long');
  if (username && password.toLowerCase() === username.toLowerCase())
    throw new ValidationError('The password must not be the username');
}
