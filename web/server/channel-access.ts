import {
  canSeeOperation,
  memberRunIds,
  operationUpdateDetailSchema,
  parseChannel,
  type ArkiveEvent,
  type PrismaClient,
  type SocketUser,
} from '@arkive/shared';

export type RunRole = 'viewer' | 'collaborator' | 'owner';

/** Run membership, from Postgres in production (stubbed in relay tests). */
export interface AccessLookup {
  roleOf(user: SocketUser, runid: string): Promise<RunRole | undefined>;
  /** Every run the user is a member of (for filtering the `operations` channel per event). */
  runsOf(user: SocketUser): Promise<string[]>;
  /** The user id owning a gallery, undefined when it does not exist (galleries, issue 15). */
  galleryOwnerOf?(galleryId: string): Promise<number | undefined>;
}

export type ChannelDecision =
  { ok: true } | { ok: false; code: 'FORBIDDEN' | 'BAD_CHANNEL'; message: string };

/**
 * Who may join a channel:
 * - `<runid>:archive|migration|run_sync`: members of the run (viewer or better), admins always;
 *   a run that does not exist answers the same as one the user is not a member of;
 * - `operations` and `folder:<id>`: any signed-in user (events on `operations` are then filtered
 *   one by one by the operation visibility rule, see eventVisible);
 * - `gallery:<id>:archive`: the gallery's owner (the photographer) and administrators;
 * - `host:<hostId>` (a host's turn-off): administrators only;
 * - anything else: administrators only.
 */
export async function checkChannelAccess(
  user: SocketUser,
  channel: string,
  access: Pick<AccessLookup, 'roleOf' | 'galleryOwnerOf'>,
): Promise<ChannelDecision> {
  const target = parseChannel(channel);
  if (!target) return { ok: false, code: 'BAD_CHANNEL', message: 'Not a channel name' };
  if (target.kind === 'run') {
    if (user.isAdmin) return { ok: true };
    const role = await access.roleOf(user, target.runid);
    return role
      ? { ok: true }
      : { ok: false, code: 'FORBIDDEN', message: `You are not a member of run ${target.runid}` };
  }
  if (target.kind === 'operations' || target.kind === 'folder') return { ok: true };
  if (user.isAdmin) return { ok: true };
  if (target.kind === 'gallery') {
    // Same rule as GET /api/galleries/:id: a gallery that is not yours does not exist for you.
    const owner = await access.galleryOwnerOf?.(target.galleryId);
    return owner !== undefined && owner === user.id
      ? { ok: true }
      : { ok: false, code: 'FORBIDDEN', message: `Gallery ${target.galleryId} not found` };
  }
  return { ok: false, code: 'FORBIDDEN', message: 'This channel is for administrators' };
}

/** Whether one event of a joined channel may reach this user (the same rule as GET /api/operations). */
export function eventVisible(
  user: SocketUser,
  memberRuns: ReadonlySet<string>,
  channel: string,
  event: ArkiveEvent,
): boolean {
  if (channel !== 'operations' || user.isAdmin) return true;
  const detail = operationUpdateDetailSchema.safeParse(event.detail);
  return detail.success && canSeeOperation(user, detail.data, memberRuns);
}

/** Membership straight from Postgres (the truth); admins are handled before roleOf is called. */
export function prismaAccessLookup(prisma: PrismaClient): AccessLookup {
  return {
    async roleOf(user, runid) {
      const m = await prisma.runMember.findUnique({
        where: { runId_userId: { runId: runid, userId: user.id } },
      });
      return (m?.role as RunRole | undefined) ?? undefined;
    },
    runsOf: (user) => memberRunIds(prisma, user.id),
    async galleryOwnerOf(galleryId) {
      if (!/^[0-9a-f-]{36}$/i.test(galleryId)) return undefined;
      const g = await prisma.gallery.findUnique({ where: { id: galleryId }, select: { ownerId: true } });
      return g?.ownerId;
    },
  };
}
