import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { writeLegacyRun } from './fixtures';
import { inspectRun } from './inspect';
import { asyncRunFiles, syncRunFiles } from './run-files';
import { scanRuns } from './scan';
import { mayHoldGeodataPath } from './traits/legacy-run-paths';
import { TRAITS } from './traits/registry';
import { mayHoldStringTopazId } from './traits/wbt-geojson-ids';

/** Every string (keys and values) of a parsed JSON document. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      strings(x, out);
    }
  return out;
}

/** `s` as a JSON string token with some characters escaped (\uXXXX, and \/ for '/'), chosen by `seed`. */
function escaped(s: string, seed: number): string {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let out = '"';
  for (const c of s) {
    const r = rnd();
    if (r < 0.15) out += `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else if (r < 0.3 && c === '/') out += '\\/';
    else out += JSON.stringify(c).slice(1, -1);
  }
  return out + '"';
}

test('the raw pre-checks never say "nothing" of a text that holds /geodata/ strings or string TopazIDs', () => {
  for (let seed = 1; seed < 400; seed++) {
    const value = escaped('/geodata/weppcloud_runs/r1/dem', seed);
    const key = escaped('TopazID', seed);
    const texts = [
      `{"a": ${value}}`,
      `[1, {"b": [${value}]}]`,
      `{"type": "FeatureCollection", "features": [{"properties": {${key} :\n ${escaped('12', seed)}}}]}`,
    ];
    for (const text of texts) {
      const doc = JSON.parse(text) as unknown;
      if (strings(doc).some((s) => s.startsWith('/geodata/'))) expect(mayHoldGeodataPath(text)).toBe(true);
      if (text.includes('features')) expect(mayHoldStringTopazId(text)).toBe(true);
    }
  }
  // and they do say "nothing" of the common texts without them (the fast path is taken)
  expect(mayHoldGeodataPath(JSON.stringify({ wd: '.', dem_fn: 'dem/dem.tif', k: 'data/geodata/x' }))).toBe(
    false,
  );
  expect(mayHoldStringTopazId(JSON.stringify({ features: [{ properties: { TopazID: 22 } }] }))).toBe(false);
});

test('sync and async run readers read the same, and both know files under a missing top-level name are missing', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-runfiles-'));
  try {
    const big = `{"pad": "${'€'.repeat(30000)}", "tail": "/geodata/x"}`; // > 64 KiB, a character across the boundary
    await fs.writeFile(path.join(dir, 'big.nodb'), big);
    await fs.writeFile(path.join(dir, 'small.nodb'), '{}');
    await fs.writeFile(path.join(dir, 'landuse'), 'a file, not a folder');
    await fs.symlink('nowhere', path.join(dir, 'dangling'));
    for (const files of [asyncRunFiles(dir), syncRunFiles(dir)]) {
      expect(await files.readText('big.nodb')).toBe(big);
      expect(await files.readText('small.nodb')).toBe('{}');
      expect((await files.list('')).map((e) => e.name).sort()).toEqual([
        'big.nodb',
        'dangling',
        'landuse',
        'small.nodb',
      ]);
      expect(await files.exists('dangling')).toBe(true);
      expect(await files.exists('landuse/landuse.parquet')).toBe(false); // ENOTDIR
      expect(await files.exists('dem/wbt')).toBe(false);
      await expect(files.readText('dem/wbt/a.geojson')).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(files.list('dem/wbt')).rejects.toMatchObject({ code: 'ENOENT' });
      const { size, tail } = await files.readTail('big.nodb', 16);
      expect(size).toBe(Buffer.byteLength(big));
      expect(Buffer.from(tail).toString()).toBe(Buffer.from(big).subarray(-16).toString());
      expect(Buffer.from(await files.readRange('big.nodb', 0, 8)).toString()).toBe(big.slice(0, 8));
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('the fleet scan finds traits behind escapes, in big files and wide Parquet footers, the same in workers and in this thread', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-scan-fast-'));
  const clean = {
    hillslopes: 3,
    without: ['paths', 'geojson', 'landuse'] as Array<'paths' | 'geojson' | 'landuse'>,
  };
  const cases: Record<string, [(dir: string) => Promise<void>, string[]]> = {
    'escaped-slash': [
      (d) => fs.writeFile(path.join(d, 'x.nodb'), '{"a": "\\/geodata\\/weppcloud_runs\\/r\\/dem"}'),
      ['legacy-run-paths'],
    ],
    'escaped-u': [
      (d) => fs.writeFile(path.join(d, 'x.nodb'), '{"a": "/\\u0067eodata/wc1/runs/ab/r"}'),
      ['legacy-run-paths'],
    ],
    'key-only': [(d) => fs.writeFile(path.join(d, 'x.nodb'), '{"/geodata/weppcloud_runs/r/x": 1}'), []],
    'big-nodb': [
      (d) =>
        fs.writeFile(
          path.join(d, 'big.nodb'),
          JSON.stringify({ pad: 'x'.repeat(100000), w: '/geodata/weppcloud_runs/r' }),
        ),
      ['legacy-run-paths'],
    ],
    'escaped-topaz-key': [
      (d) =>
        fs.writeFile(
          path.join(d, 'dem', 'wbt', 'a.geojson'),
          '{"type": "FeatureCollection", "features": [{"properties": {"\\u0054opazID": "12"}}]}',
        ),
      ['wbt-geojson-ids'],
    ],
    'spaced-topaz': [
      (d) =>
        fs.writeFile(
          path.join(d, 'dem', 'wbt', 'a.geojson'),
          '{"type": "FeatureCollection", "features": [{"properties": {"TopazID"\n\t: \r\n"12"}}]}',
        ),
      ['wbt-geojson-ids'],
    ],
    'landuse-a-file': [
      async (d) => {
        await fs.rm(path.join(d, 'landuse'), { recursive: true });
        await fs.writeFile(path.join(d, 'landuse'), 'x');
      },
      [],
    ],
    'landuse-dangling': [
      async (d) => {
        await fs.rm(path.join(d, 'landuse', 'landuse.parquet'));
        await fs.symlink('nowhere', path.join(d, 'landuse', 'landuse.parquet'));
      },
      [],
    ],
    'wide-footer': [
      async (d) => {
        const columnData = Array.from({ length: 1500 }, (_, i) => ({
          name: `a_column_with_a_rather_long_name_${i}`,
          data: [1, 2],
          type: 'INT32' as const,
        }));
        columnData.push({ name: 'TopazID', data: [1, 2], type: 'INT32' });
        const buf = new Uint8Array(parquetWriteBuffer({ columnData }));
        expect(Buffer.from(buf).readUInt32LE(buf.length - 8)).toBeGreaterThan(64 * 1024);
        await fs.writeFile(path.join(d, 'landuse', 'landuse.parquet'), buf);
      },
      ['landuse-parquet-ids'],
    ],
  };
  try {
    for (const [name, [make]] of Object.entries(cases)) {
      const dir = path.join(root, name);
      await fs.mkdir(dir);
      await writeLegacyRun(dir, name, clean);
      await make(dir);
    }
    for (const name of Object.keys(cases)) {
      const dir = path.join(root, name);
      const viaSync = await inspectRun({ dir, runid: name, files: syncRunFiles(dir) }, TRAITS, 1000);
      expect(viaSync).toEqual(await inspectRun({ dir, runid: name }, TRAITS, 1000));
    }
    const inWorkers = await scanRuns(root, { currentVersion: 1000, threads: 2 });
    expect(await scanRuns(root, { currentVersion: 1000, threads: 0 })).toEqual(inWorkers);
    expect(Object.fromEntries(inWorkers.map((r) => [r.runid, r.traits]))).toEqual(
      Object.fromEntries(Object.entries(cases).map(([name, [, traits]]) => [name, traits])),
    );
    expect(inWorkers.filter((r) => r.error)).toEqual([]);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
