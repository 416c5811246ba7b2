import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { restoreArchive, verifyArchive } from './index';
import { tempDir } from './test-fixtures';

/**
 * ZIPs whose names are not UTF-8: the format's default is code page 437 (Windows' built-in ZIP,
 * old tools). Python's zipfile is made to write such names here, as those tools do.
 */
function cp437Zip(out: string, files: Record<string, string>): void {
  const script = `
import json, sys, zipfile
zipfile.ZipInfo._encodeFilenameFlags = lambda self: (self.filename.encode('cp437'), self.flag_bits)
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for name, data in json.loads(sys.stdin.read()).items():
        z.writestr(name, data)
`;
  const r = spawnSync('python3', ['-c', script, out], { input: JSON.stringify(files), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python zip failed: ${r.stderr}`);
}

describe('non-UTF-8 (CP437) entry names', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  test('a legitimate CP437 ZIP verifies and restores with its names decoded', async () => {
    const zip = path.join(root, 'cp437.zip');
    const files = {
      'Müller/Ergebnis ä.txt': 'ergebnis\n'.repeat(50),
      'naïve résumé.txt': 'cv\n',
      'Größe ½.csv': 'a,b\n1,2\n',
    };
    cp437Zip(zip, files);
    // the names really are stored as CP437 bytes, without the UTF-8 flag
    const raw = await fs.readFile(zip);
    expect(raw.includes(Buffer.from('M\x81ller', 'latin1'))).toBe(true);
    await expect(verifyArchive(zip)).resolves.toMatchObject({ ok: true, entries: 3 });
    const runDir = path.join(root, 'run');
    await fs.mkdir(runDir);
    await fs.writeFile(path.join(runDir, 'old.txt'), 'old\n');
    const r = await restoreArchive({ runDir, archivePath: zip, preRestoreSnapshot: false });
    expect(r.filesRestored).toBe(3);
    for (const [name, data] of Object.entries(files))
      expect(await fs.readFile(path.join(runDir, name), 'utf8')).toBe(data);
  });
});
