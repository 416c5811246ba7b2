import { PermanentError } from '../errors';
import { ResticError, runRestic, type ResticRepo } from './restic';

/** restic check's verdict on a repository with damaged data (its exit code 1 alone can also be I/O). */
const DAMAGE = /repository contains errors/i;

/** The subset k/n a scrub reads: k in 1..n, from the repository's stored rotation. */
export function scrubSubset(next: number, periodDays: number): { k: number; n: number } {
  const n = Math.max(1, Math.floor(periodDays));
  const k = ((((Math.floor(next) - 1) % n) + n) % n) + 1;
  return { k, n };
}

/** The subset after `k` of `n` (wraps to 1): one step a day reads every pack within n days. */
export function nextScrubSubset(k: number, n: number): number {
  return (k % n) + 1;
}

export class ScrubDamageError extends PermanentError {
  constructor(subset: string, detail: string) {
    super(`The scrub of packs ${subset} found damage: ${detail}`, 'BACKUP_SCRUB_FAILED', { subset });
  }
}

/**
 * `restic check --read-data-subset=k/n`: the structure (index, snapshots, trees) and the packs of
 * subset k of n, read and verified in full. Damage is a ScrubDamageError (permanent); a lock held by
 * another process is ResticLockedError (transient), other failures ResticError (transient).
 */
export async function scrubRepo(
  repo: ResticRepo,
  subset: { k: number; n: number },
  signal?: AbortSignal,
): Promise<{ subset: string; message: string }> {
  const label = `${subset.k}/${subset.n}`;
  try {
    const res = await runRestic(repo, ['check', `--read-data-subset=${label}`], {
      signal,
      collectStdout: true,
    });
    const read = /read group #\d+ of (\d+) data packs/.exec(res.stdout);
    return {
      subset: label,
      message: `No errors in packs ${label}${read ? ` (${read[1]} packs read)` : ''}`,
    };
  } catch (err) {
    if (err instanceof ResticError && DAMAGE.test(err.stderr)) {
      const lines = err.stderr
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !/^using temporary cache|^create exclusive lock|^load indexes|^check /.test(l));
      throw new ScrubDamageError(label, lines.slice(0, 8).join(' | ').slice(0, 1500));
    }
    throw err;
  }
}
