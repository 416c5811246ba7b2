import execa from 'execa';
import { PermanentError, requireTool, TransientError } from '@arkive/shared';

export const SEVEN_ZIP = '7z';

/** 7z's path; a ToolMissingError (permanent, names the install command) when it is not installed. */
export function sevenZipBinary(): string {
  return requireTool(SEVEN_ZIP);
}

/** Runs 7z with `-bsp1` and reports its percentages; killed when `signal` aborts. */
async function run7z(
  args: string[],
  opts: { cwd?: string; signal?: AbortSignal; onPercent?(p: number): void },
): Promise<void> {
  opts.signal?.throwIfAborted();
  const child = execa(sevenZipBinary(), ['-bsp1', '-bso0', '-bse2', '-y', ...args], {
    cwd: opts.cwd,
    buffer: false,
    stdin: 'ignore',
    stderr: 'pipe',
    reject: false,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 8000) stderr += d.toString();
  });
  let last = -1;
  child.stdout?.on('data', (d: Buffer) => {
    const matches = d.toString().match(/(\d{1,3})%/g);
    if (!matches) return;
    const p = Number(matches[matches.length - 1].slice(0, -1));
    if (p !== last && p <= 100) {
      last = p;
      opts.onPercent?.(p);
    }
  });
  const onAbort = () => child.kill('SIGKILL');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await child;
    opts.signal?.throwIfAborted();
    if (
      (res as { failed?: boolean; code?: string }).code === 'ENOENT' ||
      /ENOENT/.test(String((res as { message?: string }).message ?? ''))
    ) {
      // 7z was found a moment ago: either it was just removed, or the working directory is missing
      sevenZipBinary();
      throw new PermanentError(
        `7z could not start: ${String((res as { message?: string }).message)}`,
        'SEVEN_ZIP_SPAWN',
      );
    }
    if (res.exitCode !== 0) {
      const detail = stderr.trim().split('\n').slice(-5).join(' | ') || `exit code ${res.exitCode}`;
      // 7z: 1 warning, 2 fatal, 7 bad command line, 8 out of memory, 255 stopped
      if (res.exitCode === 7)
        throw new PermanentError(`7z refused its command line: ${detail}`, 'SEVEN_ZIP_USAGE');
      throw new TransientError(`7z ${args[0]} failed (exit ${res.exitCode}): ${detail}`, 'SEVEN_ZIP_FAILED');
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** `7z a -t7z -mx1 -mmt=on <archive> <folderName>` run inside `cwd` so the archive holds `<folderName>/...`. */
export function sevenZipAdd(
  archive: string,
  cwd: string,
  folderName: string,
  opts: { signal?: AbortSignal; onPercent?(p: number): void } = {},
) {
  return run7z(['a', '-t7z', '-mx1', '-mmt=on', archive, folderName], { ...opts, cwd });
}

/** `7z t <archive>`: exit 0 required. A corrupt archive is a compression failure (retried). */
export function sevenZipTest(
  archive: string,
  opts: { signal?: AbortSignal; onPercent?(p: number): void } = {},
) {
  return run7z(['t', archive], opts);
}

/** `7z x -o<dir> <archive>`: extracts the archive (which holds `<folder>/...`) into `dir`. */
export function sevenZipExtract(
  archive: string,
  dir: string,
  opts: { signal?: AbortSignal; onPercent?(p: number): void } = {},
) {
  return run7z(['x', `-o${dir}`, archive], opts);
}
