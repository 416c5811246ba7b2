import fs from 'node:fs/promises';
import path from 'node:path';
import {
  folderArchive,
  folderRetrieve,
  isMarkerName,
  markerFileName,
  type Config,
  type FolderRef,
  type PrismaClient,
} from '@arkive/shared';

export const FOLDER_RETRIEVE_KIND = folderRetrieve.kind;

/** A folder's cold-storage record: where its object is, its size and SHA-256, when and by whom. */
export interface ColdRecord {
  bucket: string;
  key: string;
  size: number;
  sha256: string;
  archivedAt: string | null;
  archivedBy: string | null;
  archiveJobId: string | null;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** From the folder's latest succeeded folder-archive job (the audit record), else from its marker file. */
export async function coldRecordOf(
  prisma: PrismaClient,
  config: Config,
  ref: FolderRef,
): Promise<ColdRecord | null> {
  const op = await prisma.operation.findFirst({
    where: { kind: folderArchive.kind, scopeId: ref.rel, status: 'succeeded' },
    orderBy: { finishedAt: 'desc' },
  });
  const r = (op?.result ?? {}) as Record<string, unknown>;
  if (op && str(r.bucket) && str(r.key) && typeof r.size === 'number' && str(r.sha256))
    return {
      bucket: str(r.bucket)!,
      key: str(r.key)!,
      size: r.size,
      sha256: str(r.sha256)!,
      archivedAt: op.finishedAt?.toISOString() ?? null,
      archivedBy: op.createdBy,
      archiveJobId: op.id,
    };
  return parseMarker(
    await fs
      .readFile(path.join(ref.abs, markerFileName(config.folders.markerTemplate, ref.name)), 'utf8')
      .catch(() => ''),
  );
}

/** The fields of a marker file written by markerContents (older markers lack bucket/size/SHA-256: null). */
export function parseMarker(text: string): ColdRecord | null {
  const field = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(text)?.[1]?.trim();
  const bucket = field('Bucket');
  const key = field('Object key');
  const size = Number(/^(\d+)/.exec(field('Size') ?? '')?.[1]);
  const sha256 = field('SHA-256');
  if (!bucket || !key || !Number.isFinite(size) || !sha256 || !/^[0-9a-f]{64}$/.test(sha256)) return null;
  const when = field('Archived on');
  return {
    bucket,
    key,
    size,
    sha256,
    archivedAt: when ? new Date(when.replace(' UTC', 'Z').replace(' ', 'T')).toISOString() : null,
    archivedBy: field('User') ?? null,
    archiveJobId: field('Job ID') ?? null,
  };
}

export async function hasMarker(config: Config, ref: FolderRef): Promise<boolean> {
  const names = await fs.readdir(ref.abs).catch(() => []);
  return names.some((n) => isMarkerName(n, config.folders.markerTemplate, ref.name));
}
