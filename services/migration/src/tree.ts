import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ARCHIVES_DIR } from '@arkive/shared';

/** Run-relative path → SHA-256 of each file (links: their target) under `dir`, archives/ skipped. */
export async function treeHashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(d: string, rel: string) {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && e.name === ARCHIVES_DIR) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p, r);
      else if (e.isSymbolicLink()) out.set(r, `link:${await fs.readlink(p)}`);
      else if (e.isFile())
        out.set(
          r,
          createHash('sha256')
            .update(await fs.readFile(p))
            .digest('hex'),
        );
    }
  }
  await walk(dir, '');
  return out;
}

export function treeDiff(before: Map<string, string>, after: Map<string, string>) {
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [p, h] of after) {
    const b = before.get(p);
    if (b === undefined) added.push(p);
    else if (b !== h) changed.push(p);
  }
  for (const p of before.keys()) if (!after.has(p)) removed.push(p);
  return { added: added.sort(), changed: changed.sort(), removed: removed.sort() };
}
