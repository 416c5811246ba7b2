/** The authenticated caller, as resolved from a session token (API bearer or the web's cookie). */
export interface AuthUser {
  id: number;
  username: string;
  isAdmin: boolean;
  /** Global role (admin ⇔ isAdmin). Absent on tokens read without the database: derived from isAdmin. */
  role?: GlobalRoleName;
  mustChangePassword?: boolean;
  /** Token id, for revocation on logout. */
  jti?: string;
  /** Expiry of the session token, epoch milliseconds. */
  tokenExpiresAt?: number;
}

export type { GlobalRoleName } from '../contracts/roles';
import type { GlobalRoleName } from '../contracts/roles';

export type RunRoleName = 'viewer' | 'collaborator' | 'owner';

/** Name of the httpOnly session cookie the API sets at login and the web server reads. */
export const SESSION_COOKIE = 'arkive_session';
