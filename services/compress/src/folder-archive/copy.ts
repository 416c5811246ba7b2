import type { Dirent } from 'node:fs';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface CopyProgress {
  bytes: number;
  files: number;
}

/** Files below this go through fs.copyFile; larger ones are streamed for byte-level progress and prompt cancel. */
const KERNEL_COPY_MAX = 32 << 20;

interface Plan {
  dirs: string[];
  files: { rel: string; size: number }[];
  links: string[];
  totalBytes: number;
}

async function plan(src: string): Promise<Plan> {
  const p: Plan = { dirs: [], files: [], links: [], totalBytes: 0 };
  const walk = async (rel: string) => {
    const entries: Dirent[] = await fs.readdir(path.join(src, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? path.join(rel, e.name) : e.name;
      if (e.isDirectory()) {
        p.dirs.push(r);
        await walk(r);
      } else if (e.isSymbolicLink()) p.links.push(r);
      else if (e.isFile()) {
        const st = await fs.lstat(path.join(src, r));
        p.files.push({ rel: r, size: st.size });
        p.totalBytes += st.size;
      }
      // sockets, fifos, devices: skipped (cannot be archived meaningfully)
    }
  };
  await walk('');
  return p;
}

/**
 * Copy of a tree (`parallel` files at a time) with byte progress: files under 32 MiB by fs.copyFile,
 * larger ones streamed in 1 MiB buffers so progress and cancel stay fine-grained; keeps
 * modes and mtimes, recreates symbolic links as links (never follows them). `dest` must not exist.
 */
export async function copyTree(
  src: string,
  dest: string,
  opts: {
    signal?: AbortSignal;
    parallel?: number;
    onProgress?(p: CopyProgress & { totalBytes: number }): void;
  } = {},
): Promise<{ bytes: number; files: number; totalBytes: number }> {
  const p = await plan(src);
  await fs.mkdir(dest, { recursive: true });
  for (const d of p.dirs) await fs.mkdir(path.join(dest, d), { recursive: true });
  let bytes = 0;
  let files = 0;
  const report = () => opts.onProgress?.({ bytes, files, totalBytes: p.totalBytes });
  let next = 0;
  const worker = async () => {
    while (next < p.files.length) {
      const f = p.files[next++];
      opts.signal?.throwIfAborted();
      const from = path.join(src, f.rel);
      const to = path.join(dest, f.rel);
      if (f.size < KERNEL_COPY_MAX) {
        // Small files: one kernel-side copy (copy_file_range), progress per file.
        await fs.copyFile(from, to);
        bytes += f.size;
        report();
      } else {
        const rs = createReadStream(from, { highWaterMark: 1 << 20 });
        rs.on('data', (chunk) => {
          bytes += chunk.length;
          report();
        });
        await pipeline(rs, createWriteStream(to, { highWaterMark: 1 << 20 }), { signal: opts.signal });
      }
      const st = await fs.stat(from);
      await fs.chmod(to, st.mode & 0o7777);
      await fs.utimes(to, st.atime, st.mtime);
      files++;
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(opts.parallel ?? 4, p.files.length)) }, worker),
    );
  } catch (err) {
    // A stream stopped by the signal rejects with a bare AbortError: report why it was stopped.
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw err;
  }
  for (const l of p.links) {
    const target = await fs.readlink(path.join(src, l));
    await fs.symlink(target, path.join(dest, l));
  }
  for (const d of [...p.dirs].reverse()) {
    const st = await fs.stat(path.join(src, d));
    await fs.utimes(path.join(dest, d), st.atime, st.mtime);
  }
  report();
  return { bytes, files, totalBytes: p.totalBytes };
}
