import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ARCHIVES_DIR, runPath } from '@arkive/shared';
import { writeLegacyRun, type LegacyRunOptions } from '@arkive/shared/migration';
import type { TestWorld } from '@arkive/shared/test-support/harness';
import { treeHashes } from '../tree';

let n = 0;

/** A legacy (version 0) WEPPcloud-style run under the world's RUNS_ROOT. */
export async function legacyRun(world: TestWorld, opts: LegacyRunOptions & { prefix?: string } = {}) {
  const runid = `${opts.prefix ?? 'mig'}-${++n}-${randomBytes(3).toString('hex')}`;
  const dir = runPath(world.config.runsRoot, runid);
  await fs.mkdir(dir, { recursive: true });
  await writeLegacyRun(dir, runid, opts);
  return { runid, dir };
}

/** The run as a person would compare it: every file's content hash and mode, archives/ skipped. */
export async function runContent(dir: string): Promise<Record<string, string>> {
  const hashes = await treeHashes(dir);
  const out: Record<string, string> = {};
  for (const [p, h] of hashes) {
    const st = await fs.lstat(path.join(dir, p));
    out[p] = `${h}:${(st.mode & 0o7777).toString(8)}`;
  }
  return out;
}

export async function archivesOf(dir: string): Promise<string[]> {
  return (await fs.readdir(path.join(dir, ARCHIVES_DIR)).catch(() => [])).sort();
}
