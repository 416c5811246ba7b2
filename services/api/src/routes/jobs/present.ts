import path from 'node:path';
import {
  folderObjectKey,
  jobDirs,
  parseFolderPath,
  readFolderCheckpoint,
  type Config,
  type Operation,
} from '@arkive/shared';
import { folderJobStatus } from './folder-jobs';

/** PRD §5.4 job shape (snake_case) from a folder-archive Operation. */
export function presentJob(op: Operation, config: Config) {
  const rel = op.scopeId;
  let name = path.posix.basename(rel);
  let sourcePath = path.join(config.sourceRoot, rel);
  let key: string | null = null;
  try {
    const ref = parseFolderPath(config.sourceRoot, rel);
    name = ref.name;
    sourcePath = ref.abs;
    key = folderObjectKey(ref);
  } catch {
    /* scope ids are validated on creation; keep going for odd rows */
  }
  const result = (op.result ?? {}) as Record<string, unknown>;
  const archive = readFolderCheckpoint(op.checkpoint).archive;
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const status = folderJobStatus(op);
  return {
    job_id: op.id,
    folder_name: name,
    folder_path: rel,
    source_path: sourcePath,
    globus_destination_path: key ? `/${key}` : null,
    destination_key: key,
    bucket: typeof result.bucket === 'string' ? result.bucket : null,
    archive_path: jobDirs(config.storageRoot, op.id, name).archive,
    status,
    progress_percent: status === 'completed' ? 100 : Math.round(op.progressPercent),
    current_operation: op.currentOperation ?? (status === 'queued' ? 'Waiting in queue' : null),
    folder_size_bytes: num(result.folder_size_bytes) ?? archive?.folderSize ?? null,
    archive_size_bytes: num(result.archive_size_bytes) ?? archive?.size ?? null,
    sha256: typeof result.sha256 === 'string' ? result.sha256 : (archive?.sha256 ?? null),
    created_by: op.createdBy ?? 'unknown',
    created_at: op.createdAt.toISOString(),
    started_at: op.startedAt?.toISOString() ?? null,
    completed_at: op.finishedAt?.toISOString() ?? null,
    error_message: op.error ?? null,
    error_code: op.errorCode ?? null,
    retry_count: Math.max(0, op.attempt - 1),
    globus_task_id: null,
    channel: op.channel,
  };
}
