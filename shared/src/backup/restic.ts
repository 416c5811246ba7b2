import readline from 'node:readline';
import { execFile, spawn } from 'node:child_process';
import { CancelledError, PermanentError, TransientError } from '../errors';
import { requireTool } from '../tools';

/** Where restic finds a repository and how it opens it (never logged: it holds the password). */
export interface ResticRepo {
  /** restic repository: a local path or s3:<endpoint>/<bucket>/<prefix> */
  location: string;
  password: string;
  /** S3 credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for restic) */
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
  /** CA certificate for a private S3 endpoint (restic --cacert) */
  caCert?: string;
}

/** The snapshot host name every backup is made under, so parents and retention never depend on the machine. */
export const BACKUP_HOST = 'arkive';

export class ResticLockedError extends TransientError {
  constructor(detail: string) {
    super(`The backup repository is locked by another operation: ${detail}`, 'BACKUP_REPO_LOCKED');
  }
}

export class ResticError extends TransientError {
  constructor(
    message: string,
    public readonly exitCode: number | undefined,
    public readonly stderr: string,
  ) {
    super(message, 'RESTIC_FAILED', { exitCode });
  }
}

type ResticVersion = { major: number; minor: number; patch: number; text: string };
let versionCache: Promise<ResticVersion> | undefined;

/**
 * restic's version (asked once per process; a failure is not kept): newer flags are used where
 * they exist. Callers that will need it may ask early, so the `restic version` runs meanwhile.
 */
export function resticVersion(): Promise<ResticVersion> {
  versionCache ??= (async () => {
    const res = await new Promise<{ stdout: string; stderr: string }>((resolve) =>
      execFile(requireTool('restic'), ['version'], { timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ stdout: String(stdout), stderr: String(stderr) || (err ? err.message : '') }),
      ),
    );
    const m = /restic (\d+)\.(\d+)\.(\d+)/.exec(res.stdout);
    if (!m)
      throw new PermanentError(`Cannot read restic's version: ${res.stdout || res.stderr}`, 'RESTIC_VERSION');
    return { major: +m[1], minor: +m[2], patch: +m[3], text: `${m[1]}.${m[2]}.${m[3]}` };
  })();
  versionCache.catch(() => (versionCache = undefined));
  return versionCache;
}

export async function resticAtLeast(minor: number): Promise<boolean> {
  const v = await resticVersion();
  return v.major > 0 || v.minor >= minor;
}

function repoEnv(repo: ResticRepo): Record<string, string> {
  const env: Record<string, string> = {
    RESTIC_REPOSITORY: repo.location,
    RESTIC_PASSWORD: repo.password,
    // status lines at a bounded rate (restic's default is 60/s on a terminal-less pipe)
    RESTIC_PROGRESS_FPS: '4',
  };
  if (repo.accessKeyId) env.AWS_ACCESS_KEY_ID = repo.accessKeyId;
  if (repo.secretAccessKey) env.AWS_SECRET_ACCESS_KEY = repo.secretAccessKey;
  if (repo.region) env.AWS_DEFAULT_REGION = repo.region;
  return env;
}

export interface ResticRunOptions {
  cwd?: string;
  signal?: AbortSignal;
  /** Each stdout line that parses as JSON (with --json). */
  onJson?(msg: Record<string, unknown>): void;
  /** Each stdout line that is not JSON. */
  onLine?(line: string): void;
  /** Keep raw stdout (for commands whose output is one JSON document). */
  collectStdout?: boolean;
  /** Exit codes that are not failures (e.g. 3 for "some files could not be read" is still a failure for us). */
  okCodes?: number[];
}

export interface ResticRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const LOCKED = /repository is already locked|unable to create lock|Fatal: unable to create lock/i;
const NO_REPO = /Is there a repository at the following location|does not exist|unable to open config file/i;

export class ResticNoRepoError extends PermanentError {
  constructor(detail: string) {
    super(`The backup repository does not exist: ${detail}`, 'BACKUP_REPO_MISSING');
  }
}

/**
 * Runs `restic <args>` against `repo`. Both pipes are always read to the end (a closed pipe kills
 * restic and leaves a lock); a cancel sends SIGINT (restic removes its lock), then SIGKILL after 15 s.
 * Any non-zero exit is a failure: lock conflicts are ResticLockedError (transient: wait and retry).
 */
export async function runRestic(
  repo: ResticRepo,
  args: string[],
  opts: ResticRunOptions = {},
): Promise<ResticRunResult> {
  opts.signal?.throwIfAborted();
  const bin = requireTool('restic');
  const full = [...(repo.caCert ? ['--cacert', repo.caCert] : []), ...args];
  // node:child_process, not execa: this module is loaded by every CLI command (execa ~12 ms)
  const child = spawn(bin, full, {
    cwd: opts.cwd,
    env: { ...process.env, ...repoEnv(repo) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let spawnError: Error | undefined;
  const exited = new Promise<number>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      resolve(-1);
    });
    child.once('close', (code) => resolve(code ?? -1));
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 16000) stderr += d.toString();
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const linesDone = new Promise<void>((resolve) => lines.on('close', resolve));
  lines.on('line', (line) => {
    if (opts.collectStdout) stdout += line + '\n';
    if (!line.startsWith('{')) return opts.onLine?.(line);
    if (!opts.onJson) return;
    try {
      opts.onJson(JSON.parse(line) as Record<string, unknown>);
    } catch {
      /* a partial or non-JSON line */
    }
  });
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    child.kill('SIGINT');
    killTimer = setTimeout(() => child.kill('SIGKILL'), 15000);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let exitCode: number;
  try {
    exitCode = await exited;
    if (!spawnError) await linesDone;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (killTimer) clearTimeout(killTimer);
  }
  if (opts.signal?.aborted) throw new CancelledError(`restic ${args[0]} cancelled`);
  if (exitCode !== 0 && !(opts.okCodes ?? []).includes(exitCode)) {
    const detail =
      stderr.trim().split('\n').slice(-6).join(' | ') || spawnError?.message || `exit code ${exitCode}`;
    if (LOCKED.test(stderr)) throw new ResticLockedError(detail);
    if (exitCode === 10 || (NO_REPO.test(stderr) && args[0] !== 'init')) throw new ResticNoRepoError(detail);
    throw new ResticError(`restic ${args[0]} failed (exit ${exitCode}): ${detail}`, exitCode, stderr);
  }
  return { exitCode, stdout, stderr };
}

/** Runs a command whose stdout is one JSON document (snapshots --json, stats --json). */
export async function resticJson<T>(repo: ResticRepo, args: string[], signal?: AbortSignal): Promise<T> {
  const res = await runRestic(repo, [...args, '--json'], { collectStdout: true, signal });
  return JSON.parse(res.stdout) as T;
}

/** Escapes a path for restic's --include/--exclude globs. */
export function globEscape(p: string): string {
  return p.replace(/[[\]*?\\]/g, (c) => `\\${c}`);
}
