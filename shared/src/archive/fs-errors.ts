import { AppError, PermanentError, TransientError } from '../errors';

/**
 * File-system errors in the run's terms. Node's messages name the path of the call ("ENOENT: no
 * such file or directory, open '/runs/.vic.restore-…/results/a.dat'"), which for a restore or a
 * snapshot is a staging or temp path a person cannot act on: these helpers say which run file (or
 * which archive) and why, and keep the errno code.
 */
const REASONS: Record<string, string> = {
  ENAMETOOLONG: 'the name is too long for this file system',
  ENOSPC: 'no space is left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'another entry already has this name on this file system (names that differ only in case?)',
  EROFS: 'the file system is read-only',
  EIO: 'an input/output error occurred',
  ENOENT: 'it or its folder was removed by something else meanwhile',
  ENOTDIR: 'a folder on its path is not a folder',
  EISDIR: 'it is a folder',
  ELOOP: 'too many levels of symbolic links',
  EILSEQ: 'the file system does not accept this name',
  EINVAL: 'the file system does not accept this name',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files on this system',
  EBUSY: 'the file or folder is busy',
  EXDEV: 'it is on another file system',
};
/** Conditions that can clear by themselves: the job may retry. */
const TRANSIENT = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EMFILE', 'ENFILE', 'EBUSY']);

export function errnoCode(err: unknown): string | undefined {
  if (err instanceof AppError || typeof err !== 'object' || err === null) return undefined;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

export function fsReason(code: string): string {
  return REASONS[code] ?? 'the file system refused it';
}

/**
 * `err` as an AppError whose message is `${what}: <reason> (<code>)`, e.g. "Cannot restore
 * results/a.dat: the name is too long for this file system (ENAMETOOLONG)". Non-errno errors and
 * AppErrors pass through unchanged.
 */
export function describeFsError(err: unknown, what: string, code = 'FILE_SYSTEM_ERROR', after = ''): unknown {
  const errno = errnoCode(err);
  if (!errno) return err;
  const message = `${what}: ${fsReason(errno)} (${errno})${after}`;
  const e = TRANSIENT.has(errno)
    ? new TransientError(message, code, { errno })
    : new PermanentError(message, code, { errno });
  (e as { cause?: unknown }).cause = err;
  return e;
}
