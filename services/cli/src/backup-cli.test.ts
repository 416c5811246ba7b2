import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'services/cli/dist/index.js');

/** `arkive backup | backups | restore-backup` against a local restic repository, no server. */
describe('arkive backup commands (compiled, spawned, real restic)', () => {
  let root: string;
  let runDir: string;
  let env: NodeJS.ProcessEnv;
  const arkive = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, env });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(async () => {
    const build = spawnSync('npx', ['tsc', '-b', 'services/cli/tsconfig.build.json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-cli-backup-'));
    runDir = path.join(root, 'myrun');
    await fs.mkdir(path.join(runDir, 'data'), { recursive: true });
    await fs.writeFile(path.join(runDir, 'data/a.txt'), 'alpha\n');
    await fs.writeFile(path.join(runDir, 'b.txt'), 'beta\n');
    env = {
      ...process.env,
      ARKIVE_HOME: path.join(root, 'home'),
      ARKIVE_BACKUP_REPO: path.join(root, 'repo'),
    };
    delete env.BACKUP_PASSWORD;
  }, 180_000);
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  it('backs up, lists, previews and restores the whole run or one path', async () => {
    const b = arkive('--json', 'backup', runDir);
    expect(b.stderr).toBe('');
    expect(b.status).toBe(0);
    const made = JSON.parse(b.stdout) as { snapshotId: string; totalFiles: number };
    expect(made.totalFiles).toBe(2);
    // the generated password is kept for the next command
    expect((await fs.stat(path.join(root, 'home', 'secrets', 'backup.key'))).isFile()).toBe(true);

    const l = arkive('--json', 'backups', runDir);
    expect(l.status).toBe(0);
    const list = JSON.parse(l.stdout) as { short_id: string; tags: string[] }[];
    expect(list).toHaveLength(1);
    expect(list[0].tags).toContain('run:myrun');

    await fs.writeFile(path.join(runDir, 'b.txt'), 'changed\n');
    await fs.writeFile(path.join(runDir, 'data/a.txt'), 'changed too\n');
    await fs.writeFile(path.join(runDir, 'c.txt'), 'new\n');
    const dry = arkive('--json', 'restore-backup', runDir, list[0].short_id, '--dry-run');
    expect(dry.status).toBe(0);
    const plan = (JSON.parse(dry.stdout) as { plan: { replaced: string[]; removed: string[] } }).plan;
    expect(plan).toMatchObject({ replaced: ['b.txt', 'data/a.txt'], removed: ['c.txt'] });
    expect(await fs.readFile(path.join(runDir, 'b.txt'), 'utf8')).toBe('changed\n');

    const one = arkive(
      '--json',
      'restore-backup',
      runDir,
      list[0].short_id,
      '--path',
      'data',
      '--no-pre-restore-snapshot',
    );
    expect(one.stderr).toBe('');
    expect(one.status).toBe(0);
    expect(await fs.readFile(path.join(runDir, 'data/a.txt'), 'utf8')).toBe('alpha\n');
    expect(await fs.readFile(path.join(runDir, 'b.txt'), 'utf8')).toBe('changed\n');

    const all = arkive('restore-backup', runDir, list[0].short_id);
    expect(all.status).toBe(0);
    expect(all.stdout).toMatch(/previous content saved as archives\/pre-restore-/);
    expect(await fs.readFile(path.join(runDir, 'b.txt'), 'utf8')).toBe('beta\n');
    await expect(fs.stat(path.join(runDir, 'c.txt'))).rejects.toThrow();

    // without a progress bar a whole restore takes its plan from the restored staging folder
    // (no restic ls): the same plan as the dry run's from the snapshot's tree
    await fs.writeFile(path.join(runDir, 'b.txt'), 'changed again\n');
    await fs.writeFile(path.join(runDir, 'd.txt'), 'new\n');
    await fs.rm(path.join(runDir, 'data'), { recursive: true });
    const dry2 = arkive('--json', 'restore-backup', runDir, list[0].short_id, '--dry-run');
    const whole = arkive('--json', 'restore-backup', runDir, list[0].short_id, '--no-pre-restore-snapshot');
    expect(whole.status).toBe(0);
    const planOf = (out: string) => (JSON.parse(out) as { plan: unknown }).plan;
    expect(planOf(whole.stdout)).toEqual(planOf(dry2.stdout));
    expect(planOf(whole.stdout)).toMatchObject({
      added: ['data', 'data/a.txt'],
      replaced: ['b.txt'],
      removed: ['d.txt'],
    });
    expect((JSON.parse(whole.stdout) as { filesRestored: number }).filesRestored).toBe(2);
    expect(await fs.readFile(path.join(runDir, 'data/a.txt'), 'utf8')).toBe('alpha\n');

    // an unknown id fails before the swap, the run untouched and no staging folder left beside it
    const unknown = arkive('--json', 'restore-backup', runDir, 'deadbeef', '--no-pre-restore-snapshot');
    expect(unknown.status).not.toBe(0);
    expect(await fs.readFile(path.join(runDir, 'b.txt'), 'utf8')).toBe('beta\n');
    expect((await fs.readdir(root)).filter((n) => n.startsWith('.myrun.'))).toEqual([]);

    const missing = arkive('--json', 'restore-backup', runDir, list[0].short_id, '--path', 'nope');
    expect(missing.status).not.toBe(0);
    expect(missing.stdout + missing.stderr).toMatch(/PATH_NOT_IN_BACKUP/);
  });
});
