/**
 * The manifest stored as the last entry of every Arkive archive: JSON lines, a header line, one
 * line per entry (path, type, size, mode, mtime, SHA-256 for files, target for links) and a
 * summary line. The archive comment repeats the summary so listing reads only the file's tail.
 */
import { ManifestIndex } from './manifest-index';

export const MANIFEST_NAME = '.arkive-manifest.jsonl';
/**
 * The manifest's name in an archive of a run that itself holds a top-level `.arkive-manifest.jsonl`
 * (that file is archived like any other; the comment's `manifestName` says which entry is ours).
 */
export const alternateManifestName = (hex8: string) => `.arkive-manifest.${hex8}.jsonl`;
export const MANIFEST_NAME_PATTERN = /^\.arkive-manifest(\.[0-9a-f]{8})?\.jsonl$/;
export const MANIFEST_FORMAT = 'arkive-manifest';
export const COMMENT_TAG = 'arkive';

export type ArchiveKind = 'snapshot' | 'pre-restore' | 'pre-migration' | 'post-migration' | 'gallery';

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
  /** the manifest entry's name when it is not MANIFEST_NAME (see alternateManifestName) */
  manifestName?: string;
}

export interface ParsedManifest {
  /** the manifest's entry name in its archive (MANIFEST_NAME unless the run held that name) */
  entryName?: string;
  header: ManifestHeader;
  entries: ManifestIndex;
  summary: ManifestSummary;
}

/**
 * Parses the manifest as it is inflated, line by line, so neither the whole text nor a list of its
 * lines is ever held (only the entries map). Lines are split on the newline byte, which never
 * occurs inside a UTF-8 sequence.
 */
export class ManifestParser {
  private carry: Buffer | null = null;
  private pendingLine: string | null = null;
  private header: ManifestHeader | null = null;
  private lineNo = 0;
  private readonly entries = new ManifestIndex();

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      let bytes = chunk.subarray(start, nl);
      if (this.carry) {
        bytes = Buffer.concat([this.carry, bytes]);
        this.carry = null;
      }
      start = nl + 1;
      if (bytes.length) this.line(bytes.toString('utf8'));
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.carry = this.carry ? Buffer.concat([this.carry, rest]) : Buffer.from(rest);
    }
  }

  end(): ParsedManifest {
    if (this.carry?.length) this.line(this.carry.toString('utf8'));
    this.carry = null;
    if (!this.header || this.pendingLine === null) throw new Error('manifest is truncated');
    const summary = JSON.parse(this.pendingLine) as ManifestSummary;
    if (summary.end !== true) throw new Error('manifest is truncated');
    if (this.entries.size !== summary.entryCount)
      throw new Error('manifest entry count does not match its summary');
    return { header: this.header, entries: this.entries, summary };
  }

  /** The last line is the summary: each line is handled once the next one has arrived. */
  private line(text: string): void {
    const i = this.lineNo++;
    if (i === 0) {
      const header = JSON.parse(text) as ManifestHeader;
      if (header.format !== MANIFEST_FORMAT || header.version !== 1)
        throw new Error('manifest has an unknown format');
      this.header = header;
      return;
    }
    const prev = this.pendingLine;
    this.pendingLine = text;
    if (prev === null) return;
    this.entries.add(JSON.parse(prev) as ManifestEntry, `manifest entry ${i - 1}`);
  }
}

export function parseManifest(text: string): ParsedManifest {
  const parser = new ManifestParser();
  parser.push(Buffer.from(text, 'utf8'));
  return parser.end();
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
