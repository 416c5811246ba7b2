import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { inspectRun } from './inspect';
import { asyncRunFiles, syncRunFiles, type RunFiles } from './run-files';
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
  /** worker threads (default: the cores, at most 8, or 0 below 50 runs; 0 = in this thread) */
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

/** How a scan reads: node:fs promises (in the caller's thread) or sync calls (in a scan worker). */
export type ScanReads = 'async' | 'sync';

async function scanOne(
  root: string,
  runid: string,
  currentVersion: number,
  reader: (dir: string) => RunFiles,
): Promise<ScannedRun> {
  try {
    const dir = path.join(root, runid);
    const r = await inspectRun({ dir, runid, files: reader(dir) }, TRAITS, currentVersion);
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
 * Version and detected traits of each run in `names` (read-only). With async reads `concurrency`
 * runs at a time: detection is a few small reads per run, so waiting for them one by one would
 * dominate. With sync reads (a scan worker, which does nothing else) one run after the other.
 */
export async function scanRunsHere(
  root: string,
  names: string[],
  currentVersion: number,
  reads: ScanReads = 'async',
  concurrency = 32,
): Promise<ScannedRun[]> {
  const reader = reads === 'sync' ? syncRunFiles : asyncRunFiles;
  const out: ScannedRun[] = new Array<ScannedRun>(names.length);
  let next = 0;
  const lane = async () => {
    while (next < names.length) {
      const i = next++;
      out[i] = await scanOne(root, names[i], currentVersion, reader);
    }
  };
  const lanes = reads === 'sync' ? 1 : Math.min(concurrency, names.length);
  await Promise.all(Array.from({ length: lanes }, lane));
  return out;
}

/** A worker thread running scan-worker: from dist the .js file; from sources (jest, tsx) the .ts one through tsx. */
function startWorker(workerData: ScanWorkerData): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(path.join(__dirname, 'scan-worker.js'), { workerData });
  const file = JSON.stringify(path.join(__dirname, 'scan-worker.ts'));
  return new Worker(`require('tsx/cjs'); require(${file});`, { eval: true, workerData });
}

/** What a scan worker is started with; it is then sent batches of run names (null: no more). */
export interface ScanWorkerData {
  root: string;
  currentVersion: number;
}

/** Runs per message to a worker: at most this many, and at least 4 batches per worker for balance. */
const MAX_BATCH = 250;
/** Below this many runs the default scan stays in the caller's thread (a worker costs a start). */
const MIN_RUNS_FOR_WORKERS = 50;

/**
 * `names` scanned by `threads` workers, each pulling the next batch of runs when it is done with
 * one (a worker slowed by the machine takes fewer); results in the order of `names`.
 */
async function scanInWorkers(
  root: string,
  names: string[],
  currentVersion: number,
  threads: number,
): Promise<ScannedRun[]> {
  const batch = Math.max(1, Math.min(MAX_BATCH, Math.ceil(names.length / (threads * 4))));
  const out: ScannedRun[] = new Array<ScannedRun>(names.length);
  let next = 0;
  const workers: Worker[] = [];
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const w = startWorker({ root, currentVersion });
      workers.push(w);
      let at = 0;
      let done = false;
      const send = () => {
        at = next;
        next = Math.min(names.length, next + batch);
        w.postMessage(at < next ? names.slice(at, next) : null);
        done = at >= next;
      };
      w.on('message', (r: ScannedRun[]) => {
        r.forEach((x, i) => (out[at + i] = x));
        send();
      });
      w.once('error', reject);
      w.once('exit', (code) =>
        code === 0 && done ? resolve() : reject(new Error(`scan worker exited with ${code}`)),
      );
      send();
    });
  try {
    await Promise.all(Array.from({ length: Math.min(threads, Math.ceil(names.length / batch)) }, one));
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate())); // one failed: stop the others too
    throw err;
  }
  return out;
}

/**
 * Fleet scan: version and detected traits of every run under `root`, in runid order. In worker
 * threads (sync reads: a worker does nothing else) spread over the cores; with `threads: 0`, or
 * by default for fewer than 50 runs, in this thread with async reads.
 */
export async function scanRuns(root: string, opts: ScanOptions): Promise<ScannedRun[]> {
  const names = await listRunDirs(root);
  const threads =
    opts.threads ?? (names.length < MIN_RUNS_FOR_WORKERS ? 0 : Math.min(8, os.availableParallelism()));
  if (threads <= 0 || names.length === 0) return scanRunsHere(root, names, opts.currentVersion);
  return scanInWorkers(root, names, opts.currentVersion, threads);
}
