import { createHash } from 'node:crypto';
import { CancelledError, PermanentError } from '../errors';
import { mapLimit } from './flow';
import {
  MANIFEST_NAME,
  MANIFEST_NAME_PATTERN,
  ManifestParser,
  parseComment,
  type ParsedManifest,
} from './manifest';
import { ExtractPool, extractPoolSize, StoppedError } from './extract-pool';
import { ZipReader, corrupt, pooled, type ZipEntry } from './reader';
import type { ArchiveProgress, VerifyOptions, VerifyResult } from './types';

const MAX_MANIFEST = 2 * 1024 ** 3;
export const ENTRY_CONCURRENCY = 16;

/** The manifest of an Arkive archive (null for a ZIP made elsewhere), checked against the comment's hash. */
export async function loadManifest(reader: ZipReader): Promise<ParsedManifest | null> {
  const comment = parseComment(reader.comment);
  const last = reader.entries[reader.entries.length - 1];
  const expected = comment?.manifestName ?? MANIFEST_NAME;
  if (comment && (typeof expected !== 'string' || !MANIFEST_NAME_PATTERN.test(expected)))
    throw corrupt(`the comment names an invalid manifest entry ${JSON.stringify(expected)}`);
  if (!comment || !last || last.name !== expected) {
    if (comment) throw corrupt('the Arkive manifest is missing');
    return null;
  }
  if (last.size > MAX_MANIFEST) throw corrupt(`entry is larger than ${MAX_MANIFEST} bytes`, last.name);
  // Hashed and parsed as it inflates: the text is never held whole. A hash mismatch is reported
  // before a parse error (tampering shows as tampering).
  const hash = createHash('sha256');
  const parser = new ManifestParser();
  let parseError: Error | null = null;
  await reader.readEntry(last, (b) => {
    hash.update(b);
    if (parseError) return;
    try {
      parser.push(b);
    } catch (err) {
      parseError = err as Error;
    }
  });
  if (hash.digest('hex') !== comment.manifestSha256) throw corrupt('manifest hash mismatch', last.name);
  try {
    if (parseError) throw parseError;
    return { ...parser.end(), entryName: last.name };
  } catch (err) {
    throw corrupt((err as Error).message, last.name);
  }
}

/** Compare one entry (and its SHA-256 for files) with the manifest line describing it. */
export function checkManifestEntry(m: ParsedManifest, e: ZipEntry, sha256: string | null): void {
  const path = e.name.replace(/\/$/, '');
  const line = m.entries.get(path);
  if (!line) throw corrupt('not listed in the manifest', e.name);
  const type = e.isDir ? 'd' : e.isSymlink ? 'l' : 'f';
  if (line.t !== type) throw corrupt(`manifest says type ${line.t}, archive has ${type}`, e.name);
  if (line.s !== e.size) throw corrupt(`manifest says ${line.s} bytes, archive has ${e.size}`, e.name);
  if (type === 'f' && line.h !== sha256) throw corrupt('SHA-256 does not match the manifest', e.name);
}

export function dataEntries(reader: ZipReader, manifest: ParsedManifest | null): ZipEntry[] {
  return manifest ? reader.entries.slice(0, -1) : reader.entries;
}

export function toCancelled(err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted && !(err instanceof PermanentError && err.code !== 'ARCHIVE_CORRUPT'))
    return new CancelledError();
  return err;
}

/** Check structure, every CRC and (for Arkive archives) every manifest hash. */
export async function verifyArchive(archivePath: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const reader = await ZipReader.open(archivePath);
  // The worker threads boot while the manifest is read; only as many as the pooled entries can use.
  let pooledBytes = 0;
  for (const e of reader.entries) if (pooled(e)) pooledBytes += e.size;
  const pool = new ExtractPool(archivePath, reader.cdOffset, extractPoolSize(pooledBytes), opts.signal);
  try {
    const manifest = await loadManifest(reader);
    const entries = dataEntries(reader, manifest);
    const files = entries.filter((e) => !e.isDir && !e.isSymlink);
    const progress: ArchiveProgress = {
      stage: 'verifying',
      bytesDone: 0,
      bytesTotal: files.reduce((a, e) => a + e.size, 0),
      filesDone: 0,
      filesTotal: files.length,
    };
    let last = 0;
    {
      // Entries are checked in parallel; when several fail, report the first in archive order
      // (every entry before it has been started, so all of them are settled by then).
      const failures: Array<{ index: number; err: unknown }> = [];
      await mapLimit(entries, ENTRY_CONCURRENCY, async (e, index) => {
        opts.signal?.throwIfAborted();
        const isFile = !e.isDir && !e.isSymlink;
        try {
          if (pooled(e)) {
            const sha = await pool.run({ entry: e });
            if (manifest) checkManifestEntry(manifest, e, sha);
          } else {
            const hash = isFile ? createHash('sha256') : null;
            await reader.readEntry(e, (b) => void hash?.update(b), opts.signal);
            if (manifest) checkManifestEntry(manifest, e, hash ? hash.digest('hex') : null);
          }
        } catch (err) {
          failures.push({ index, err });
          // the first failure stops the large entries still streaming in the workers (a verdict
          // is known; reading gigabytes more would only delay it)
          if (!(err instanceof StoppedError)) pool.stop();
          throw err;
        }
        if (isFile) {
          progress.filesDone++;
          progress.bytesDone += e.size;
        }
        if (opts.onProgress && Date.now() - last > 100) {
          last = Date.now();
          opts.onProgress({ ...progress, currentPath: e.name });
        }
      }).catch((err: unknown) => {
        const real = failures.filter((f) => !(f.err instanceof StoppedError));
        const first = (real.length ? real : failures).sort((a, b) => a.index - b.index)[0];
        throw first ? first.err : err;
      });
    }
    if (manifest && manifest.entries.size !== entries.length)
      throw corrupt(`manifest lists ${manifest.entries.size} entries, archive has ${entries.length}`);
    opts.onProgress?.({ ...progress, stage: 'done' });
    return { ok: true, entries: entries.length, manifest: manifest !== null };
  } catch (err) {
    throw toCancelled(err, opts.signal);
  } finally {
    await pool.close();
    await reader.close();
  }
}
