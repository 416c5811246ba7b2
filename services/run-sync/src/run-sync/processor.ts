import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  ARCHIVE_NAME_PATTERN,
  ARCHIVES_DIR,
  CancelledError,
  PermanentError,
  ShutdownError,
  assertRunUnlocked,
  classifyError,
  errorMessage,
  progressPump,
  registerProcessor,
  restoreArchive,
  runSync,
  runSyncDownloadPath,
  runSyncStagingRoot,
  type ArchiveProgress,
  type ProcessorContext,
  type RunSyncPayload,
  type runSyncResult,
} from '@arkive/shared';
import { downloadExport } from './download';
import { recordProvenance, writeProvenance } from './provenance';
import { exportInfoSchema, exportUrl, fetchExportInfo, type ExportInfo, type SourceRef } from './source';
import { removeUnregisteredPlacement } from './sweep';
import { guardTarget, moveFile, resolveOwner } from './target';

type Result = z.infer<typeof runSyncResult>;
type Ctx = ProcessorContext<RunSyncPayload>;

async function hashFile(file: string, signal: AbortSignal, onBytes: (n: number) => void) {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
    onBytes(size);
  }
  return { size, sha256: hash.digest('hex') };
}

/** The name the pulled archive keeps in the run's archives/ (never one that is already there). */
async function pulledArchiveName(runDir: string, info: ExportInfo, operationId: string): Promise<string> {
  const base = ARCHIVE_NAME_PATTERN.test(info.name) && !info.name.includes('..') ? info.name : 'pulled.zip';
  const taken = await fs
    .lstat(path.join(runDir, ARCHIVES_DIR, base))
    .then(() => true)
    .catch(() => false);
  return taken ? `synced-${operationId.slice(0, 8)}_${base}`.slice(0, 200) : base;
}

function restoreProgress(p: ArchiveProgress) {
  if (p.stage !== 'extracting') return null;
  return {
    stage: 'restoring',
    fraction: p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0,
    current: p.bytesDone,
    total: p.bytesTotal,
    unit: 'bytes',
  };
}

/**
 * Run sync: download the source's export (resumable), verify it against the export info, restore
 * it with the safe restore, write .provenance.json and register the run. A new run is restored
 * into a hidden folder beside the target and moved into place only once everything else is done;
 * any failure removes that folder, so nothing half-done is left in the target root or the database.
 */
