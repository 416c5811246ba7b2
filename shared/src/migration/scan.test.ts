import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeLegacyRun } from './fixtures';
import { scanRuns } from './scan';
import { writeRunVersion } from './version';

test('the fleet scan reports version and detected traits of every run, in worker threads or not', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-scan-'));
  try {
    for (let i = 0; i < 120; i++) {
      const dir = path.join(root, `run-${String(i).padStart(3, '0')}`);
      await fs.mkdir(dir);
      if (i % 3 === 0)
        await fs.writeFile(path.join(dir, 'readme.txt'), 'a current run without .nodb files\n');
      else await writeLegacyRun(dir, `run-${i}`, { hillslopes: 3, without: i % 3 === 2 ? ['paths'] : [] });
      if (i % 10 === 1) await writeRunVersion(dir, 1000);
    }
    const threaded = await scanRuns(root, { currentVersion: 1000, threads: 2 });
    expect(await scanRuns(root, { currentVersion: 1000, threads: 0 })).toEqual(threaded);
    expect(threaded).toHaveLength(120);
    expect(threaded[0]).toEqual({
      runid: 'run-000',
      version: 1000,
      traits: [],
      needsMigration: false,
      blockers: [],
    });
    expect(threaded[1]).toMatchObject({
      version: 1000,
      traits: ['legacy-run-paths', 'wbt-geojson-ids', 'landuse-parquet-ids'],
      needsMigration: true,
    });
    expect(threaded[2]).toMatchObject({ version: 0, traits: ['wbt-geojson-ids', 'landuse-parquet-ids'] });
    expect(threaded[4]).toMatchObject({
      version: 0,
      traits: ['legacy-run-paths', 'wbt-geojson-ids', 'landuse-parquet-ids'],
    });
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
