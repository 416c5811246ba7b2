import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'services/cli/dist/index.js');

function arkive(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('arkive CLI (compiled, spawned)', () => {
  let root: string;
  let runDir: string;

  beforeAll(async () => {
    const build = spawnSync('npx', ['tsc', '-b', 'services/cli/tsconfig.build.json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-cli-'));
    runDir = path.join(root, 'run');
    await fs.mkdir(path.join(runDir, 'data'), { recursive: true });
    await fs.writeFile(path.join(runDir, 'data/a.txt'), 'alpha\n');
    await fs.writeFile(path.join(runDir, 'b.txt'), 'beta\n');
  }, 180_000);
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('has the shebang and a bin entry that runs the compiled CLI', async () => {
    expect((await fs.readFile(CLI, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    const pkg = JSON.parse(await fs.readFile(path.join(ROOT, 'services/cli/package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    const bin = path.join(ROOT, 'services/cli', pkg.bin.arkive);
    expect((await fs.readFile(bin, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(r.stdout).toContain('snapshot');
    expect(r.stdout).toContain('restore');
  });

  it('snapshot, verify, list and restore with --json', async () => {
    const snap = arkive('--json', 'snapshot', runDir, '--label', 'first one');
    expect(snap.status).toBe(0);
    const s = JSON.parse(snap.stdout) as {
      ok: boolean;
      path: string;
      name: string;
      sha256: string;
      fileCount: number;
    };
    expect(s).toMatchObject({ ok: true, fileCount: 2 });
    expect(s.name).toMatch(/_first-one\.zip$/);
    expect(s.path).toBe(path.join(runDir, 'archives', s.name));

    const v = arkive('--json', 'verify', s.path);
    expect(v.status).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, entries: 3, manifest: true });

    await fs.writeFile(path.join(runDir, 'b.txt'), 'changed\n');
    await fs.writeFile(path.join(runDir, 'extra.txt'), 'extra\n');
    const r = arkive('--json', 'restore', runDir, s.path, '--no-pre-restore-snapshot');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, filesRestored: 2 });
    expect(await fs.readFile(path.join(runDir, 'b.txt'), 'utf8')).toBe('beta\n');
    await expect(fs.stat(path.join(runDir, 'extra.txt'))).rejects.toThrow();

    const l1 = JSON.parse(arkive('--json', 'list', runDir).stdout) as Array<{
      name: string;
      kind: string;
      label?: string;
    }>;
    expect(l1).toEqual([expect.objectContaining({ name: s.name, kind: 'snapshot', label: 'first one' })]);

    const r2 = arkive('restore', runDir, s.path);
    expect(r2.status).toBe(0);
    expect(r2.stdout).toMatch(/Restored 2 files/);
    const l2 = JSON.parse(arkive('--json', 'list', runDir).stdout) as Array<{ kind: string }>;
    expect(l2.map((a) => a.kind).sort()).toEqual(['pre-restore', 'snapshot']);

    const human = arkive('list', runDir);
    expect(human.status).toBe(0);
    expect(human.stdout).toContain(s.name);
  });

  it('fails with a non-zero exit code and a one-line message (stack only with --debug)', async () => {
    const missing = arkive('verify', path.join(root, 'missing.zip'));
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^arkive: .*missing\.zip.*\[ARCHIVE_NOT_FOUND\]\n$/);

    const notZip = path.join(root, 'not.zip');
    await fs.writeFile(notZip, 'definitely not a zip');
    const bad = arkive('--json', 'verify', notZip);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout)).toEqual({
      ok: false,
      error: { code: 'ARCHIVE_CORRUPT', message: expect.any(String) },
    });
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);

    const debug = arkive('--debug', 'verify', notZip);
    expect(debug.status).toBe(1);
    expect(debug.stderr).toContain('    at ');

    const hostile = path.join(root, 'hostile.zip');
    const py = spawnSync('python3', [
      '-c',
      `import zipfile; z=zipfile.ZipFile(${JSON.stringify(hostile)},'w'); z.writestr('../escape.txt','x'); z.close()`,
    ]);
    expect(py.status).toBe(0);
    const before = await fs.readdir(runDir);
    const h = arkive('restore', runDir, hostile);
    expect(h.status).toBe(1);
    expect(h.stderr).toMatch(/^arkive: .*\.\.\/escape\.txt.*\[ARCHIVE_UNSAFE_PATH\]\n$/);
    expect(await fs.readdir(runDir)).toEqual(before);

    await fs.writeFile(path.join(runDir, 'data/model.nodb.lock'), '');
    const locked = arkive('restore', runDir, hostile);
    expect(locked.status).toBe(1);
    expect(locked.stderr).toMatch(/^arkive: Run is locked \(data\/model\.nodb\.lock\).*\[RUN_LOCKED\]\n$/);
    await fs.rm(path.join(runDir, 'data/model.nodb.lock'));

    // an archive without files would empty the run: --allow-empty confirms it
    const emptyRun = path.join(root, 'empty-run');
    await fs.mkdir(emptyRun);
    await fs.writeFile(path.join(emptyRun, 'work.dat'), 'weeks of work\n');
    const emptyZip = path.join(root, 'empty.zip');
    await fs.writeFile(emptyZip, Buffer.from(`504b0506${'00'.repeat(18)}`, 'hex'));
    const refused = arkive('restore', emptyRun, emptyZip);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /^arkive: Archive empty\.zip holds no files.*--allow-empty.*\[ARCHIVE_EMPTY\]\n$/,
    );
    expect(await fs.readdir(emptyRun)).toEqual(['work.dat']);
    const allowed = arkive('restore', emptyRun, emptyZip, '--allow-empty');
    expect(allowed.status).toBe(0);
    expect(await fs.readdir(emptyRun)).toEqual(['archives']);

    const missingRun = arkive('snapshot', path.join(root, 'nope'));
    expect(missingRun.status).toBe(1);
    expect(missingRun.stderr).toContain('[RUN_NOT_FOUND]');

    const unknown = arkive('frobnicate');
    expect(unknown.status).not.toBe(0);
  });
});
