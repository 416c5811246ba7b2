import { createHash } from 'node:crypto';
import fsSync from 'node:fs';
import os from 'node:os';

/**
 * Who made a temp file or folder (a partial archive, a restore's staging, its replaced tree): a
 * token in its name, `<host>-<boot>-<pidns>-<pid>-<start>`, so that a sweep removes only the
 * leftovers of a process that is provably gone. "Provably" means: the same host (HOST_ID and
 * machine name), and either the machine booted since, or the same pid namespace with no process
 * of that pid and start time. Anything else (another host, another container's pid namespace, a
 * live process, a name without a token) is not ours to judge and is left alone.
 */
export const OWNER_PATTERN = '[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9]+-[0-9]+';
const OWNER_RE = /^([0-9a-f]{12})-([0-9a-f]{8})-([0-9a-f]{8})-([0-9]+)-([0-9]+)$/;

const hash = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);
const readOr = (p: string, fallback: string) => {
  try {
    return fsSync.readFileSync(p, 'utf8').trim();
  } catch {
    return fallback;
  }
};

interface Machine {
  boot: string;
  ns: string;
  procfs: boolean;
}
let machine: Machine | undefined;
function thisMachine(): Machine {
  if (!machine) {
    let ns = '';
    try {
      ns = fsSync.readlinkSync('/proc/self/ns/pid');
    } catch {
      // no procfs: one namespace as far as we can tell
    }
    machine = {
      boot: hash(readOr('/proc/sys/kernel/random/boot_id', 'no-boot-id'), 8),
      ns: hash(ns, 8),
      procfs: fsSync.existsSync('/proc/self/stat'),
    };
  }
  return machine;
}

const hostKey = (hostId: string) => hash(`${hostId}\0${os.hostname()}`, 12);

/** A process's start time (clock ticks since boot) from /proc, '0' without procfs, null if no such process. */
function processStart(pid: number): string | null {
  if (!thisMachine().procfs) {
    try {
      process.kill(pid, 0);
      return '0';
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH' ? null : '0';
    }
  }
  try {
    const stat = fsSync.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ...": comm may hold spaces and parentheses; field 22 is the start time.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '0';
  } catch {
    return null;
  }
}

/** The token of process `pid` (default: this one) on host `hostId`; null if there is no such process. */
export function ownerTokenOf(pid: number, hostId = 'local'): string | null {
  const start = processStart(pid);
  if (start === null) return null;
  const m = thisMachine();
  return `${hostKey(hostId)}-${m.boot}-${m.ns}-${pid}-${start}`;
}

const mine = new Map<string, string>();
/** This process's token on host `hostId`. */
export function ownerToken(hostId = 'local'): string {
  let t = mine.get(hostId);
  if (!t) {
    t = ownerTokenOf(process.pid, hostId) ?? `${hostKey(hostId)}-00000000-00000000-${process.pid}-0`;
    mine.set(hostId, t);
  }
  return t;
}

export type OwnerState = 'gone' | 'alive' | 'unknown';

/**
 * `gone` only when the process that made `token` provably is: same host, and the machine rebooted
 * since, or (same pid namespace) no process with that pid and start time exists. `alive` for a
 * running process of this host (this one included); `unknown` for anything else.
 */
export function ownerState(token: string, hostId = 'local'): OwnerState {
  const t = OWNER_RE.exec(token);
  if (!t) return 'unknown';
  const m = thisMachine();
  if (t[1] !== hostKey(hostId)) return 'unknown';
  if (t[2] !== m.boot) return 'gone';
  if (t[3] !== m.ns) return 'unknown';
  if (token === ownerToken(hostId)) return 'alive';
  const start = processStart(Number(t[4]));
  return start === null || (m.procfs && start !== t[5]) ? 'gone' : 'alive';
}

export const ownerIsGone = (token: string, hostId = 'local') => ownerState(token, hostId) === 'gone';

/** True when `token` is this very process. */
export function isOwnToken(token: string, hostId = 'local'): boolean {
  return token === ownerToken(hostId);
}
