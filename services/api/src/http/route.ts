import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { AppDeps } from '../deps';
import type { AuthUser } from '../auth/types';

export type RunRoleName = 'viewer' | 'collaborator' | 'owner';

/** Who may call a route. Every route declares one; the authorize middleware enforces it. */
export type Access =
  | { kind: 'public' }
  /** Any signed-in user. `duringPasswordChange`: also while the user must still change their password. */
  | { kind: 'user'; duringPasswordChange?: true }
  | { kind: 'admin' }
  /** A signed-in user with at least this global role (user < operator < admin); else 403 ROLE_REQUIRED. */
  | { kind: 'role'; role: 'operator' }
  | { kind: 'cron' }
  /**
   * A member of the run named by the `:runid` path parameter with at least `role` (admins always).
   * A stranger gets 404 RUN_NOT_FOUND, a member with too low a role 403. `allowSignedLink`: a
   * `?token=` of an issued link for exactly this path also grants GET/HEAD access, while the link
   * is unrevoked and unexpired and its creator still may share the run (auth/run-links.ts).
   * `allowSyncToken`: an admin-issued sync token (`Authorization: Bearer arks_...`) for this run
   * also grants GET/HEAD access (the export routes of run sync; auth/sync-tokens.ts).
   */
  | { kind: 'run'; role: RunRoleName; allowSignedLink?: true; allowSyncToken?: true }
  /** The operation named by `:id`: read = may see its scope; write = may mutate its scope. */
  | { kind: 'operation'; action: 'read' | 'write' };

export interface RouteContext<P, Q, B> {
  req: Request;
  res: Response;
  params: P;
  query: Q;
  body: B;
  user?: AuthUser;
  deps: AppDeps;
}

export interface RouteDef<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path, e.g. `/api/operations/:id`. */
  path: string;
  summary: string;
  tags?: string[];
  access: Access;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /**
   * Body media types this route accepts besides JSON (e.g. `multipart/form-data`); every other
   * route refuses a non-JSON body with 415 (see bodyTypeGuard).
   */
  bodyTypes?: string[];
  /** Schema of the JSON response body (documented in OpenAPI). */
  response?: z.ZodType;
  /** Status for a returned value (default 200). */
  status?: number;
  /** Route writes its own response (streams, files). */
  raw?: boolean;
  handler(ctx: RouteContext<P, Q, B>): Promise<unknown>;
}

export function defineRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  def: RouteDef<P, Q, B>,
): RouteDef {
  return def as unknown as RouteDef;
}
