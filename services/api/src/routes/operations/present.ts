import { contractState, retryStageOf, type ChildrenSummary, type Operation } from '@arkive/shared';
import type { AppDeps } from '../../deps';

async function childrenOf(deps: AppDeps, ids: string[]): Promise<Map<string, ChildrenSummary>> {
  const out = new Map<string, ChildrenSummary>();
  if (ids.length === 0) return out;
  const rows = await deps.prisma.operation.groupBy({
    by: ['parentId', 'status'],
    where: { parentId: { in: ids } },
    _count: { _all: true },
  });
  for (const r of rows) {
    if (!r.parentId) continue;
    let s = out.get(r.parentId);
    if (!s)
      out.set(
        r.parentId,
        (s = { total: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, expired: 0 }),
      );
    s[r.status] += r._count._all;
    s.total += r._count._all;
  }
  return out;
}

/**
 * The public shape of Operations (internal keys such as exclusiveKey and the checkpoint stay
 * inside), with what a person can do next: cancel while cancel can still stop it, retry and from
 * which stage, and the roll-up of children.
 */
export async function presentOperations(deps: AppDeps, ops: Operation[]) {
  const children = await childrenOf(
    deps,
    ops.map((o) => o.id),
  );
  return Promise.all(
    ops.map(async (op) => {
      const { exclusiveKey: _e, dedupeKey: _d, checkpoint: _c, updatedAt: _u, ...rest } = op;
      const active = op.status === 'queued' || op.status === 'running';
      const retryStage = active ? null : await retryStageOf(deps, op);
      return {
        ...rest,
        cancellable: active && contractState(op).committed === undefined,
        retryable: retryStage !== null,
        retryStage,
        children: children.get(op.id) ?? null,
      };
    }),
  );
}

export async function presentOperation(deps: AppDeps, op: Operation) {
  return (await presentOperations(deps, [op]))[0];
}
