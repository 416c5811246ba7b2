import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeLegacyRun, type LegacyRunOptions } from './fixtures';

/** Every file and folder under `dir` (archives/ skipped): path → sha256 of the content, or 'dir'. */
export async function treeHashes(dir: string, skip = ['archives']): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(d: string, rel: string) {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && skip.includes(e.name)) continue;
      if (e.isDirectory()) {
        out[r] = 'dir';
        await walk(path.join(d, e.name), r);
      } else
        out[r] = createHash('sha256')
          .update(await fs.readFile(path.join(d, e.name)))
          .digest('hex');
    }
  }
  await walk(dir, '');
  return out;
}

/** A legacy run in a fresh temp folder; `cleanup` removes it. */
export async function tempLegacyRun(runid = 'lt-run1', opts: LegacyRunOptions = {}) {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-mig-'));
  const dir = path.join(base, runid);
  await fs.mkdir(dir);
  await writeLegacyRun(dir, runid, opts);
  return { run: { dir, runid }, cleanup: () => fs.rm(base, { recursive: true, force: true }) };
}
