import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CancelledError } from '../errors';
import { EXTRACT_WORKER_SOURCE } from './extract-worker';
import { corrupt, type ZipEntry } from './reader';

/**
 * Worker threads that check (and optionally write out) the file entries of one archive, of any
 * size: see extract-worker.ts. Keeps inflate, CRC-32, SHA-256 and the file writes off the main
 * thread, which only plans, dispatches and reports.
 */
export interface EntryTask {
  entry: ZipEntry;
  /** absolute path to write, or undefined to only check */
  target?: string;
  mode?: number;
  mtime?: number;
  expectSha256?: string;
  /** called with the bytes done so far while a large entry streams (about every MiB) */
  onProgress?: (bytesDone: number) => void;
}

/** Pooled bytes (uncompressed) that make one more worker thread worth its start-up (~30 ms of CPU). */
const BYTES_PER_WORKER = 8 << 20;

/**
 * Worker threads for entries of `size` uncompressed bytes in total: one per core (at most 8), but
 * no more than one per BYTES_PER_WORKER, so a small archive does not pay for threads it cannot use.
 */
export function extractPoolSize(pooledBytes: number): number {
  const cores = Math.max(1, Math.min(os.availableParallelism(), 8));
  return Math.max(1, Math.min(cores, Math.ceil(pooledBytes / BYTES_PER_WORKER)));
}

/** The rejection of a task that was stopped because `stop()` was called (another task failed). */
export class StoppedError extends Error {
  readonly stopped = true;
  constructor(entry: string) {
    super(`${entry}: stopped because another entry failed`);
  }
}

/** How a batch fails: which of its tasks (index) and why (an error naming that entry). */
export class BatchFailure {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {}
}

interface Pending {
  resolve(shas: string[]): void;
  reject(e: unknown): void;
  names: string[];
  bytes: number;
  slot: number;
  onProgress?: (bytesDone: number) => void;
}

interface Reply {
  id: number;
  done?: number;
  results?: string[];
  failed?: { index: number; error: string; corrupt: boolean; stopped: boolean; code?: string };
}

export class ExtractPool {
  private workers: Worker[] = [];
  /** uncompressed bytes of the batches each worker has not answered yet (the next goes to the least loaded) */
  private load: number[] = [];
  /** why a worker thread ended (it takes no more batches); null while it runs */
  private dead: (Error | null)[] = [];
  private pending = new Map<number, Pending>();
  private seq = 0;
  /** shared with the workers: non-zero = stop every task at its next piece */
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));
  private closing = false;
  private readonly onAbort = () => this.stop();

  constructor(
    archive: string,
    cdOffset: number,
    size = Math.max(1, Math.min(os.availableParallelism(), 8)),
    private readonly signal?: AbortSignal,
  ) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(EXTRACT_WORKER_SOURCE, {
        eval: true,
        workerData: { archive, cdOffset, stop: this.stopFlag.buffer, umask: process.umask() },
      });
      w.on('message', (m: Reply) => this.answer(m));
      const failAll = (err: unknown) => {
        for (const [id, p] of this.pending)
          if (p.slot === i) {
            this.pending.delete(id);
            p.reject(err);
          }
      };
      // A worker that dies (it could not open the archive, say) fails what it holds and is never
      // picked again: a batch posted to an exited worker would wait forever.
      w.on('error', (err) => {
        this.dead[i] ??= err;
        failAll(new BatchFailure(0, err));
      });
      w.on('exit', (code) => {
        if (this.closing) return;
        const err = new Error(`archive worker thread exited (code ${code})`);
        this.dead[i] ??= err;
        failAll(new BatchFailure(0, this.dead[i]));
      });
      this.workers.push(w);
      this.load.push(0);
      this.dead.push(null);
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get size(): number {
    return this.workers.length;
  }

  private answer(m: Reply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.done !== undefined) {
      p.onProgress?.(m.done);
      return;
    }
    this.pending.delete(m.id);
    this.load[p.slot] -= p.bytes;
    const f = m.failed;
    if (!f) return p.resolve(m.results!);
    const name = p.names[f.index];
    const err = f.stopped
      ? this.signal?.aborted
        ? new CancelledError()
        : new StoppedError(name)
      : f.corrupt
        ? corrupt(f.error, name)
        : Object.assign(new Error(`${name}: ${f.error}`), { code: f.code });
    p.reject(new BatchFailure(f.index, err));
  }

  /** Check (and write) one entry; resolves with its SHA-256. */
  async run(t: EntryTask): Promise<string> {
    try {
      return (await this.runBatch([t]))[0];
    } catch (err) {
      throw err instanceof BatchFailure ? err.error : err;
    }
  }

  /**
   * Check (and write) several entries in one message to one worker, in order; resolves with their
   * SHA-256s, or rejects with a BatchFailure: the first task that failed, and its error naming the
   * entry (the later tasks are not done). A worker thread that dies rejects with its error.
   * `onProgress` is passed on for a batch of one.
   */
  runBatch(tasks: EntryTask[]): Promise<string[]> {
    const id = ++this.seq;
    let slot = -1;
    for (let i = 0; i < this.workers.length; i++)
      if (!this.dead[i] && (slot < 0 || this.load[i] < this.load[slot])) slot = i;
    if (slot < 0) return Promise.reject(new BatchFailure(0, this.dead[0]!));
    let bytes = 0;
    for (const t of tasks) bytes += Math.max(t.entry.size, 1);
    this.load[slot] += bytes;
    const onProgress = tasks.length === 1 ? tasks[0].onProgress : undefined;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve,
        reject,
        names: tasks.map((t) => t.entry.name),
        bytes,
        slot,
        onProgress,
      });
      this.workers[slot].postMessage({
        id,
        tasks: tasks.map((t) => ({
          name: t.entry.name,
          localOffset: t.entry.localOffset,
          method: t.entry.method,
          compressedSize: t.entry.compressedSize,
          size: t.entry.size,
          crc: t.entry.crc,
          target: t.target,
          mode: t.mode,
          mtime: t.mtime,
          expectSha256: t.expectSha256,
          progress: onProgress !== undefined,
        })),
      });
    });
  }

  /**
   * Make every task still running or queued fail at its next piece (with StoppedError, or
   * CancelledError once the signal is aborted); each removes the file it was writing first.
   */
  stop(): void {
    Atomics.store(this.stopFlag, 0, 1);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
