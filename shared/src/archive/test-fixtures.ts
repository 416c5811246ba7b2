import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Helpers shared by the archive tests (real temp dirs, real tools). */
export async function tempDir(prefix = 'arkive-archive-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; input?: string } = {},
): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Build a ZIP with Python's zipfile from a list of entries (for hostile and foreign archives). */
export function pythonZip(
  out: string,
  entries: Array<{
    name: string;
    data?: string;
    zeros?: number;
    mode?: number;
    symlink?: boolean;
    flags?: number;
    deflate?: boolean;
  }>,
): void {
  const script = `
import json, sys, zipfile, warnings
warnings.simplefilter('ignore')
entries = json.loads(sys.stdin.read())
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for e in entries:
        zi = zipfile.ZipInfo(e['name'], date_time=(2020, 1, 2, 3, 4, 6))
        zi.create_system = 3
        mode = e.get('mode', 0o100644)
        if e.get('symlink'):
            mode = 0o120777
        zi.external_attr = (mode << 16) | (0x10 if e['name'].endswith('/') else 0)
        zi.compress_type = zipfile.ZIP_DEFLATED if e.get('deflate', True) else zipfile.ZIP_STORED
        data = b'\\0' * e['zeros'] if 'zeros' in e else e.get('data', '').encode()
        z.writestr(zi, data)
# zipfile resets flag bits when writing: patch them into the local and central headers.
import struct
buf = bytearray(open(sys.argv[1], 'rb').read())
infos = zipfile.ZipFile(sys.argv[1]).infolist()
for e, zi in zip(entries, infos):
    if not e.get('flags'):
        continue
    lo = zi.header_offset
    struct.pack_into('<H', buf, lo + 6, struct.unpack_from('<H', buf, lo + 6)[0] | e['flags'])
    name = zi.orig_filename.encode()
    pos = 0
    while True:
        pos = buf.find(b'PK\x01\x02', pos)
        if pos < 0:
            break
        if buf[pos + 46: pos + 46 + len(name)] == name and struct.unpack_from('<I', buf, pos + 42)[0] == lo:
            struct.pack_into('<H', buf, pos + 8, struct.unpack_from('<H', buf, pos + 8)[0] | e['flags'])
        pos += 4
open(sys.argv[1], 'wb').write(buf)
`;
  const r = spawnSync('python3', ['-c', script, out], { input: JSON.stringify(entries), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python zip failed: ${r.stderr}`);
}

/** The tsx loader, so child processes can run TypeScript. */
export const TSX_ARGS = ['--import', 'tsx'];
export const ARCHIVE_INDEX = path.join(__dirname, 'index.ts');

/** The error `p` rejects with; fails the test if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection, but it resolved');
}
