import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeLegacyRun, writeRunVersion } from '@arkive/shared/migration';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'services/cli/dist/index.js');

describe('arkive migrations scan (compiled, spawned)', () => {
  let root: string;
  beforeAll(async () => {
    const build = spawnSync('npx', ['tsc', '-b', 'services/cli/tsconfig.build.json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-cli-scan-'));
    for (let i = 0; i < 60; i++) {
      const dir = path.join(root, `r${String(i).padStart(2, '0')}`);
      await fs.mkdir(dir);
      if (i % 2) await writeLegacyRun(dir, `r${i}`, { hillslopes: 2 });
      else await fs.writeFile(path.join(dir, 'notes.txt'), 'current\n');
      if (i === 1) await writeRunVersion(dir, 1000);
    }
  }, 180_000);
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  it('prints JSON lines, one per run, from worker threads', () => {
    const r = spawnSync(
      process.execPath,
      [CLI, '--json', 'migrations', 'scan', '--root', root, '--threads', '2'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { runid: string; version: number; traits: string[] });
    expect(lines).toHaveLength(60);
    expect(lines[0]).toEqual({
      runid: 'r00',
      version: 1000,
      traits: [],
      needsMigration: false,
      blockers: [],
    });
    expect(lines[1]).toMatchObject({ runid: 'r01', version: 1000, needsMigration: true });
    expect(lines[3]).toMatchObject({
      runid: 'r03',
      version: 0,
      traits: ['legacy-run-paths', 'wbt-geojson-ids', 'landuse-parquet-ids'],
    });
  });

  it('prints a table', () => {
    const r = spawnSync(process.execPath, [CLI, 'migrations', 'scan', '--root', root], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const out = r.stdout.split('\n');
    expect(out[0]).toBe('RUN    VERSION  NEEDS  TRAITS');
    expect(out[4]).toBe('r03          0  yes    legacy-run-paths, wbt-geojson-ids, landuse-parquet-ids');
    expect(out).toContain('60 runs, 30 need a migration');
  });
});
