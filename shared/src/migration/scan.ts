import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { inspectRun } from './inspect';
import { TRAITS } from './traits/registry';

export interface ScannedRun {
  runid: string;
  version: number;
  /** ids of the detected traits, in migration order */
  traits: string[];
  needsMigration: boolean;
  blockers: string[];
  error?: string;
}

export interface ScanOptions {
  currentVersion: number;
  /** worker threads (default: cores, at most 8; 0 = in this thread) */
  threads?: number;
}

/** The run folders directly under `root` (names starting with '.' skipped), sorted. */
export async function listRunDirs(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

async function scanOne(root: string, runid: string, currentVersion: number): Promise<ScannedRun> {
  try {
    const r = await inspectRun({ dir: path.join(root, runid), runid }, TRAITS, currentVersion);
    return {
      runid,
      version: r.version,
      traits: r.planned,
      needsMigration: r.needsMigration,
      blockers: r.traits.flatMap((t) => t.blockers),
    };
  } catch (err) {
    return {
      runid,
      version: 0,
      traits: [],
      needsMigration: false,
      blockers: [],
      error: (err as Error).message,
    };
  }
}

/**
 * Version and detected traits of each run in `names` (read-only), `concurrency` runs at a time:
 * detection is a few small reads per run, so waiting for them one by one would dominate.
 */
export async function scanRunsHere(
  root: string,
  names: string[],
  currentVersion: number,
  concurrency = 32,
): Promise<ScannedRun[]> {
  const out: ScannedRun[] = new Array<ScannedRun>(names.length);
  let next = 0;
  const lane = async () => {
    while (next < names.length) {
      const i = next++;
      out[i] = await scanOne(root, names[i], currentVersion);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, lane));
  return out;
}

/** A worker thread running scan-worker: from dist the .js file; from sources (jest, tsx) the .ts one through tsx. */
function startWorker(workerData: unknown): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(path.join(__dirname, 'scan-worker.js'), { workerData });
  const file = JSON.stringify(path.join(__dirname, 'scan-worker.ts'));
  return new Worker(`require('tsx/cjs'); require(${file});`, { eval: true, workerData });
}

/**
 * Fleet scan: version and detected traits of every run under `root`, in worker threads (detection
 * reads JSON and Parquet footers: CPU and I/O spread over the cores). Results in runid order.
 */
export async function scanRuns(root: string, opts: ScanOptions): Promise<ScannedRun[]> {
  const names = await listRunDirs(root);
  const threads = Math.min(
    opts.threads ?? Math.min(8, os.availableParallelism()),
    Math.ceil(names.length / 50),
  );
  if (threads <= 1) return scanRunsHere(root, names, opts.currentVersion);
  const parts: string[][] = Array.from({ length: threads }, () => []);
  names.forEach((n, i) => parts[i % threads].push(n));
  const results = await Promise.all(
    parts.map(
      (part) =>
        new Promise<ScannedRun[]>((resolve, reject) => {
          const w = startWorker({ root, names: part, currentVersion: opts.currentVersion });
          w.once('message', (m: ScannedRun[]) => resolve(m));
          w.once('error', reject);
          w.once('exit', (code) => code !== 0 && reject(new Error(`scan worker exited with ${code}`)));
        }),
    ),
  );
  return results.flat().sort((a, b) => (a.runid < b.runid ? -1 : a.runid > b.runid ? 1 : 0));
}
