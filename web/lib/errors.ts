/**
 * An operation's failure in plain words with the next step, from its stable error code; the
 * server's own message stays available as the technical detail.
 */
export interface ExplainedError {
  summary: string;
  next: string;
  /** False when the code is not one we explain: the summary is then the server's own message. */
  known?: boolean;
}

const STALE_LOCK =
  'A lock is a *.nodb.lock file in the run or a field of the Redis hash <runid>:locks. The run page lists each one and since when. If no program works on the run any more (it crashed), delete the lock file or the field (redis-cli HDEL <runid>:locks <field>), then retry.';

const EXPLAINED: Record<string, ExplainedError> = {
  RUN_LOCKED: {
    summary: 'The run is locked by another program, so nothing was changed.',
    next: `Wait until that program finishes and releases its lock, then retry. ${STALE_LOCK}`,
  },
  RUN_CHANGED: {
    summary: 'Files in the run changed while the restore was being prepared, so the run was left as it was.',
    next: 'Stop whatever writes to the run (or let it finish), then retry the restore.',
  },
  ARCHIVE_SOURCE_CHANGED: {
    summary: 'A file of the run disappeared while the snapshot was being written; no archive was kept.',
    next: 'Nothing in the run was changed: retrying is safe once the run has stopped changing.',
  },
  ARCHIVE_SOURCE_UNREADABLE: {
    summary: 'A file of the run could not be read.',
    next: 'Check the file named below (permissions, disk), then retry.',
  },
  ARCHIVE_WRITE_FAILED: {
    summary: 'The archive could not be written.',
    next: 'Check free space and permissions of the run’s archives/ folder, then retry.',
  },
  ARCHIVE_CORRUPT: {
    summary: 'The archive is damaged or is not a ZIP file; the run was not changed.',
    next: 'Restore another archive, or download this one and check it with `unzip -t`.',
  },
  ARCHIVE_NOT_FOUND: {
    summary: 'The archive is no longer there (deleted, or removed by retention).',
    next: 'Pick another archive from the run’s list.',
  },
  RUN_NOT_FOUND: {
    summary: 'The run’s directory is missing on disk.',
    next: 'Put the directory back under RUNS_ROOT (or restore it from a backup), then retry.',
  },
  SOURCE_CHANGED: {
    summary:
      'The folder changed after it was copied, so its source was not deleted. The verified archive stays in the bucket.',
    next: 'Let whatever writes to the folder finish, then retry: the job copies it again.',
  },
  TOOL_MISSING: {
    summary: 'A program this job needs is not installed on the worker’s machine.',
    next: 'Install it with the command in the detail below, then retry.',
  },
  JOB_LOST: {
    summary: 'The job disappeared from the queue (Redis was reset or the worker vanished).',
    next: 'Retry: it resumes at the last stage that can safely run again.',
  },
  UPLOAD_VERIFY_FAILED: {
    summary: 'The uploaded object did not match the local archive (size or SHA-256), so nothing was deleted.',
    next: 'Retry: the upload starts again from the tested archive.',
  },
  FILE_SYSTEM_ERROR: {
    summary: 'The file system refused an operation.',
    next: 'The detail names the file and the reason; fix it (space, permissions), then retry.',
  },
  RUN_EXISTS: {
    summary: 'The destination already has a directory under the run’s name, so nothing was restored there.',
    next: 'A move leaves the run on its source host, unchanged. Move or remove that directory on the destination, then retry.',
  },
  MOVE_VERIFY_FAILED: {
    summary: 'The copy on the destination host did not match the backup, so it was removed.',
    next: 'The run stays on its source host, unchanged. Check the destination’s disk, then retry the move.',
  },
  INSUFFICIENT_SPACE: {
    summary: 'The destination host has too little free space for the run.',
    next: 'Free space on that host (or pick another one), then move again.',
  },
  REGION_MISMATCH: {
    summary: 'The destination host is in another backup region; a move goes through the run’s backups.',
    next: 'Pick a host of the run’s region.',
  },
  HOST_DRAINING: {
    summary: 'The destination host is draining: it takes no new runs.',
    next: 'Pick another host, or ask an administrator to end draining.',
  },
  HOST_OFF: {
    summary: 'The destination host is turned off.',
    next: 'Pick another host.',
  },
};

export function explainError(
  code: string | null | undefined,
  message: string | null | undefined,
): ExplainedError {
  const known = code ? EXPLAINED[code] : undefined;
  if (known) return { ...known, known: true };
  if (message && /ENOSPC|no space/i.test(message))
    return { summary: 'The disk is full.', next: 'Free some space (old archives, retention), then retry.' };
  return {
    summary: message?.split('\n')[0] ?? 'The operation failed.',
    next: 'Retry; if it fails again the same way, the technical detail below says what to fix.',
  };
}
