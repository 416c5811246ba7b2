import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  ARCHIVES_DIR,
  BACKUP_ZIPS_DIR,
  backupZip,
  createSnapshot,
  listTree,
  normalizePaths,
  PermanentError,
  progressPump,
  registerProcessor,
  removeTree,
  resticRepoFor,
  resticRestore,
  workFraction,
  type backupZipPayload,
  type backupZipResult,
  type ProcessorContext,
} from '@arkive/shared';

type Payload = z.infer<typeof backupZipPayload>;
type Result = z.infer<typeof backupZipResult>;

export function backupZipDownloadUrl(runid: string, backupId: string, zipId: string): string {
  return `/api/runs/${encodeURIComponent(runid)}/backups/${backupId}/zips/${zipId}`;
}

function present(
  runid: string,
  z: { id: string; backupId: string; size: bigint; sha256: string; fileCount: number; expiresAt: Date },
): Result {
  return {
    zipId: z.id,
    size: Number(z.size),
    sha256: z.sha256,
    files: z.fileCount,
    expiresAt: z.expiresAt.toISOString(),
    downloadUrl: backupZipDownloadUrl(runid, z.backupId, z.id),
  };
}

/**
 * A downloadable ZIP of a backup (whole, or chosen paths): `restic restore --verify` into a temp
 * folder under STORAGE_ROOT (restic's own `dump --archive zip` stores uncompressed and makes one
 * request per blob), then our ZIP engine with its manifest into DATA_DIR/backup-zips/<operation>.zip,
 * recorded as a BackupZip row that expires after BACKUP_ZIP_TTL_HOURS. The run is never touched.
 */
export async function processBackupZip(ctx: ProcessorContext<Payload>): Promise<Result> {
  const { runid, backupId } = ctx.payload;
  const zipId = ctx.operation.id;
  const done = await ctx.prisma.backupZip.findUnique({ where: { id: zipId } });
  if (done) return present(runid, done);
  const backup = await ctx.prisma.backup.findUnique({ where: { id: backupId }, include: { repo: true } });
  if (!backup || backup.runId !== runid)
    throw new PermanentError(`Backup ${backupId} of run ${runid} not found`, 'BACKUP_NOT_FOUND');
  const repo = resticRepoFor(ctx.config, backup.repo.region);
  const paths = ctx.payload.paths?.length ? normalizePaths(ctx.payload.paths) : undefined;
  const short = backup.snapshotId.slice(0, 8);
  await ctx.report.setStage(
    'restoring',
    `Restoring ${paths ? paths.join(', ') : 'the whole backup'} of ${short} into a temp folder`,
    0,
  );
  let bytesTotal = Number(backup.bytes);
  if (paths) {
    const inScope = (await listTree(repo, backup.snapshotId, ctx.signal)).filter((e) =>
      paths.some((p) => e.path === p || e.path.startsWith(`${p}/`)),
    );
    const missing = paths.filter((p) => !inScope.some((e) => e.path === p));
    if (missing.length)
      throw new PermanentError(`Not in backup ${short}: ${missing.join(', ')}`, 'PATH_NOT_IN_BACKUP', {
        missing,
      });
    bytesTotal = inScope.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0);
  }
  const tmp = path.join(ctx.config.storageRoot, 'backup-zip-tmp', zipId);
  const outDir = path.join(ctx.config.dataDir, BACKUP_ZIPS_DIR);
  const name = `${zipId}.zip`;
  // a retry starts over: what an earlier attempt left goes first
  await removeTree(tmp);
  await fs.rm(path.join(outDir, name), { force: true });
  await fs.mkdir(tmp, { recursive: true, mode: 0o700 });
  const pump = progressPump(ctx);
  try {
    try {
      await resticRestore(repo, backup.snapshotId, tmp, {
        paths,
        bytesTotal,
        signal: ctx.signal,
        onProgress: (p) =>
          pump.send({
            stage: 'restoring',
            fraction: p.bytesTotal ? p.bytesDone / p.bytesTotal : 0,
            current: p.bytesDone,
            total: p.bytesTotal,
            unit: 'bytes',
          }),
      });
    } finally {
      await pump.drain();
    }
    // a backup never holds archives/; the ZIP engine would skip it anyway
    await removeTree(path.join(tmp, ARCHIVES_DIR));
    ctx.throwIfStopped();
    await ctx.enterStage('zipping', `Writing the ZIP of backup ${short}`);
    let snap;
    try {
      snap = await createSnapshot({
        runDir: tmp,
        outDir,
        name,
        label: `backup ${short} of ${runid}${paths ? `: ${paths.join(', ')}` : ''}`,
        kind: 'snapshot',
        hostId: ctx.config.hostId,
        signal: ctx.signal,
        onProgress: (p) =>
          pump.send({
            stage: 'zipping',
            fraction: p.stage === 'scanning' ? 0 : workFraction(p),
            message: p.currentPath ? `Adding ${p.currentPath}` : undefined,
            current: p.bytesDone,
            total: p.bytesTotal,
            unit: 'bytes',
          }),
      });
    } finally {
      await pump.drain();
    }
    try {
      ctx.throwIfStopped();
      const row = await ctx.prisma.backupZip.create({
        data: {
          id: zipId,
          runId: runid,
          backupId,
          snapshotId: backup.snapshotId,
          paths: paths ?? undefined,
          size: BigInt(snap.size),
          sha256: snap.sha256,
          fileCount: snap.fileCount,
          createdBy: ctx.operation.createdBy,
          expiresAt: new Date(Date.now() + ctx.config.backup.zipTtlHours * 3600_000),
        },
      });
      await ctx.report.status(
        `ZIP of backup ${short} ready: ${snap.fileCount} files, ${snap.size} bytes (kept ${ctx.config.backup.zipTtlHours} h)`,
      );
      return present(runid, row);
    } catch (err) {
      await fs.rm(snap.path, { force: true }).catch(() => undefined);
      throw err;
    }
  } finally {
    await removeTree(tmp).catch(() => undefined);
  }
}

export const backupZipProcessor = registerProcessor(backupZip, processBackupZip);
