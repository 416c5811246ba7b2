import fs from 'node:fs/promises';
import path from 'node:path';
import { runMigration, runPath } from '@arkive/shared';
import { VERSION_FILE } from '@arkive/shared/migration';
import { describeServiceContract } from '@arkive/shared/test-support/service-contract';
import { migrationProcessors } from '../processors';
import { legacyRun, runContent } from '../test-support/runs';

// Each SIGKILL case spawns a worker process and waits for a take-over plus two child snapshots: slow on a busy machine.
jest.setTimeout(180000);

describeServiceContract({
  name: 'migration',
  kind: runMigration,
  processors: () => migrationProcessors(),
  workerModule: path.join(__dirname, '..', 'test-support', 'contract-processors.ts'),
  async setup(world) {
    const { runid } = await legacyRun(world, { prefix: 'mc' });
    return { payload: { runid } };
  },
  capture: async (world, payload) => runContent(runPath(world.config.runsRoot, payload.runid)),
  async expectComplete({ world, payload, result }) {
    const dir = runPath(world.config.runsRoot, payload.runid);
    expect(await fs.readFile(path.join(dir, VERSION_FILE), 'utf8')).toBe('1000\n');
    expect(result.traits.map((t) => t.id)).toEqual([
      'legacy-run-paths',
      'wbt-geojson-ids',
      'landuse-parquet-ids',
    ]);
    expect(result.archiveBefore).toMatch(/^pre-migration-.*\.zip$/);
    expect(result.archiveAfter).toMatch(/^post-migration-.*\.zip$/);
  },
});
