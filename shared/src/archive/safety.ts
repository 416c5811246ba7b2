import { PermanentError } from '../errors';
import { ARCHIVES_DIR } from '../runs';
import { MANIFEST_NAME, type ParsedManifest } from './manifest';
import { corrupt, type ZipEntry, type ZipReader } from './reader';
import type { RestoreLimits } from './types';
import { METHOD_DEFLATE, METHOD_STORE } from './zip-format';

export const DEFAULT_LIMITS: Required<RestoreLimits> = {
  maxTotalBytes: 2 ** 40,
  maxEntries: 5_000_000,
  maxRatio: 1000,
  ratioMinBytes: 1 << 20,
};
const MAX_LINK_TARGET = 4096;
/** longest file name (one path component) that ext4, XFS, btrfs, APFS and NTFS accept */
const MAX_NAME_BYTES = 255;

export interface PlannedEntry {
  entry: ZipEntry;
  /** normalized posix path relative to the run, no trailing slash */
  path: string;
  type: 'dir' | 'file' | 'symlink';
  target?: string;
}

export interface RestorePlan {
  entries: PlannedEntry[];
  totalBytes: number;
}

function unsafe(code: string, what: string, name: string): PermanentError {
  return new PermanentError(`Refusing archive: entry ${JSON.stringify(name)} ${what}`, code, { entry: name });
}

/** Normalize an entry name to a run-relative path, or throw if it is absolute, escapes or targets archives/. */
export function safeEntryPath(name: string): string {
  if (name === '' || name.includes('\0'))
    throw unsafe('ARCHIVE_UNSAFE_PATH', 'has an empty or invalid name', name);
  if (name.includes('\\')) throw unsafe('ARCHIVE_UNSAFE_PATH', 'contains a backslash', name);
  if (name.startsWith('/')) throw unsafe('ARCHIVE_UNSAFE_PATH', 'is an absolute path', name);
  if (/^[A-Za-z]:/.test(name)) throw unsafe('ARCHIVE_UNSAFE_PATH', 'starts with a drive letter', name);
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  // "." components (as in "./a.txt", written by some tools) are dropped; "./" itself is the run root.
  const parts = trimmed.split('/').filter((p) => p !== '.');
  for (const p of parts) {
    if (p === '..') throw unsafe('ARCHIVE_UNSAFE_PATH', 'escapes the run (..)', name);
    if (p === '') throw unsafe('ARCHIVE_UNSAFE_PATH', 'has an empty path component', name);
    if (Buffer.byteLength(p) > MAX_NAME_BYTES)
      throw unsafe(
        'ARCHIVE_NAME_TOO_LONG',
        `has a name longer than ${MAX_NAME_BYTES} bytes, which file systems refuse`,
        name,
      );
  }
  if (parts.length === 0) {
    if (name.endsWith('/') || name === '.') return '';
    throw unsafe('ARCHIVE_UNSAFE_PATH', 'has no file name', name);
  }
  if (parts[0] === ARCHIVES_DIR)
    throw unsafe('ARCHIVE_TARGETS_ARCHIVES', `targets the run's ${ARCHIVES_DIR}/ folder`, name);
  return parts.join('/');
}

/**
 * Resolve a link the way the OS would, inside a virtual root holding the archive's own links.
 * Returns false when resolution leaves the root (absolute target, too many `..`, loops).
 */
export function linkStaysInRun(linkPath: string, links: Map<string, string>): boolean {
  let hops = 0;
  const walk = (base: string[], rel: string): string[] | null => {
    if (rel.startsWith('/') || rel.includes('\\') || rel.includes('\0') || /^[A-Za-z]:/.test(rel))
      return null;
    const stack = [...base];
    for (const c of rel.split('/')) {
      if (c === '' || c === '.') continue;
      if (c === '..') {
        if (!stack.length) return null;
        stack.pop();
        continue;
      }
      stack.push(c);
      const t = links.get(stack.join('/'));
      if (t !== undefined) {
        if (++hops > 40) return null;
        stack.pop();
        const r = walk(stack, t);
        if (!r) return null;
        stack.splice(0, stack.length, ...r);
      }
    }
    return stack;
  };
  const target = links.get(linkPath);
  if (target === undefined || target === '') return false;
  return walk(linkPath.split('/').slice(0, -1), target) !== null;
}

/**
 * Check every entry before anything is written: unsafe paths, archives/, encryption, duplicates,
 * paths through links, links escaping the run, bombs (entry count, total size, ratio, free space).
 */
