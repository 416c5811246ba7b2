import { ARCHIVE_NAME_PATTERN, listArchives } from '@arkive/shared';
import { runArchivesSchema, type ArchiveItem } from '@arkive/shared/contracts';
import { defineRoute } from '../../../http/route';
import { activeRunOperation, presentActive, requireRun, runParams } from './common';

export const listRunArchives = defineRoute({
  method: 'get',
  path: '/api/runs/:runid/archives',
  summary:
    "A run's archives, newest first, and its active archive/restore operation (creates archives/ on demand)",
  tags: ['archives'],
  access: { kind: 'run', role: 'viewer' },
  params: runParams,
  response: runArchivesSchema,
  async handler({ deps, params }) {
    const runid = params.runid;
    const runDir = await requireRun(deps, runid);
    const [files, rows, active] = await Promise.all([
      listArchives(runDir),
      deps.prisma.archive.findMany({ where: { runId: runid } }),
      activeRunOperation(deps, runid),
    ]);
    const byName = new Map(rows.map((r) => [r.name, r]));
    const url = (name: string) =>
      `/api/runs/${encodeURIComponent(runid)}/archives/${encodeURIComponent(name)}/download`;
    const items = files
      .filter((f) => ARCHIVE_NAME_PATTERN.test(f.name))
      .map((f): ArchiveItem => {
        const row = byName.get(f.name);
        byName.delete(f.name);
        return {
          name: f.name,
          size: f.size,
          createdAt: f.createdAt,
          sha256: row?.sha256 ?? f.sha256 ?? null,
          fileCount: f.fileCount ?? row?.fileCount ?? null,
          label: row?.label ?? f.label ?? null,
          kind: row?.kind ?? f.kind,
          downloadable: true,
          downloadUrl: url(f.name),
        };
      });
    // Recorded archives whose local file is gone but that live in a bucket are listed, not downloadable here.
    for (const row of byName.values()) {
      if (!row.bucketKey) continue;
      items.push({
        name: row.name,
        size: Number(row.size),
        createdAt: row.createdAt.toISOString(),
        sha256: row.sha256,
        fileCount: row.fileCount,
        label: row.label,
        kind: row.kind,
        downloadable: false,
        downloadUrl: null,
      });
    }
    items.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name));
    return { items, activeOperation: presentActive(active) };
  },
});
