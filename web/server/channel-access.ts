import { isValidRunId, type PrismaClient, type SocketUser } from '@arkive/shared';

export type RunRole = 'viewer' | 'collaborator' | 'owner';
export type RunRoleLookup = (user: SocketUser, runid: string) => Promise<RunRole | undefined>;

const runChannel = /^(.+):(archive|migration|run_sync)$/;
const folderChannel = /^folder:[A-Za-z0-9_-]{1,128}$/;

export type ChannelDecision =
  { ok: true } | { ok: false; code: 'FORBIDDEN' | 'BAD_CHANNEL'; message: string };

/**
 * Who may listen to a channel:
 * - `<runid>:archive|migration|run_sync`: members of the run (viewer or better), admins always;
 * - `folder:<id>` and `operations`: any logged-in user;
 * - any other channel (system ones such as `gallery:<id>:archive`): admins only.
 */
export async function checkChannelAccess(
  user: SocketUser,
  channel: string,
  roleOf: RunRoleLookup,
): Promise<ChannelDecision> {
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > 200) {
    return { ok: false, code: 'BAD_CHANNEL', message: 'Not a channel name' };
  }
  const run = runChannel.exec(channel);
  if (run && isValidRunId(run[1])) {
    if (user.isAdmin) return { ok: true };
    const role = await roleOf(user, run[1]);
    return role
      ? { ok: true }
      : { ok: false, code: 'FORBIDDEN', message: `You are not a member of run ${run[1]}` };
  }
  if (channel === 'operations' || folderChannel.test(channel)) return { ok: true };
  if (user.isAdmin) return { ok: true };
  return { ok: false, code: 'FORBIDDEN', message: 'This channel is for administrators' };
}

/** Run membership straight from Postgres (the truth); admins are handled before this is called. */
export function prismaRunRoleLookup(prisma: PrismaClient): RunRoleLookup {
  return async (user, runid) => {
    const m = await prisma.runMember.findUnique({
      where: { runId_userId: { runId: runid, userId: user.id } },
    });
    return (m?.role as RunRole | undefined) ?? undefined;
  };
}