export async function planRestore(
  reader: ZipReader,
  entries: ZipEntry[],
  manifest: ParsedManifest | null,
  limitsIn: RestoreLimits | undefined,
  freeBytes: number,
): Promise<RestorePlan> {
  const limits = { ...DEFAULT_LIMITS, ...limitsIn };
  if (entries.length > limits.maxEntries) {
    throw new PermanentError(
      `Refusing archive: ${entries.length} entries exceed the limit of ${limits.maxEntries}`,
      'ARCHIVE_TOO_LARGE',
    );
  }
  const planned: PlannedEntry[] = [];
  const byPath = new Map<string, PlannedEntry>();
  let totalBytes = 0;
  for (const e of entries) {
    if (e.encrypted) throw unsafe('ARCHIVE_ENCRYPTED', 'is encrypted', e.name);
    const p = safeEntryPath(e.name);
    if (p === '') {
      if (e.isDir) continue; // "./": the run itself
      throw unsafe('ARCHIVE_UNSAFE_PATH', 'has no file name', e.name);
    }
    if (e.method !== METHOD_STORE && e.method !== METHOD_DEFLATE)
      throw corrupt(`unsupported compression method ${e.method}`, e.name);
    if (byPath.has(p)) throw unsafe('ARCHIVE_DUPLICATE_ENTRY', 'appears more than once', e.name);
    totalBytes += e.size;
    if (totalBytes > limits.maxTotalBytes) {
      throw new PermanentError(
        `Refusing archive: it expands to more than ${limits.maxTotalBytes} bytes (at entry ${JSON.stringify(e.name)})`,
        'ARCHIVE_TOO_LARGE',
        { entry: e.name },
      );
    }
    if (e.size > limits.ratioMinBytes && e.size / Math.max(1, e.compressedSize) > limits.maxRatio) {
      throw unsafe(
        'ARCHIVE_TOO_LARGE',
        `expands ${Math.round(e.size / Math.max(1, e.compressedSize))}:1, over the limit of ${limits.maxRatio}:1 (zip bomb?)`,
        e.name,
      );
    }
    // The manifest's own name is reserved at the top level: restored into a run it would collide
    // with the manifest of the run's next snapshots. Only an Arkive archive whose manifest took
    // another name (because the run it was made from held that name) lists it as ordinary content.
    if (p.split('/')[0] === MANIFEST_NAME && (manifest?.entryName ?? MANIFEST_NAME) === MANIFEST_NAME)
      throw unsafe(
        'ARCHIVE_RESERVED_NAME',
        `uses the name ${MANIFEST_NAME}, which Arkive reserves for the manifest of its archives; nothing was restored`,
        e.name,
      );
    const pe: PlannedEntry = { entry: e, path: p, type: e.isDir ? 'dir' : e.isSymlink ? 'symlink' : 'file' };
    byPath.set(p, pe);
    planned.push(pe);
  }
  if (totalBytes > freeBytes) {
    throw new PermanentError(
      `Refusing archive: it expands to ${totalBytes} bytes but only ${freeBytes} are free`,
      'ARCHIVE_TOO_LARGE',
    );
  }
  const links = new Map<string, string>();
  for (const pe of planned) {
    if (pe.type !== 'symlink') continue;
    if (pe.entry.size > MAX_LINK_TARGET)
      throw unsafe('ARCHIVE_SYMLINK_ESCAPE', 'is a symlink with an oversized target', pe.entry.name);
    pe.target = (await reader.readSmallEntry(pe.entry, MAX_LINK_TARGET)).toString('utf8');
    links.set(pe.path, pe.target);
  }
  for (const pe of planned) {
    const parts = pe.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const anc = byPath.get(parts.slice(0, i).join('/'));
      if (anc?.type === 'symlink')
        throw unsafe(
          'ARCHIVE_SYMLINK_ESCAPE',
          `passes through the symlink ${JSON.stringify(anc.path)}`,
          pe.entry.name,
        );
      if (anc?.type === 'file')
        throw unsafe(
          'ARCHIVE_DUPLICATE_ENTRY',
          `is inside ${JSON.stringify(anc.path)}, which is also a file`,
          pe.entry.name,
        );
    }
    if (pe.type === 'symlink' && !linkStaysInRun(pe.path, links))
      throw unsafe(
        'ARCHIVE_SYMLINK_ESCAPE',
        `is a symlink pointing outside the run (${JSON.stringify(pe.target)})`,
        pe.entry.name,
      );
    if (pe.type === 'symlink' && manifest) {
      const line = manifest.entries.get(pe.path);
      if (line && line.l !== pe.target)
        throw corrupt('symlink target does not match the manifest', pe.entry.name);
    }
  }
  if (manifest) {
    if (manifest.entries.size !== planned.length)
      throw corrupt(`manifest lists ${manifest.entries.size} entries, archive has ${planned.length}`);
    for (const pe of planned)
      if (!manifest.entries.has(pe.path)) throw corrupt('not listed in the manifest', pe.entry.name);
  }
  return { entries: planned, totalBytes };
}
