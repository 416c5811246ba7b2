import { z } from 'zod';
import { AppError, ForbiddenError } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { hashSyncToken, newSyncToken } from '../../auth/sync-tokens';
import { requireRun } from '../runs/archives/common';
import { runIdSchema } from '../runs/schemas';
import { requireHostUrl } from './targets';

const body = z.object({
  dest_host: z.string().max(2000),
  runid: runIdSchema,
  /** An admin's bearer token on the destination (it starts the import there). */
  auth_token: z.string().min(1).max(4096),
  owner_email: z.string().trim().email().max(320).optional(),
  overwrite: z.boolean().default(false),
});

/** How long the token minted for a push's pull may be used. */
const PUSH_TOKEN_DAYS = 2;

/**
 * A push (dev → prod) is a request that the destination pull: this host mints a sync token for
 * this one run and asks the destination's POST /api/run-sync to import it from our API_URL.
 * Only to hosts named in ALLOW_PUSH.
 */
export const pushRun = defineRoute({
  method: 'post',
  path: '/api/run-sync/push',
  summary:
    'Push a run to another Arkive host named in ALLOW_PUSH: it imports the run from this one through its own import job (202 with the destination operation)',
  tags: ['run-sync'],
  access: { kind: 'admin' },
  body,
  response: z.object({
    dest_host: z.string(),
    operationId: z.string(),
    channel: z.string(),
    sync_token_id: z.string(),
  }),
  status: 202,
  async handler({ deps, body: b, user }) {
    const dest = requireHostUrl(b.dest_host, 'dest_host');
    if (!deps.config.runSync.allowPush.includes(dest))
      throw new ForbiddenError(
        `Pushing to ${dest} is not allowed: ALLOW_PUSH must name that host`,
        'PUSH_NOT_ALLOWED',
      );
    await requireRun(deps, b.runid);
    const token = newSyncToken();
    const row = await deps.prisma.syncToken.create({
      data: {
        name: `push of ${b.runid} to ${dest}`,
        tokenHash: hashSyncToken(token),
        runs: [b.runid],
        createdBy: user!.username,
        expiresAt: new Date(Date.now() + PUSH_TOKEN_DAYS * 86400_000),
      },
    });
    let res: Response;
    try {
      res = await fetch(`${dest}/api/run-sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${b.auth_token}` },
        body: JSON.stringify({
          source_host: deps.config.apiUrl,
          runid: b.runid,
          auth_token: token,
          overwrite: b.overwrite,
          ...(b.owner_email ? { owner_email: b.owner_email } : {}),
        }),
        signal: AbortSignal.timeout(deps.config.runSync.timeoutSeconds * 1000),
      });
    } catch (err) {
      await deps.prisma.syncToken.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
      throw new AppError('PUSH_UNREACHABLE', `${dest} did not answer: ${(err as Error).message}`, 502);
    }
    const answer = (await res.json().catch(() => null)) as {
      operationId?: string;
      channel?: string;
      error?: { code?: string; message?: string };
    } | null;
    if (res.status !== 202 || !answer?.operationId || !answer.channel) {
      await deps.prisma.syncToken.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
      throw new AppError(
        'PUSH_REFUSED',
        `${dest} refused the import (${res.status}${answer?.error?.code ? ` ${answer.error.code}` : ''}): ${answer?.error?.message ?? 'no reason given'}`,
        502,
        { status: res.status, error: answer?.error },
      );
    }
    deps.logger.info({ runid: b.runid, dest, by: user!.username }, 'run pushed');
    return {
      dest_host: dest,
      operationId: answer.operationId,
      channel: answer.channel,
      sync_token_id: row.id,
    };
  },
});
