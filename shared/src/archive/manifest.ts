/**
 * The manifest stored as the last entry of every Arkive archive: JSON lines, a header line, one
 * line per entry (path, type, size, mode, mtime, SHA-256 for files, target for links) and a
 * summary line. The archive comment repeats the summary so listing reads only the file's tail.
 */
export const MANIFEST_NAME = '.arkive-manifest.jsonl';
export const MANIFEST_FORMAT = 'arkive-manifest';
export const COMMENT_TAG = 'arkive';

export type ArchiveKind = 'snapshot' | 'pre-restore';

export interface ManifestHeader {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  createdAt: string;
  label?: string;
  kind: ArchiveKind;
}

export interface ManifestEntry {
  p: string;
  t: 'f' | 'd' | 'l';
  s: number;
  m: number;
  mt: number;
  h?: string;
  l?: string;
}

export interface ManifestSummary {
  end: true;
  fileCount: number;
  entryCount: number;
  totalBytes: number;
}

/** JSON kept in the ZIP comment (≤ 64 KiB). */
export interface ArchiveComment {
  arkive: 1;
  kind: ArchiveKind;
  createdAt: string;
  label?: string;
  fileCount: number;
  totalBytes: number;
  manifestSha256: string;
}

export interface ParsedManifest {
  header: ManifestHeader;
  entries: Map<string, ManifestEntry>;
  summary: ManifestSummary;
}

export function parseManifest(text: string): ParsedManifest {
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (lines.length < 2) throw new Error('manifest is truncated');
  const header = JSON.parse(lines[0]) as ManifestHeader;
  if (header.format !== MANIFEST_FORMAT || header.version !== 1)
    throw new Error('manifest has an unknown format');
  const summary = JSON.parse(lines[lines.length - 1]) as ManifestSummary;
  if (summary.end !== true) throw new Error('manifest is truncated');
  const entries = new Map<string, ManifestEntry>();
  for (let i = 1; i < lines.length - 1; i++) {
    const e = JSON.parse(lines[i]) as ManifestEntry;
    if (typeof e.p !== 'string' || entries.has(e.p))
      throw new Error(`manifest entry ${i} is invalid or duplicated`);
    entries.set(e.p, e);
  }
  if (entries.size !== summary.entryCount) throw new Error('manifest entry count does not match its summary');
  return { header, entries, summary };
}

export function parseComment(comment: Buffer): ArchiveComment | null {
  if (comment.length === 0 || comment[0] !== 0x7b) return null;
  try {
    const c = JSON.parse(comment.toString('utf8')) as ArchiveComment;
    return c && c.arkive === 1 ? c : null;
  } catch {
    return null;
  }
}

export function slugLabel(label: string): string {
  return label
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 60);
}

export function timestampName(d = new Date()): string {
  return d.toISOString().replace(/:/g, '-').replace('.', '-');
}
