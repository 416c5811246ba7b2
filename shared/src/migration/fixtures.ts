import fs from 'node:fs/promises';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';

export interface LegacyRunOptions {
  /** how legacy paths are spelled: weppcloud_runs (default) or wc1 */
  pathStyle?: 'weppcloud_runs' | 'wc1';
  /** hillslopes (default 12) */
  hillslopes?: number;
  /** omit some traits */
  without?: Array<'paths' | 'geojson' | 'landuse'>;
}

/**
 * Writes a WEPPcloud-style legacy run (version 0: .nodb documents, no nodb.version) into `dir`:
 * jsonpickle .nodb files with absolute /geodata paths, WhiteboxTools GeoJSON with string TopazIDs,
 * a landuse parquet with only TopazID and the watershed translator. Used by tests and the benchmark.
 */
export async function writeLegacyRun(dir: string, runid: string, opts: LegacyRunOptions = {}): Promise<void> {
  const n = opts.hillslopes ?? 12;
  const without = new Set(opts.without ?? []);
  const root =
    opts.pathStyle === 'wc1'
      ? `/geodata/wc1/runs/${runid.slice(0, 2)}/${runid}`
      : `/geodata/weppcloud_runs/${runid}`;
  const p = (rel: string) => (without.has('paths') ? rel : `${root}/${rel}`);
  await fs.mkdir(path.join(dir, 'dem', 'wbt'), { recursive: true });
  await fs.mkdir(path.join(dir, 'landuse'), { recursive: true });
  await fs.mkdir(path.join(dir, 'watershed'), { recursive: true });
  const topaz = Array.from({ length: n }, (_, i) => 22 + i * 10 + (i % 3));
  const ron = {
    'py/object': 'wepppy.nodb.ron.Ron',
    _wd: without.has('paths') ? '.' : root,
    _configname: 'disturbed9002',
    _cellsize: 30.0,
    _map: { 'py/object': 'wepppy.nodb.ron.Map', extent: [-116.1, 45.1, -116.0, 45.2], zoom: 13 },
    dem_fn: p('dem/dem.tif'),
    _mods: ['disturbed', 'rap_ts'],
  };
  const watershed = {
    'py/object': 'wepppy.nodb.watershed.Watershed',
    wd: without.has('paths') ? '.' : `${root}/`,
    subwta: p('dem/wbt/subwta.tif'),
    _subs_summary: Object.fromEntries(topaz.map((t) => [String(t), { area: 1.5, slope_scalar: 0.25 }])),
    outlet: { 'py/tuple': [-116.05, 45.15] },
    _structure: p('watershed/structure.pkl'),
  };
  const landuseNodb = { 'py/object': 'wepppy.nodb.landuse.Landuse', lc_fn: p('landuse/nlcd.asc'), mode: 0 };
  await fs.writeFile(path.join(dir, 'ron.nodb'), JSON.stringify(ron));
  await fs.writeFile(path.join(dir, 'watershed.nodb'), JSON.stringify(watershed, null, 2));
  await fs.writeFile(path.join(dir, 'landuse.nodb'), JSON.stringify(landuseNodb));
  const collection = (kind: string) => ({
    type: 'FeatureCollection',
    name: kind,
    features: topaz.map((t, i) => ({
      type: 'Feature',
      properties: { TopazID: without.has('geojson') ? t : String(t), Order: (i % 4) + 1, Area: 1.0 },
      geometry: { type: 'Point', coordinates: [-116.05 + i * 0.001, 45.15] },
    })),
  });
  await fs.writeFile(
    path.join(dir, 'dem', 'wbt', 'subcatchments.geojson'),
    JSON.stringify(collection('subcatchments')),
  );
  await fs.writeFile(
    path.join(dir, 'dem', 'wbt', 'channels.geojson'),
    JSON.stringify(collection('channels'), null, 1),
  );
  await fs.writeFile(
    path.join(dir, 'watershed', 'translator.json'),
    JSON.stringify({ topaz_to_wepp: Object.fromEntries(topaz.map((t, i) => [String(t), i + 1])) }),
  );
  const columnData = [
    { name: 'TopazID', data: topaz.map((t) => BigInt(t)), type: 'INT64' as const },
    { name: 'key', data: topaz.map((_, i) => BigInt(40 + (i % 4))), type: 'INT64' as const },
    {
      name: 'desc',
      data: topaz.map((_, i) => ['Forest', 'Shrub', 'Grass', 'Urban'][i % 4]),
      type: 'STRING' as const,
    },
    { name: 'cancov', data: topaz.map((_, i) => 0.25 * (i % 4)), type: 'DOUBLE' as const },
  ];
  if (without.has('landuse'))
    columnData.push(
      { name: 'topaz_id', data: topaz, type: 'INT32' as never },
      { name: 'wepp_id', data: topaz.map((_, i) => i + 1), type: 'INT32' as never },
    );
  await fs.writeFile(
    path.join(dir, 'landuse', 'landuse.parquet'),
    new Uint8Array(parquetWriteBuffer({ columnData })),
  );
  await fs.writeFile(path.join(dir, 'wepp.log'), 'WEPP run finished\n'.repeat(20));
}

/** A regression fixture folder: `pre.zip` and `post.zip` (a migration's archive pair) and `fixture.json`. */
export interface FixtureInfo {
  runid: string;
  current_version: number;
}

/** Writes a fixture folder from a run's pre/post-migration archives (what an admin exports). */
export async function writeFixture(dir: string, pre: string, post: string, info: FixtureInfo): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.copyFile(pre, path.join(dir, 'pre.zip'));
  await fs.copyFile(post, path.join(dir, 'post.zip'));
  await fs.writeFile(path.join(dir, 'fixture.json'), JSON.stringify(info, null, 2) + '\n');
}
