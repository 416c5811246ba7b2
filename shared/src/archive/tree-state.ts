import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface TreeNode {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  size?: number;
  sha256?: string;
  target?: string;
  mtimeSec?: number;
}

/**
 * A full listing of a directory (path → type, mode, size, SHA-256, link target, mtime), used to
 * compare trees before/after an operation. Never follows links. `skipTop` names are left out.
 */
export async function treeState(
  root: string,
  opts: { skipTop?: string[]; mtimes?: boolean } = {},
): Promise<Record<string, TreeNode>> {
  const out: Record<string, TreeNode> = {};
  async function walk(dir: string, rel: string): Promise<void> {
    for (const name of (await fs.readdir(dir)).sort()) {
      if (!rel && opts.skipTop?.includes(name)) continue;
      const abs = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await fs.lstat(abs);
      const node: TreeNode = { type: 'other', mode: st.mode & 0o7777 };
      if (opts.mtimes) node.mtimeSec = Math.floor(st.mtimeMs / 1000);
      if (st.isDirectory()) {
        node.type = 'dir';
        out[r] = node;
        await walk(abs, r);
        continue;
      }
      if (st.isFile()) {
        node.type = 'file';
        node.size = st.size;
        node.sha256 = createHash('sha256')
          .update(await fs.readFile(abs))
          .digest('hex');
      } else if (st.isSymbolicLink()) {
        node.type = 'symlink';
        node.target = await fs.readlink(abs);
        delete (node as { mode?: number }).mode;
        delete node.mtimeSec;
      }
      out[r] = node;
    }
  }
  await walk(root, '');
  return out;
}
