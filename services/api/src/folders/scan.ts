import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { GLOBUS_MARKER_SUFFIX, LEGACY_MARKER_NAMES } from '@arkive/shared';

export interface ScannedFolder {
  rel: string;
  path: string;
  name: string;
  level1: string;
  level2: string;
  sizeBytes: number;
  fileCount: number;
  modifiedAt: Date;
  isArchived: boolean;
}

export interface ScanResult {
  /** Listable folders, plus archived ones (isArchived) so callers can choose to show them. */
  folders: ScannedFolder[];
  excluded: { empty: number; singleTxt: number; archived: number };
  scannedAt: Date;
  durationMs: number;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function readDirs(dir: string): Promise<Dirent[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory());
  } catch {
    return [];
  }
}

/**
 * The per-folder part of a scan, run in worker threads with synchronous fs calls: on small VMs an
 * async fs call costs several times its synchronous twin (thread-pool hop), and the threads keep the
 * API's event loop free. Plain JS (eval'd) so it runs the same under ts-jest/tsx/compiled code.
 * Keep the rules in step with markers.ts (isMarkerName).
 */
const SCAN_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { root, dirs, template, legacy, suffix } = workerData;
const out = [];
for (const [a, b, name] of dirs) {
  const abs = path.join(root, a, b, name);
  let entries;
  try { entries = fs.readdirSync(abs, { withFileTypes: true }); } catch { continue; }
  if (entries.length === 0) { out.push({ excluded: 'empty' }); continue; }
  const ours = template.split('{folder}').join(name);
  const isArchived = entries.some((e) => !e.isDirectory() && (legacy.includes(e.name) || e.name.endsWith(suffix) || e.name === ours));
  if (!isArchived && entries.length === 1 && entries[0].isFile() && entries[0].name.toLowerCase().endsWith('.txt')) { out.push({ excluded: 'singleTxt' }); continue; }
  let sizeBytes = 0, fileCount = 0, modifiedMs = 0;
  try { modifiedMs = fs.lstatSync(abs).mtimeMs; } catch { continue; }
  const walk = (dir, list) => {
    for (const e of list) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        let sub; try { sub = fs.readdirSync(p, { withFileTypes: true }); } catch { continue; }
        walk(p, sub);
        continue;
      }
      let st; try { st = fs.lstatSync(p); } catch { continue; }
      fileCount++;
      if (st.isFile()) sizeBytes += st.size;
      if (st.mtimeMs > modifiedMs) modifiedMs = st.mtimeMs;
    }
  };
  walk(abs, entries);
  if (!isArchived && fileCount === 0) { out.push({ excluded: 'empty' }); continue; }
  out.push({ rel: a + '/' + b + '/' + name, path: abs, name, level1: a, level2: b, sizeBytes, fileCount, modifiedMs, isArchived });
}
parentPort.postMessage(out);
`;

type WorkerRow =
  { excluded: 'empty' | 'singleTxt' } | (Omit<ScannedFolder, 'modifiedAt'> & { modifiedMs: number });

function scanInWorker(
  root: string,
  dirs: (readonly [string, string, string])[],
  template: string,
): Promise<WorkerRow[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(SCAN_WORKER_SOURCE, {
      eval: true,
      workerData: { root, dirs, template, legacy: LEGACY_MARKER_NAMES, suffix: GLOBUS_MARKER_SUFFIX },
    });
    let rows: WorkerRow[] | undefined;
    w.once('message', (m: WorkerRow[]) => (rows = m));
    w.once('error', reject);
    w.once('exit', (code) =>
      rows ? resolve(rows) : reject(new Error(`folder scan worker exited with code ${code}`)),
    );
  });
}

/**
 * Folders exactly three levels under `root`. Excludes empty folders and folders holding only one
 * `.txt` file; folders with a marker come back with isArchived = true. Symbolic links are never
 * followed (a linked level is skipped), so nothing outside `root` is listed. Levels 1–2 are listed
 * with fs.promises (bounded concurrency); the level-3 folders are measured by `threads` workers.
 */
export async function scanFolders(
  root: string,
  markerTemplate: string,
  opts: { concurrency?: number; threads?: number } = {},
): Promise<ScanResult> {
  const started = Date.now();
  const concurrency = opts.concurrency ?? 32;
  const excluded = { empty: 0, singleTxt: 0, archived: 0 };
  const level1 = await readDirs(root);
  const level2 = (
    await mapLimit(level1, concurrency, async (l1) =>
      (await readDirs(path.join(root, l1.name))).map((l2) => [l1.name, l2.name] as const),
    )
  ).flat();
  const level3 = (
    await mapLimit(level2, concurrency, async ([a, b]) =>
      (await readDirs(path.join(root, a, b))).map((l3) => [a, b, l3.name] as const),
    )
  ).flat();
  const threads = Math.max(
    1,
    Math.min(
      opts.threads ?? Math.min(4, os.availableParallelism?.() ?? os.cpus().length),
      Math.ceil(level3.length / 200),
    ),
  );
  const chunks: (typeof level3)[] = Array.from({ length: threads }, () => []);
  level3.forEach((d, i) => chunks[i % threads].push(d));
  const rows = (await Promise.all(chunks.map((c) => scanInWorker(root, c, markerTemplate)))).flat();
  const folders: ScannedFolder[] = [];
  for (const r of rows) {
    if ('excluded' in r) {
      excluded[r.excluded]++;
      continue;
    }
    if (r.isArchived) excluded.archived++;
    const { modifiedMs, ...rest } = r;
    folders.push({ ...rest, modifiedAt: new Date(modifiedMs) });
  }
  folders.sort((x, y) => (x.rel < y.rel ? -1 : x.rel > y.rel ? 1 : 0));
  return { folders, excluded, scannedAt: new Date(), durationMs: Date.now() - started };
}

/**
 * Keeps the last scan. `get()` waits only for the very first scan; afterwards a refresh (explicit or
 * because the cache is older than `ttlSeconds`) runs in the background and callers get the last
 * result with `scanning: true`.
 */
export class FolderScanCache {
  private last?: ScanResult;
  private running?: Promise<ScanResult>;
  private lastError?: Error;

  constructor(
    private readonly root: string,
    private readonly markerTemplate: string,
    private readonly ttlSeconds: number,
  ) {}

  async get(opts: { refresh?: boolean } = {}): Promise<{ result: ScanResult; scanning: boolean }> {
    const stale = this.last && Date.now() - this.last.scannedAt.getTime() > this.ttlSeconds * 1000;
    if (!this.last) {
      const result = await this.start();
      return { result, scanning: false };
    }
    if (opts.refresh || stale) void this.start().catch(() => undefined);
    return { result: this.last, scanning: Boolean(this.running) };
  }

  get error(): Error | undefined {
    return this.lastError;
  }

  /** Starts a scan unless one is running; resolves with its result. */
  start(): Promise<ScanResult> {
    this.running ??= scanFolders(this.root, this.markerTemplate)
      .then((r) => {
        this.last = r;
        this.lastError = undefined;
        return r;
      })
      .catch((err: Error) => {
        this.lastError = err;
        throw err;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Forget the cached result (e.g. after a folder was archived). Next get() refreshes in the background. */
  invalidate(): void {
    if (this.last) this.last = { ...this.last, scannedAt: new Date(0) };
  }
}
