import { stderrBar } from './bar';
import type { ArchiveProgress } from './engine';
import { AppError, CancelledError, errorCode, errorMessage } from './engine-light';

export interface GlobalOptions {
  json?: boolean;
  debug?: boolean;
}

/** Progress on stderr: a bar on a TTY, nothing otherwise (scripts use --json). */
export function progressReporter(opts: GlobalOptions): {
  onProgress(p: ArchiveProgress): void;
  stop(): void;
} {
  if (opts.json || !process.stderr.isTTY) return { onProgress: () => undefined, stop: () => undefined };
  const bar = stderrBar('{stage} |{bar}| {percentage}% | {done}/{totalMb} MB | {files} files | {file}');
  let started = false;
  return {
    onProgress(p) {
      const total = Math.max(1, p.bytesTotal);
      const payload = {
        stage: p.stage.padEnd(11),
        done: (p.bytesDone / 1e6).toFixed(1),
        totalMb: (p.bytesTotal / 1e6).toFixed(1),
        files: `${p.filesDone}/${p.filesTotal}`,
        file: (p.currentPath ?? '').slice(-40),
      };
      if (!started) {
        bar.start(total, p.bytesDone, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(Math.min(p.bytesDone, total), payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function humanBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}

/** Print a result: JSON on stdout with --json, else the human lines. */
export function printResult(opts: GlobalOptions, data: unknown, human: string[]): void {
  if (opts.json) process.stdout.write(JSON.stringify(data, null, 2) + '\n');
  else for (const line of human) process.stdout.write(line + '\n');
}

/** One-line failure (stack only with --debug); returns the exit code. */
export function reportFailure(opts: GlobalOptions, err: unknown): number {
  const cancelled = err instanceof CancelledError;
  const code = errorCode(err);
  const message = errorMessage(err).split('\n')[0];
  if (opts.json) process.stdout.write(JSON.stringify({ ok: false, error: { code, message } }) + '\n');
  process.stderr.write(
    `arkive: ${message}${code && code !== 'INTERNAL' && err instanceof AppError ? ` [${code}]` : ''}\n`,
  );
  if (opts.debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return cancelled ? 130 : 1;
}

/** An AbortSignal fired by Ctrl-C / SIGTERM so the engine stops and cleans up. */
export function interruptSignal(): AbortSignal {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return ac.signal;
}
