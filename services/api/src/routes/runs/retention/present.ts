import type { RunRetentionView } from '@arkive/shared/contracts';
import type { AppDeps } from '../../../deps';
import { describePolicy, effectiveRetention } from '../../../retention/policy';

export async function presentRetention(deps: AppDeps, runid: string): Promise<RunRetentionView> {
  const [{ policy, overrides, defaults }, deletions] = await Promise.all([
    effectiveRetention(deps, runid),
    deps.prisma.archiveDeletion.findMany({
      where: { runId: runid },
      orderBy: { id: 'desc' },
      take: 20,
    }),
  ]);
  return {
    policy,
    overrides: {
      keepLast: overrides.keepLast ?? null,
      keepDays: overrides.keepDays ?? null,
      preRestoreDays: overrides.preRestoreDays ?? null,
    },
    defaults,
    description: describePolicy(policy),
    recentDeletions: deletions.map((d) => ({
      name: d.name,
      kind: d.kind,
      size: Number(d.size),
      reason: d.reason,
      detail: d.detail,
      deletedAt: d.createdAt.toISOString(),
    })),
  };
}
