import path from 'node:path';
import fsp from 'node:fs/promises';
import { AppError } from '../errors';

/** Refused with 400 INVALID_PATH: absolute, empty, '.'/'..' segments, NUL, backslashes, under archives/. */
export function checkCopyPath(p: unknown, what: string): string {
  const bad = (why: string) =>
    new AppError('INVALID_PATH', `${what} ${JSON.stringify(p)} is not a path inside a run: ${why}`, 400, {
      path: p,
    });
  if (typeof p !== 'string' || p.length === 0) throw bad('it is empty');
  if (p.length > 4096) throw bad('it is longer than 4096 characters');
  if (p.includes('\0')) throw bad('it contains a NUL character');
  if (p.startsWith('/')) throw bad('absolute paths are refused; give it relative to the run');
  if (p.includes('\\')) throw bad('use / as the separator');
  const trimmed = p.replace(/\/+$/, '');
  const segs = trimmed.split('/');
  if (segs.some((s) => s === '..')) throw bad("'..' is refused");
  if (segs.some((s) => s === '' || s === '.')) throw bad("empty or '.' segments are refused");
  if (segs[0] === 'archives') throw bad('archives/ holds the run’s snapshots and is never copied');
  return trimmed;
}

/** Where each source path lands in a destination: `<destPath>/<its last segment>`. */
export function copyTargets(paths: readonly string[], destPath: string): { from: string; to: string }[] {
  return paths.map((p) => ({ from: p, to: `${destPath}/${path.posix.basename(p)}` }));
}

/** Two source paths with the same last segment would land on the same target: 400 DUPLICATE_TARGET. */
export function checkDistinctNames(paths: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const p of paths) {
    const name = path.posix.basename(p);
    const other = seen.get(name);
    if (other !== undefined)
      throw new AppError(
        'DUPLICATE_TARGET',
        `${other} and ${p} would both be copied to <dest>/${name}; copy them in two requests`,
        400,
      );
    seen.set(name, p);
  }
}

/**
 * Whether `rel` names an entry of the run at `root` without leaving it: the entry itself may be a
 * symlink (it is copied as a link), but no folder on the way to it may lead outside the run.
 */
export async function entryInside(root: string, rel: string): Promise<'ok' | 'missing' | 'outside'> {
  const base = await fsp.realpath(root);
  const parent = await fsp.realpath(path.join(root, path.dirname(rel))).catch(() => null);
  if (parent === null) return 'missing';
  if (parent !== base && !parent.startsWith(base + path.sep)) return 'outside';
  const st = await fsp.lstat(path.join(parent, path.basename(rel))).catch(() => null);
  return st ? 'ok' : 'missing';
}

/** The deepest existing folder on the way to `rel` resolves inside the run (a destination folder can be made there). */
export async function folderInside(root: string, rel: string): Promise<boolean> {
  const base = await fsp.realpath(root);
  let cur = rel;
  for (;;) {
    const real = await fsp.realpath(path.join(root, cur)).catch(() => null);
    if (real !== null) return real === base || real.startsWith(base + path.sep);
    if (cur === '.' || cur === '') return true;
    cur = path.dirname(cur);
  }
}