export async function processRunSync(ctx: Ctx): Promise<Result> {
  const p = ctx.payload;
  const opId = ctx.operation.id;
  const file = runSyncDownloadPath(ctx.config.storageRoot, opId);
  const stagingRoot = runSyncStagingRoot(path.resolve(p.targetRoot), opId);
  const row = await ctx.prisma.runSync.findUnique({ where: { id: p.syncId } });
  if (!row) throw new PermanentError(`Run sync ${p.syncId} has no status row`, 'SYNC_NOT_FOUND');
  const setRow = (data: Parameters<typeof ctx.prisma.runSync.update>[0]['data']) =>
    ctx.prisma.runSync.update({ where: { id: p.syncId }, data });
  const source: SourceRef = {
    sourceHost: p.sourceHost,
    runid: p.runid,
    token: row.authToken ?? undefined,
    from: p.from ?? 'latest',
  };
  const timeoutMs = ctx.config.runSync.timeoutSeconds * 1000;
  try {
    // A previous attempt that died between moving the run into place and registering it.
    if (typeof ctx.checkpoint.placed === 'string' && !p.overwrite)
      if (await removeUnregisteredPlacement(ctx.prisma, ctx.checkpoint.placed, p.runid, opId))
        await ctx.report.status(
          `Removed ${ctx.checkpoint.placed}, placed but not registered by an earlier attempt`,
        );
    // Refuse before downloading anything when the target cannot take the run.
    await guardTarget(ctx, p);
    await ctx.enterStage('downloading', `Downloading run ${p.runid} from ${p.sourceHost}`);
    await setRow({ status: 'downloading', error: null, finishedAt: null });
    const saved = exportInfoSchema.safeParse(ctx.checkpoint.info);
    let info = saved.success ? saved.data : await fetchExportInfo(source, ctx.signal, timeoutMs);
    if (!saved.success) {
      await fs.rm(file, { force: true });
      await ctx.saveCheckpoint({ info });
    }
    await ctx.report.emit('DOWNLOADING', {
      message: `Downloading ${info.name} (${info.size} bytes, ${info.files} files) from ${p.sourceHost}`,
      detail: { name: info.name, size: info.size, sha256: info.sha256, url: exportUrl(source, info.name) },
    });
    const pump = progressPump(ctx);
    try {
      info = await downloadExport({
        source,
        file,
        info,
        signal: ctx.signal,
        timeoutMs,
        onInfo: (i) => ctx.saveCheckpoint({ info: i }),
        onProgress: (bytes, total) =>
          pump.send({
            stage: 'downloading',
            fraction: total > 0 ? bytes / total : 1,
            current: bytes,
            total,
            unit: 'bytes',
          }),
        onNote: async (kind, message) => {
          await pump.drain();
          await ctx.report.status(message, kind === 'resume' ? 'INFO' : 'WARNING');
        },
      });
    } finally {
      await pump.drain();
    }

    await ctx.enterStage('verifying', `Checking size and SHA-256 of ${info.name}`);
    await setRow({ status: 'verifying' });
    const vpump = progressPump(ctx);
    let got;
    try {
      got = await hashFile(file, ctx.signal, (n) =>
        vpump.send({
          stage: 'verifying',
          fraction: info.size ? n / info.size : 1,
          current: n,
          total: info.size,
        }),
      );
    } finally {
      await vpump.drain();
    }
    if (got.size !== info.size || got.sha256 !== info.sha256) {
      await fs.rm(file, { force: true });
      throw new PermanentError(
        `The download does not match the source's export info: ${got.size} bytes with SHA-256 ${got.sha256}, expected ${info.size} bytes with ${info.sha256}`,
        'CHECKSUM_MISMATCH',
        { expected: { size: info.size, sha256: info.sha256 }, got },
      );
    }
    await setRow({ bytes: BigInt(got.size), sha256: got.sha256 });
    await ctx.report.emit('CHECKSUM_OK', {
      message: `Size and SHA-256 match the source: ${got.size} bytes, ${got.sha256}`,
      detail: { size: got.size, sha256: got.sha256 },
    });

    await ctx.enterStage('restoring', `Restoring ${info.name} with the safe restore`);
    await setRow({ status: 'restoring' });
    const target = await guardTarget(ctx, p);
    const owner = await resolveOwner(ctx.prisma, p.ownerEmail, ctx.operation.createdBy);
    const ownerName = owner?.username ?? ctx.operation.createdBy ?? 'unknown';
    const pulledAt = new Date().toISOString();
    const provenance = {
      runid: p.runid,
      source_host: p.sourceHost,
      pulled_at: pulledAt,
      original_url: exportUrl(source, info.name),
      owner_email: p.ownerEmail ?? null,
      version_at_pull: info.version,
      sha256: info.sha256,
      size: info.size,
      archive_name: info.name,
      operation_id: opId,
    };
    const rpump = progressPump(ctx);
    let archiveName: string;
    let preRestore: string | undefined;
    let preRestoreRecord: Awaited<ReturnType<typeof restoreArchive>>['preRestoreArchive'];
    if (target.dirExists) {
      // Overwrite: the engine's own swap, the replaced content kept as a pre-restore snapshot.
      const res = await restoreArchive({
        runDir: target.dir,
        archivePath: file,
        preRestoreSnapshot: true,
        allowEmpty: true,
        hostId: ctx.config.hostId,
        assertUnlocked: (dir) => assertRunUnlocked(dir, p.runid, ctx.redis, ctx.config.redisPrefix),
        signal: ctx.signal,
        beforeStage: async (stage) => {
          await rpump.drain();
          if (stage === 'swapping')
            await ctx.enterStage('registering', 'Swapping the imported content into place');
          else await ctx.report.status('Snapshotting the current content before replacing it');
        },
        onProgress: (pr) => {
          const u = restoreProgress(pr);
          if (u) rpump.send(u);
        },
      }).finally(() => rpump.drain());
      preRestoreRecord = res.preRestoreArchive;
      preRestore = res.preRestoreArchive?.name;
      await fs.mkdir(path.join(target.dir, ARCHIVES_DIR), { recursive: true });
      archiveName = await pulledArchiveName(target.dir, info, opId);
      await moveFile(file, path.join(target.dir, ARCHIVES_DIR, archiveName));
      await writeProvenance(target.dir, provenance);
    } else {
      // New run: restored in a hidden folder beside the target, moved into place at the end.
      await fs.rm(stagingRoot, { recursive: true, force: true });
      const staged = path.join(stagingRoot, p.runid);
      await fs.mkdir(staged, { recursive: true });
      await restoreArchive({
        runDir: staged,
        archivePath: file,
        preRestoreSnapshot: false,
        allowEmpty: true,
        hostId: ctx.config.hostId,
        signal: ctx.signal,
        onProgress: (pr) => {
          const u = restoreProgress(pr);
          if (u) rpump.send(u);
        },
      }).finally(() => rpump.drain());
      await fs.mkdir(path.join(staged, ARCHIVES_DIR), { recursive: true });
      archiveName = await pulledArchiveName(staged, info, opId);
      await moveFile(file, path.join(staged, ARCHIVES_DIR, archiveName));
      await writeProvenance(staged, provenance);
      await ctx.enterStage('registering', `Moving run ${p.runid} into place and registering it`);
      // Someone may have created the run meanwhile: never replace what we did not check.
      await guardTarget(ctx, { ...p, overwrite: false });
      await ctx.saveCheckpoint({ placed: target.dir });
      await fs.rename(staged, target.dir);
    }

    await setRow({ status: 'registering' });
    try {
      await ctx.prisma.$transaction(async (tx) => {
        // the pulled files keep the source's mtimes: the run changed now, whatever they say
        await tx.run.upsert({
          where: { id: p.runid },
          create: { id: p.runid, createdBy: ownerName, lastEditedAt: new Date() },
          update: { lastEditedAt: new Date() },
        });
        if (owner)
          await tx.runMember.upsert({
            where: { runId_userId: { runId: p.runid, userId: owner.id } },
            create: { runId: p.runid, userId: owner.id, role: 'owner' },
            update: { role: 'owner' },
          });
        const archives = [
          {
            name: archiveName,
            label: `pulled from ${p.sourceHost}`,
            size: info.size,
            sha256: info.sha256,
            fileCount: info.files,
            kind: 'snapshot',
          },
          ...(preRestoreRecord
            ? [
                {
                  name: preRestoreRecord.name,
                  label: `before importing from ${p.sourceHost}`,
                  size: preRestoreRecord.size,
                  sha256: preRestoreRecord.sha256,
                  fileCount: preRestoreRecord.fileCount,
                  kind: 'pre-restore',
                },
              ]
            : []),
        ];
        for (const a of archives) {
          const data = {
            label: a.label,
            size: BigInt(a.size),
            sha256: a.sha256,
            fileCount: a.fileCount,
            localPath: path.join(target.dir, ARCHIVES_DIR, a.name),
            kind: a.kind,
            operationId: opId,
          };
          await tx.archive.upsert({
            where: { runId_name: { runId: p.runid, name: a.name } },
            create: { runId: p.runid, name: a.name, ...data },
            update: data,
          });
        }
        await recordProvenance(tx, { ...provenance, localPath: target.dir, lastStatus: 'synced' });
        await tx.runSync.update({
          where: { id: p.syncId },
          data: {
            status: 'succeeded',
            owner: ownerName,
            finishedAt: new Date(),
            authToken: null,
            error: null,
          },
        });
      });
    } catch (err) {
      // Not registered: a new run leaves the target root again (an overwrite keeps its new content
      // and the pre-restore snapshot; a retry registers it).
      if (!target.dirExists) await fs.rm(target.dir, { recursive: true, force: true });
      throw err;
    }
    await ctx.report.emit('REGISTERED', {
      message: `Registered run ${p.runid} at ${target.dir} (owner ${ownerName})`,
      detail: { runDir: target.dir, owner: ownerName },
    });
    await fs.rm(stagingRoot, { recursive: true, force: true });
    return {
      runid: p.runid,
      runDir: target.dir,
      size: info.size,
      sha256: info.sha256,
      files: info.files,
      owner: ownerName,
      archiveName,
      ...(preRestore ? { preRestoreArchive: preRestore } : {}),
    };
  } catch (err) {
    await fs.rm(stagingRoot, { recursive: true, force: true }).catch(() => undefined);
    const stopped = err instanceof CancelledError || ctx.signal.reason instanceof CancelledError;
    const shutdown = err instanceof ShutdownError || ctx.signal.reason instanceof ShutdownError;
    const permanent = classifyError(err) === 'permanent';
    // A partial download stays for a resume (retry, or the next worker after a shutdown).
    if (stopped || (permanent && !shutdown)) await fs.rm(file, { force: true }).catch(() => undefined);
    const lastAttempt = ctx.job.attemptsMade + 1 >= (ctx.job.opts.attempts ?? 1);
    await setRow({
      status: stopped ? 'cancelled' : shutdown ? 'queued' : permanent || lastAttempt ? 'failed' : 'retrying',
      error: stopped || shutdown ? null : errorMessage(err),
      ...(stopped || permanent || lastAttempt ? { finishedAt: new Date() } : {}),
      ...(stopped ? { authToken: null } : {}),
    }).catch(() => undefined);
    throw err;
  }
}

export const runSyncProcessor = registerProcessor(runSync, processRunSync);
