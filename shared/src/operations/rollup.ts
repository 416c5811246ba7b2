import { kindSpec, overallPercent } from '../contracts/kinds';
import type { PrismaClient } from '../db';
import { isTerminal } from './records';
import { publishOperationEvent, type OperationDeps } from './publish';

export interface ChildrenSummary {
  total: number;
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  expired: number;
}

export async function childrenSummary(
  prisma: PrismaClient,
  parentId: string,
): Promise<ChildrenSummary | null> {
  const rows = await prisma.operation.groupBy({
    by: ['status'],
    where: { parentId },
    _count: { _all: true },
  });
  if (rows.length === 0) return null;
  const s: ChildrenSummary = {
    total: 0,
    queued: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    expired: 0,
  };
  for (const r of rows) {
    s[r.status] = r._count._all;
    s.total += r._count._all;
  }
  return s;
}

/**
 * A parent's progress is the roll-up of its children: the mean of their percents (finished ones
 * count as done) placed inside the parent's current stage. Its heartbeat is renewed while children
 * report, so the reaper leaves a waiting parent alone. `publish` also sends a PROGRESS event.
 */
export async function rollUpParent(
  deps: OperationDeps,
  parentId: string,
  opts: { publish?: boolean } = { publish: true },
): Promise<void> {
  const parent = await deps.prisma.operation.findUnique({ where: { id: parentId } });
  if (!parent || isTerminal(parent.status)) return;
  const children = await deps.prisma.operation.findMany({
    where: { parentId },
    select: { status: true, progressPercent: true },
  });
  if (children.length === 0) return;
  const done = children.filter((c) => isTerminal(c.status));
  const failed = children.filter((c) => c.status === 'failed' || c.status === 'expired').length;
  const mean =
    children.reduce((n, c) => n + (isTerminal(c.status) ? 100 : c.progressPercent), 0) /
    children.length /
    100;
  const spec = kindSpec(parent.kind);
  const inStage = spec && parent.stage ? overallPercent(spec, parent.stage, mean) : undefined;
  const percent = Math.max(parent.progressPercent, inStage ?? mean * 100);
  const message = `${done.length} of ${children.length} done${failed ? `, ${failed} failed` : ''}`;
  const updated = await deps.prisma.operation.update({
    where: { id: parentId },
    data: { progressPercent: percent, currentOperation: message, heartbeatAt: new Date() },
  });
  if (opts.publish)
    await publishOperationEvent(deps, updated, 'PROGRESS', message, {
      stage: updated.stage ?? undefined,
      percent,
      progress: { current: done.length, total: children.length, unit: 'operations' },
    });
}
