import { notifyAccessChange } from '../../auth/access-change';
import { z } from 'zod';
import { ConflictError, NotFoundError, type PrismaClient } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { page, pageSchema, paginationQuery } from '../../http/pagination';
import { usernameSchema } from '../auth/schemas';
import { memberSchema, roleSchema, runIdParams } from './schemas';

type Tx = Pick<PrismaClient, 'runMember' | '$executeRaw'>;

function presentMember(m: { userId: number; role: string; createdAt: Date; user: { username: string } }) {
  return {
    username: m.user.username,
    userId: m.userId,
    role: m.role as z.infer<typeof roleSchema>,
    createdAt: m.createdAt.toISOString(),
  };
}

/** Serializes membership changes of one run, then refuses to leave it without an owner. */
async function assertKeepsAnOwner(tx: Tx, runid: string, userId: number): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${'run-members:' + runid}))`;
  const current = await tx.runMember.findUnique({ where: { runId_userId: { runId: runid, userId } } });
  if (current?.role !== 'owner') return;
  const owners = await tx.runMember.count({ where: { runId: runid, role: 'owner' } });
  if (owners <= 1)
    throw new ConflictError(
      'LAST_OWNER',
      `This is the last owner of run ${runid}; make someone else an owner first`,
    );
}

export const listMembers = defineRoute({
  method: 'get',
  path: '/api/runs/:runid/members',
  summary: 'Members of a run and their roles',
  tags: ['runs'],
  access: { kind: 'run', role: 'viewer' },
  params: runIdParams,
  query: paginationQuery,
  response: pageSchema(memberSchema),
  async handler({ deps, params, query: q }) {
    const where = { runId: params.runid };
    const [rows, total] = await Promise.all([
      deps.prisma.runMember.findMany({
        where,
        include: { user: { select: { username: true } } },
        orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }],
        take: q.limit,
        skip: q.offset,
      }),
      deps.prisma.runMember.count({ where }),
    ]);
    return page(rows.map(presentMember), total, q);
  },
});

export const addMember = defineRoute({
  method: 'post',
  path: '/api/runs/:runid/members',
  summary: "Add a member or change a member's role (owners and administrators)",
  tags: ['runs'],
  access: { kind: 'run', role: 'owner' },
  params: runIdParams,
  body: z.object({ username: usernameSchema, role: roleSchema }),
  response: memberSchema,
  async handler({ deps, params, body, user }) {
    const target = await deps.prisma.user.findUnique({
      where: { username: body.username },
      select: { id: true },
    });
    if (!target) throw new NotFoundError('USER_NOT_FOUND', `User ${body.username} not found`);
    const member = await deps.prisma.$transaction(async (tx) => {
      if (body.role !== 'owner') await assertKeepsAnOwner(tx, params.runid, target.id);
      return tx.runMember.upsert({
        where: { runId_userId: { runId: params.runid, userId: target.id } },
        create: { runId: params.runid, userId: target.id, role: body.role },
        update: { role: body.role },
        include: { user: { select: { username: true } } },
      });
    });
    deps.logger.info(
      { runid: params.runid, by: user!.id, member: body.username, role: body.role },
      'run member set',
    );
    await notifyAccessChange(deps, { userId: target.id, kind: 'membership', runId: params.runid });
    return presentMember(member);
  },
});

export const removeMember = defineRoute({
  method: 'delete',
  path: '/api/runs/:runid/members/:username',
  summary: 'Remove a member (owners and administrators; never the last owner)',
  tags: ['runs'],
  access: { kind: 'run', role: 'owner' },
  params: runIdParams.extend({ username: usernameSchema }),
  async handler({ deps, params, user }) {
    const target = await deps.prisma.user.findUnique({
      where: { username: params.username },
      select: { id: true },
    });
    const notMember = new NotFoundError(
      'MEMBER_NOT_FOUND',
      `${params.username} is not a member of run ${params.runid}`,
    );
    if (!target) throw notMember;
    await deps.prisma.$transaction(async (tx) => {
      await assertKeepsAnOwner(tx, params.runid, target.id);
      const { count } = await tx.runMember.deleteMany({ where: { runId: params.runid, userId: target.id } });
      if (count === 0) throw notMember;
    });
    deps.logger.info({ runid: params.runid, by: user!.id, member: params.username }, 'run member removed');
    await notifyAccessChange(deps, { userId: target.id, kind: 'membership', runId: params.runid });
    return undefined;
  },
});
