import fs from 'node:fs/promises';
import path from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { tempLegacyRun, treeHashes } from '../test-helpers';
import { landuseParquetIds } from './landuse-parquet-ids';

const log = () => undefined;
const read = async (dir: string) => {
  const buf = await fs.readFile(path.join(dir, 'landuse', 'landuse.parquet'));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  return { rows: await parquetReadObjects({ file: ab }), schema: parquetMetadata(ab).schema };
};

test('detect → migrate → validate → a second pass detects nothing and changes nothing', async () => {
  const { run, cleanup } = await tempLegacyRun('lu-run');
  try {
    const before = await read(run.dir);
    expect(await landuseParquetIds.detect(run)).toEqual({
      detected: true,
      details: { file: 'landuse/landuse.parquet', rows: 12, columns: ['TopazID', 'key', 'desc', 'cancov'] },
      blockers: [],
    });
    expect((await landuseParquetIds.validate(run)).ok).toBe(false);
    expect((await landuseParquetIds.migrate(run, log)).filesChanged).toEqual(['landuse/landuse.parquet']);
    const after = await read(run.dir);
    expect(after.rows).toHaveLength(12);
    expect(after.rows[1]).toEqual({ ...before.rows[1], topaz_id: 33, wepp_id: 2 });
    // other columns kept as they were (types too); the new ones are int32
    expect(after.schema.slice(1, 5)).toEqual(before.schema.slice(1));
    expect(after.schema.slice(5).map((s) => [s.name, s.type])).toEqual([
      ['topaz_id', 'INT32'],
      ['wepp_id', 'INT32'],
    ]);
    expect(await landuseParquetIds.validate(run)).toEqual({ ok: true, problems: [] });
    const tree = await treeHashes(run.dir);
    expect((await landuseParquetIds.detect(run)).detected).toBe(false);
    expect(await treeHashes(run.dir)).toEqual(tree);
  } finally {
    await cleanup();
  }
});

test('a TopazID missing from the translator fails the migration and leaves the file as it was', async () => {
  const { run, cleanup } = await tempLegacyRun('lu-miss');
  try {
    const t = path.join(run.dir, 'watershed', 'translator.json');
    const doc = JSON.parse(await fs.readFile(t, 'utf8'));
    delete doc.topaz_to_wepp['33'];
    await fs.writeFile(t, JSON.stringify(doc));
    const tree = await treeHashes(run.dir);
    await expect(landuseParquetIds.migrate(run, log)).rejects.toThrow(
      'landuse/landuse.parquet row 1: TopazID 33 is not in watershed/translator.json',
    );
    expect(await treeHashes(run.dir)).toEqual(tree);
  } finally {
    await cleanup();
  }
});
