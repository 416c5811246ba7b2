import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError, TransientError, classifyError } from '@arkive/shared';
import {
  authHeaders,
  exportUrl,
  fetchExportInfo,
  sourceError,
  type ExportInfo,
  type SourceRef,
} from './source';

export interface DownloadOptions {
  source: SourceRef;
  /** The partial file: bytes already there are resumed with Range (also after a worker restart). */
  file: string;
  info: ExportInfo;
  signal: AbortSignal;
  /** No answer or no bytes for this long: the request is dropped and resumed. */
  timeoutMs: number;
  /** Dropped connections resumed within one call before giving up (the job's attempts retry further). */
  maxDrops?: number;
  /** Times the source's archive may change under us before the import gives up. */
  maxRestarts?: number;
  retryDelayMs?: (n: number) => number;
  /** A restart fetched new export info (save it: a resume after a worker restart needs it). */
  onInfo(info: ExportInfo): Promise<void>;
  onProgress(bytes: number, total: number): void;
  onNote(kind: 'resume' | 'restart' | 'drop', message: string): Promise<void>;
}

async function sizeOf(file: string): Promise<number> {
  const st = await fs.stat(file).catch(() => null);
  return st?.isFile() ? st.size : -1;
}

/**
 * Downloads the source's export of `info.name` into `file`, resuming with `Range` + `If-Range`
 * after a dropped connection, and starting again from zero (with fresh export info) whenever the
 * source answers with another ETag: the file is never spliced from two archives. Returns the info
 * the finished file must match (its size and SHA-256 are checked by the caller, not here).
 */
export async function downloadExport(o: DownloadOptions): Promise<ExportInfo> {
  const maxDrops = o.maxDrops ?? 8;
  const maxRestarts = o.maxRestarts ?? 3;
  const delay = o.retryDelayMs ?? ((n: number) => Math.min(10_000, 250 * 2 ** (n - 1)));
  let info = o.info;
  let drops = 0;
  let restarts = 0;
  await fs.mkdir(path.dirname(o.file), { recursive: true });

  const dropped = async (message: string, err?: unknown) => {
    o.signal.throwIfAborted();
    if (err !== undefined && classifyError(err) === 'permanent') throw err;
    drops++;
    if (drops > maxDrops)
      throw new TransientError(`${message}; gave up after ${maxDrops} resumes`, 'SOURCE_UNREACHABLE');
    await o.onNote('drop', message);
    await sleep(delay(drops), undefined, { signal: o.signal });
  };
  const changed = async (why: string) => {
    restarts++;
    if (restarts > maxRestarts)
      throw new PermanentError(
        `${why}; the source changed its archive ${restarts} times during the download`,
        'SOURCE_UNSTABLE',
      );
    await fs.writeFile(o.file, '');
    info = await fetchExportInfo(o.source, o.signal, o.timeoutMs);
    await o.onInfo(info);
    await o.onNote('restart', `${why}; starting again from zero`);
  };

  for (;;) {
    o.signal.throwIfAborted();
    let have = await sizeOf(o.file);
    if (have > info.size) {
      await fs.writeFile(o.file, '');
      have = 0;
    }
    if (have === info.size) return info;
    const etag = `"${info.sha256}"`;
    const idle = new AbortController();
    let timer = setTimeout(() => idle.abort(new Error('the source sent nothing for too long')), o.timeoutMs);
    const bump = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(new Error('the source sent nothing for too long')), o.timeoutMs);
    };
    const headers: Record<string, string> = { ...authHeaders(o.source) };
    if (have > 0) {
      headers.range = `bytes=${have}-`;
      headers['if-range'] = etag;
    }
    let res: Response;
    try {
      res = await fetch(exportUrl(o.source, info.name), {
        headers,
        signal: AbortSignal.any([o.signal, idle.signal]),
      });
    } catch (err) {
      clearTimeout(timer);
      await dropped(`The source did not answer (${(err as Error).message})`);
      continue;
    }
    const skip = async () => {
      clearTimeout(timer);
      await res.body?.cancel().catch(() => undefined);
    };
    if (res.status === 404 || res.status === 416) {
      await skip();
      await changed(
        res.status === 404
          ? `Archive ${info.name} is no longer at the source`
          : `The source no longer has bytes ${have}- of ${info.name}`,
      );
      continue;
    }
    if (res.status !== 200 && res.status !== 206) {
      clearTimeout(timer);
      const err = await sourceError(res, `the export of run ${o.source.runid}`);
      await dropped(err.message, err);
      continue;
    }
    const got = res.headers.get('etag');
    if (got !== etag) {
      await skip();
      await changed(`The source's archive changed (ETag ${got ?? 'none'} instead of ${etag})`);
      continue;
    }
    let pos = 0;
    if (res.status === 206) {
      const cr = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
      if (!cr || Number(cr[1]) !== have || Number(cr[3]) !== info.size) {
        await skip();
        await changed(`The source answered an unexpected range (${res.headers.get('content-range')})`);
        continue;
      }
      pos = have;
      await o.onNote('resume', `Resuming at ${have} of ${info.size} bytes (Range)`);
    }
    const fh = await fs.open(o.file, pos === 0 ? 'w' : 'r+');
    let failure: unknown;
    try {
      for await (const chunk of res.body ?? []) {
        bump();
        const buf = chunk as Uint8Array;
        if (pos + buf.length > info.size)
          throw new Error('the source sent more bytes than its export info says');
        await fh.write(buf, 0, buf.length, pos);
        pos += buf.length;
        o.onProgress(pos, info.size);
      }
      await fh.sync();
    } catch (err) {
      failure = err;
    } finally {
      clearTimeout(timer);
      await fh.close();
    }
    if (failure !== undefined) {
      if ((failure as Error).message?.startsWith('the source sent more bytes')) {
        await changed('The source sent more bytes than its export info says');
        continue;
      }
      await dropped(
        `The connection dropped at ${pos} of ${info.size} bytes (${(failure as Error).message}); resuming with Range`,
      );
      continue;
    }
    if (pos === info.size) return info;
    await dropped(`The source closed the connection at ${pos} of ${info.size} bytes; resuming with Range`);
  }
}
