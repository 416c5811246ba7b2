import fs from 'node:fs/promises';
import path from 'node:path';
import { tempLegacyRun, treeHashes } from '../test-helpers';
import { legacyRunPaths, relativeRunPath } from './legacy-run-paths';

const log = () => undefined;

test('legacy run paths become run-relative; the run root becomes "."', () => {
  expect(relativeRunPath('/geodata/weppcloud_runs/abc/dem/dem.tif')).toBe('dem/dem.tif');
  expect(relativeRunPath('/geodata/wc1/runs/ab/abc/watershed/x.pkl')).toBe('watershed/x.pkl');
  expect(relativeRunPath('/geodata/weppcloud_runs/abc')).toBe('.');
  expect(relativeRunPath('/geodata/weppcloud_runs/abc/')).toBe('.');
  expect(relativeRunPath('/geodata/wc1/runs/abc/x')).toBeNull(); // not <two chars>/<runid>
  expect(relativeRunPath('/geodata/other/abc')).toBeNull();
  expect(relativeRunPath('dem/dem.tif')).toBeNull();
});

test.each(['weppcloud_runs', 'wc1'] as const)(
  'detect → migrate → validate → a second pass detects nothing and changes nothing (%s)',
  async (pathStyle) => {
    const { run, cleanup } = await tempLegacyRun('lrp-run', { pathStyle });
    try {
      const d = await legacyRunPaths.detect(run);
      expect(d).toEqual({
        detected: true,
        details: { files: ['landuse.nodb', 'ron.nodb', 'watershed.nodb'], values: 6 },
        blockers: [],
      });
      expect((await legacyRunPaths.validate(run)).ok).toBe(false);
      const before = await fs.readFile(path.join(run.dir, 'watershed.nodb'), 'utf8');
      const change = await legacyRunPaths.migrate(run, log);
      expect(change.filesChanged).toEqual(['landuse.nodb', 'ron.nodb', 'watershed.nodb']);
      const ron = JSON.parse(await fs.readFile(path.join(run.dir, 'ron.nodb'), 'utf8'));
      expect(ron).toMatchObject({ 'py/object': 'wepppy.nodb.ron.Ron', _wd: '.', dem_fn: 'dem/dem.tif' });
      const ws = await fs.readFile(path.join(run.dir, 'watershed.nodb'), 'utf8');
      // only the string values changed: layout, keys and numbers as they were
      expect(ws).toBe(
        before
          .replaceAll(
            `"/geodata/${pathStyle === 'wc1' ? 'wc1/runs/lr/lrp-run' : 'weppcloud_runs/lrp-run'}/"`,
            '"."',
          )
          .replaceAll(
            `/geodata/${pathStyle === 'wc1' ? 'wc1/runs/lr/lrp-run' : 'weppcloud_runs/lrp-run'}/`,
            '',
          ),
      );
      expect(await legacyRunPaths.validate(run)).toEqual({ ok: true, problems: [] });
      const after = await treeHashes(run.dir);
      expect((await legacyRunPaths.detect(run)).detected).toBe(false);
      expect((await legacyRunPaths.migrate(run, log)).filesChanged).toEqual([]);
      expect(await treeHashes(run.dir)).toEqual(after);
    } finally {
      await cleanup();
    }
  },
);

test('a /geodata/ value that is not a run path is a blocker and fails validation after the migration', async () => {
  const { run, cleanup } = await tempLegacyRun('lrp-other');
  try {
    await fs.writeFile(
      path.join(run.dir, 'soils.nodb'),
      JSON.stringify({ ssurgo: '/geodata/ssurgo/db.sqlite' }),
    );
    const d = await legacyRunPaths.detect(run);
    expect(d.blockers).toEqual(['soils.nodb: /geodata/ssurgo/db.sqlite is not a run path']);
    await legacyRunPaths.migrate(run, log);
    expect(await legacyRunPaths.validate(run)).toEqual({
      ok: false,
      problems: ['soils.nodb: 1 string value(s) still start with /geodata/'],
    });
  } finally {
    await cleanup();
  }
});
