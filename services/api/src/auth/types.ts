import type { AuthUser, RunRoleName } from '@arkive/shared';

export type { AuthUser } from '@arkive/shared';

declare module 'express-serve-static-core' {
  interface Request {
    /** The caller, resolved from a bearer token or the session cookie. */
    user?: AuthUser;
    requestId?: string;
    /** Why a presented session token was refused (to answer "expired" instead of a bare 401). */
    authFailure?: 'invalid' | 'expired' | 'revoked' | 'unavailable';
    /** For `run` routes: the role the caller acts with (admins: owner). */
    runRole?: RunRoleName;
    /** For `run` routes: access was granted by a signed link, not a session. */
    viaSignedLink?: boolean;
    /** For export routes: access was granted by a sync token (run sync), not a session. */
    viaSyncToken?: boolean;
  }
}
