/** The authenticated caller, attached to the request by the authenticate middleware. */
export interface AuthUser {
  id: number;
  username: string;
  isAdmin: boolean;
  mustChangePassword?: boolean;
  /** Token id, for revocation on logout. */
  jti?: string;
  tokenExpiresAt?: number;
}

declare module 'express-serve-static-core' {
  interface Request {
    user?: AuthUser;
    requestId?: string;
  }
}
