import fs from 'node:fs/promises';
import path from 'node:path';
import { tempLegacyRun, treeHashes } from '../test-helpers';
import { wbtGeojsonIds, wbtTopazIdSet } from './wbt-geojson-ids';

const log = () => undefined;
const file = (dir: string) => path.join(dir, 'dem', 'wbt', 'subcatchments.geojson');

test('detect → migrate → validate → a second pass detects nothing and changes nothing', async () => {
  const { run, cleanup } = await tempLegacyRun('wbt-run');
  try {
    const ids = await wbtTopazIdSet(run);
    expect(await wbtGeojsonIds.detect(run)).toEqual({
      detected: true,
      details: { files: ['dem/wbt/channels.geojson', 'dem/wbt/subcatchments.geojson'], features: 24 },
      blockers: [],
    });
    expect((await wbtGeojsonIds.validate(run)).ok).toBe(false);
    const change = await wbtGeojsonIds.migrate(run, log);
    expect(change.filesChanged).toEqual(['dem/wbt/channels.geojson', 'dem/wbt/subcatchments.geojson']);
    const doc = JSON.parse(await fs.readFile(file(run.dir), 'utf8'));
    expect(doc.features[0].properties).toEqual({ TopazID: 22, Order: 1, Area: 1 });
    expect(await wbtGeojsonIds.validate(run)).toEqual({ ok: true, problems: [] });
    expect(await wbtTopazIdSet(run)).toEqual(ids);
    const after = await treeHashes(run.dir);
    expect((await wbtGeojsonIds.detect(run)).detected).toBe(false);
    expect((await wbtGeojsonIds.migrate(run, log)).filesChanged).toEqual([]);
    expect(await treeHashes(run.dir)).toEqual(after);
  } finally {
    await cleanup();
  }
});

test('a TopazID that is not a string of digits fails the migration, naming the file and feature index', async () => {
  const { run, cleanup } = await tempLegacyRun('wbt-bad');
  try {
    const doc = JSON.parse(await fs.readFile(file(run.dir), 'utf8'));
    doc.features[3].properties.TopazID = '5x';
    await fs.writeFile(file(run.dir), JSON.stringify(doc));
    expect((await wbtGeojsonIds.detect(run)).blockers).toEqual([
      'dem/wbt/subcatchments.geojson feature 3: TopazID "5x" is not a string of digits',
    ]);
    await expect(wbtGeojsonIds.migrate(run, log)).rejects.toThrow(
      'dem/wbt/subcatchments.geojson feature 3: TopazID "5x" is not a string of digits',
    );
  } finally {
    await cleanup();
  }
});
