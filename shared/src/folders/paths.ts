import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError, NotFoundError } from '../errors';

export interface FolderRef {
  /** `<level1>/<level2>/<folder>` relative to SOURCE_ROOT (always `/`-separated). */
  rel: string;
  /** Absolute path under SOURCE_ROOT (as configured, not the realpath). */
  abs: string;
  name: string;
  level1: string;
  level2: string;
}

export const FOLDER_DEPTH = 3;

function invalid(message: string): AppError {
  return new AppError('FOLDER_PATH_INVALID', message, 400);
}

/** Splits a client path (absolute under SOURCE_ROOT, or relative to it) into checked segments. No I/O. */
export function parseFolderPath(sourceRoot: string, input: string): FolderRef {
  if (typeof input !== 'string' || input.trim() === '') throw invalid('folder_path is required');
  if (input.includes('\0')) throw invalid('folder_path must not contain NUL');
  if (input.includes('\\')) throw invalid('folder_path must not contain backslashes');
  const root = path.resolve(sourceRoot);
  let rel: string;
  if (path.isAbsolute(input)) {
    const raw = input.replace(/\/+$/, '');
    if (raw.split('/').some((s) => s === '..' || s === '.'))
      throw invalid('folder_path must not contain "." or ".." segments');
    if (raw !== root && !raw.startsWith(root + path.sep))
      throw invalid(`folder_path must be inside SOURCE_ROOT (${root})`);
    rel = raw.slice(root.length + 1);
  } else {
    rel = input.replace(/\/+$/, '');
  }
  const parts = rel.split('/');
  if (parts.some((s) => s === '' || s === '.' || s === '..'))
    throw invalid('folder_path must not contain empty, "." or ".." segments');
  if (parts.length !== FOLDER_DEPTH)
    throw invalid(
      `folder_path must be exactly ${FOLDER_DEPTH} levels below SOURCE_ROOT (<level1>/<level2>/<folder>); got ${parts.length}`,
    );
  const [level1, level2, name] = parts;
  return { rel: parts.join('/'), abs: path.join(root, ...parts), name, level1, level2 };
}

/**
 * parseFolderPath plus the filesystem checks: the folder exists, is a directory, and neither it nor
 * its parents are symlinks leading out of SOURCE_ROOT (realpath must stay three levels below the
 * real root).
 */
export async function resolveFolder(sourceRoot: string, input: string): Promise<FolderRef> {
  const ref = parseFolderPath(sourceRoot, input);
  let realRoot: string;
  try {
    realRoot = await fs.realpath(path.resolve(sourceRoot));
  } catch {
    throw new AppError('SOURCE_ROOT_MISSING', `SOURCE_ROOT ${sourceRoot} does not exist`, 503);
  }
  let real: string;
  try {
    real = await fs.realpath(ref.abs);
  } catch {
    throw new NotFoundError('FOLDER_NOT_FOUND', `Folder ${ref.rel} does not exist`);
  }
  if (!real.startsWith(realRoot + path.sep))
    throw invalid(`folder_path resolves outside SOURCE_ROOT (symbolic link): ${ref.rel}`);
  const realRel = real.slice(realRoot.length + 1).split(path.sep);
  if (realRel.length !== FOLDER_DEPTH || realRel.join('/') !== ref.rel) {
    throw invalid(`folder_path must not go through symbolic links: ${ref.rel}`);
  }
  const st = await fs.lstat(real);
  if (!st.isDirectory()) throw invalid(`${ref.rel} is not a directory`);
  return ref;
}

/** Object key in the bucket: `<level1>/<level2>/<folder>.tar.7z` (PRD: same structure as the source). */
export function folderObjectKey(ref: Pick<FolderRef, 'level1' | 'level2' | 'name'>): string {
  return `${ref.level1}/${ref.level2}/${ref.name}.tar.7z`;
}

export function folderRefFromRel(sourceRoot: string, rel: string): FolderRef {
  return parseFolderPath(sourceRoot, rel);
}

/** Work directories of one job under STORAGE_ROOT. */
export function jobDirs(storageRoot: string, jobId: string, folderName: string) {
  const temp = path.join(storageRoot, 'temp', jobId);
  const archives = path.join(storageRoot, 'archives', jobId);
  const failed = path.join(storageRoot, 'failed', jobId);
  return {
    temp,
    tempFolder: path.join(temp, folderName),
    archives,
    archive: path.join(archives, `${folderName}.tar.7z`),
    failed,
    failedArchive: path.join(failed, `${folderName}.tar.7z`),
  };
}
