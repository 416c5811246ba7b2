import fs from 'node:fs/promises';
import path from 'node:path';
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type SchemaElement } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { exists, readJsonFile, writeFileAtomic } from '../files';
import { asyncRunFiles, type RunFiles } from '../run-files';
import { detectFiles, TraitError, type Trait, type TraitRun } from './types';

const LANDUSE = 'landuse/landuse.parquet';
const TRANSLATOR = 'watershed/translator.json';
const ID = 'landuse-parquet-ids';

/** Bytes read from the end of the file first: a landuse footer is a few hundred bytes. */
const FOOTER_FETCH = 64 * 1024;

/**
 * The file's top-level column names (flat schemas only: landuse tables are flat), from its footer:
 * one open reads the size and the last FOOTER_FETCH bytes (hyparquet asks for more if the footer
 * is larger).
 */
async function columns(
  files: RunFiles,
  rel: string,
): Promise<{ schema: SchemaElement[]; names: string[]; rows: number }> {
  const { size, tail } = await files.readTail(rel, FOOTER_FETCH);
  const tailStart = size - tail.byteLength;
  const buffer: AsyncBuffer = {
    byteLength: size,
    slice: (start, end = size) =>
      start >= tailStart && end <= size
        ? tail.slice(start - tailStart, end - tailStart)
        : files.readRange(rel, start, end),
  };
  const meta = await parquetMetadataAsync(buffer, { initialFetchSize: FOOTER_FETCH });
  const names = meta.schema.slice(1).map((s) => s.name);
  return { schema: meta.schema, names, rows: Number(meta.num_rows) };
}

async function translator(run: TraitRun): Promise<Map<number, number>> {
  const file = path.join(run.dir, TRANSLATOR);
  if (!(await exists(file)))
    throw new TraitError(ID, `${TRANSLATOR} is missing (it maps TopazID to wepp_id)`);
  const doc = (await readJsonFile(file)) as { topaz_to_wepp?: Record<string, unknown> };
  if (!doc || typeof doc.topaz_to_wepp !== 'object' || doc.topaz_to_wepp === null)
    throw new TraitError(ID, `${TRANSLATOR} has no topaz_to_wepp map`);
  const map = new Map<number, number>();
  for (const [k, v] of Object.entries(doc.topaz_to_wepp)) map.set(Number(k), Number(v));
  return map;
}

/** An id value as read (number, bigint, digit string) as an int32, or null. */
function int32(v: unknown): number | null {
  const n =
    typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 ? n : null;
}

export const landuseParquetIds: Trait = {
  id: ID,
  description:
    'landuse/landuse.parquet with a TopazID column gets int32 topaz_id and wepp_id (from watershed/translator.json)',
  dependsOn: ['wbt-geojson-ids'],
  async detect(run) {
    const files = detectFiles(run);
    let cols;
    try {
      cols = await columns(files, LANDUSE);
    } catch (err) {
      // (the file is opened without an lstat first: whether it exists is asked only on failure)
      if (!(await files.exists(LANDUSE))) return { detected: false, details: {}, blockers: [] };
      return { detected: false, details: { unreadable: (err as Error).message }, blockers: [] };
    }
    const detected =
      cols.names.includes('TopazID') && !cols.names.includes('topaz_id') && !cols.names.includes('wepp_id');
    const blockers = detected && !(await files.exists(TRANSLATOR)) ? [`${TRANSLATOR} is missing`] : [];
    return {
      detected,
      details: detected ? { file: LANDUSE, rows: cols.rows, columns: cols.names } : {},
      blockers,
    };
  },
  async migrate(run, log) {
    const file = path.join(run.dir, LANDUSE);
    const { schema, names, rows: count } = await columns(asyncRunFiles(run.dir), LANDUSE);
    if (schema.slice(1).some((s) => s.num_children))
      throw new TraitError(ID, `${LANDUSE} has nested columns; only flat tables are migrated`);
    const map = await translator(run);
    const buf = await fs.readFile(file);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    const rows = (await parquetReadObjects({ file: ab })) as Record<string, unknown>[];
    if (rows.length !== count) throw new TraitError(ID, `${LANDUSE}: read ${rows.length} of ${count} rows`);
    const topaz = new Int32Array(rows.length);
    const wepp = new Int32Array(rows.length);
    rows.forEach((r, i) => {
      const t = int32(r.TopazID);
      if (t === null)
        throw new TraitError(ID, `${LANDUSE} row ${i}: TopazID ${String(r.TopazID)} is not an integer`);
      const w = map.get(t);
      if (w === undefined)
        throw new TraitError(ID, `${LANDUSE} row ${i}: TopazID ${t} is not in ${TRANSLATOR}`);
      topaz[i] = t;
      wepp[i] = w;
    });
    type WriteSchema = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>;
    const out = parquetWriteBuffer({
      // (hyparquet-writer carries its own copy of hyparquet's types)
      schema: [
        { ...schema[0], num_children: names.length + 2 },
        ...schema.slice(1),
        { name: 'topaz_id', type: 'INT32', repetition_type: 'REQUIRED' },
        { name: 'wepp_id', type: 'INT32', repetition_type: 'REQUIRED' },
      ] as unknown as WriteSchema,
      columnData: [
        ...names.map((name) => ({ name, data: rows.map((r) => r[name]) })),
        { name: 'topaz_id', data: topaz },
        { name: 'wepp_id', data: wepp },
      ],
    });
    await writeFileAtomic(file, new Uint8Array(out));
    await log(`${ID}: ${LANDUSE}: topaz_id and wepp_id added to ${rows.length} row(s)`);
    return {
      filesChanged: [LANDUSE],
      summary: `topaz_id and wepp_id added to ${rows.length} landuse row(s)`,
    };
  },
  async validate(run) {
    const file = path.join(run.dir, LANDUSE);
    if (!(await exists(file))) return { ok: true, problems: [] };
    const { names, rows: count } = await columns(asyncRunFiles(run.dir), LANDUSE);
    if (!names.includes('TopazID')) return { ok: true, problems: [] };
    if (!names.includes('topaz_id') || !names.includes('wepp_id'))
      return { ok: false, problems: [`${LANDUSE} has no topaz_id/wepp_id columns`] };
    const map = await translator(run);
    const buf = await fs.readFile(file);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    const rows = (await parquetReadObjects({
      file: ab,
      columns: ['TopazID', 'topaz_id', 'wepp_id'],
    })) as Record<string, unknown>[];
    const problems: string[] = [];
    if (rows.length !== count) problems.push(`${LANDUSE}: ${rows.length} rows read, ${count} declared`);
    rows.forEach((r, i) => {
      if (problems.length >= 20) return;
      const t = int32(r.topaz_id);
      if (r.topaz_id == null || r.wepp_id == null || t === null)
        problems.push(`${LANDUSE} row ${i}: null id`);
      else if (t !== int32(r.TopazID))
        problems.push(`${LANDUSE} row ${i}: topaz_id ${t} ≠ TopazID ${String(r.TopazID)}`);
      else if (!map.has(t)) problems.push(`${LANDUSE} row ${i}: topaz_id ${t} is not in ${TRANSLATOR}`);
      else if (map.get(t) !== int32(r.wepp_id))
        problems.push(`${LANDUSE} row ${i}: wepp_id ${String(r.wepp_id)} ≠ translator's ${map.get(t)}`);
    });
    return { ok: problems.length === 0, problems };
  },
};
