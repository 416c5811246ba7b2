import path from 'node:path';
import { writeFileAtomic } from '../files';
import { asyncRunFiles, type RunFiles } from '../run-files';
import { detectFiles, TraitError, type Trait, type TraitRun } from './types';

const WBT_DIR = path.join('dem', 'wbt');

interface Feature {
  properties?: Record<string, unknown> | null;
}
interface Collection {
  type?: unknown;
  features?: Feature[];
}

async function geojsonFiles(files: RunFiles): Promise<string[]> {
  // (no dem/ at the top level: no dem/wbt either, known from the listing without a failed readdir)
  const entries = (await files.hasTop('dem').catch(() => true))
    ? await files.list(WBT_DIR).catch(() => [])
    : [];
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.geojson'))
    .map((e) => path.posix.join('dem', 'wbt', e.name))
    .sort();
}

/**
 * Whether a GeoJSON text may hold a TopazID that is a string: the key written as itself then a
 * colon and a string, or a `\u` escape anywhere (a key can be spelled with them). Without either,
 * no TopazID is a string and detection can skip parsing the file. Never a false negative.
 */
export function mayHoldStringTopazId(text: string): boolean {
  return text.includes('\\u') || /"TopazID"\s*:\s*"/.test(text);
}

async function readCollection(
  files: RunFiles,
  rel: string,
  quick = false,
): Promise<{ doc: Collection; text: string } | null> {
  const text = await files.readText(rel);
  if (quick && !mayHoldStringTopazId(text)) return null;
  let doc: Collection;
  try {
    doc = JSON.parse(text) as Collection;
  } catch {
    return null;
  }
  if (doc?.type !== 'FeatureCollection' || !Array.isArray(doc.features)) return null;
  return { doc, text };
}

const DIGITS = /^\d+$/;
const idOf = (f: Feature): unknown => (f?.properties ? f.properties.TopazID : undefined);

/** The integer of a digit string, or null when it is not one (or too large to be exact). */
function digitsToInt(v: string): number | null {
  if (!DIGITS.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}

export const wbtGeojsonIds: Trait = {
  id: 'wbt-geojson-ids',
  description: 'WhiteboxTools GeoJSON (dem/wbt/*.geojson) with TopazID strings get integer TopazIDs',
  dependsOn: [],
  async detect(run) {
    const files: string[] = [];
    const blockers: string[] = [];
    let features = 0;
    const reader = detectFiles(run);
    for (const rel of await geojsonFiles(reader)) {
      const c = await readCollection(reader, rel, true);
      if (!c) continue;
      let here = 0;
      c.doc.features!.forEach((f, i) => {
        const id = idOf(f);
        if (typeof id !== 'string') return;
        here++;
        if (digitsToInt(id) === null)
          blockers.push(`${rel} feature ${i}: TopazID ${JSON.stringify(id)} is not a string of digits`);
      });
      if (here) files.push(rel);
      features += here;
    }
    return { detected: files.length > 0, details: { files, features }, blockers };
  },
  async migrate(run, log) {
    const before = await wbtTopazIdSet(run);
    const filesChanged: string[] = [];
    let total = 0;
    const files = asyncRunFiles(run.dir);
    for (const rel of await geojsonFiles(files)) {
      const c = await readCollection(files, rel);
      if (!c) continue;
      let n = 0;
      c.doc.features!.forEach((f, i) => {
        const id = idOf(f);
        if (typeof id !== 'string') return;
        const int = digitsToInt(id);
        if (int === null)
          throw new TraitError(
            'wbt-geojson-ids',
            `${rel} feature ${i}: TopazID ${JSON.stringify(id)} is not a string of digits`,
          );
        f.properties!.TopazID = int;
        n++;
      });
      if (n === 0) continue;
      const indent = /^\{\s*\n(\s+)"/.exec(c.text)?.[1];
      await writeFileAtomic(
        path.join(run.dir, rel),
        JSON.stringify(c.doc, null, indent) + (c.text.endsWith('\n') ? '\n' : ''),
      );
      filesChanged.push(rel);
      total += n;
      await log(`wbt-geojson-ids: ${rel}: ${n} TopazID(s) made integers`);
    }
    if (JSON.stringify(await wbtTopazIdSet(run)) !== JSON.stringify(before))
      throw new TraitError(
        'wbt-geojson-ids',
        'The set of TopazIDs changed while rewriting the GeoJSON files',
      );
    return {
      filesChanged,
      summary: `${total} TopazID(s) in ${filesChanged.length} GeoJSON file(s) made integers`,
    };
  },
  async validate(run) {
    const problems: string[] = [];
    const files = asyncRunFiles(run.dir);
    for (const rel of await geojsonFiles(files)) {
      const c = await readCollection(files, rel);
      if (!c) continue;
      c.doc.features!.forEach((f, i) => {
        const id = idOf(f);
        if (id !== undefined && !Number.isSafeInteger(id))
          problems.push(`${rel} feature ${i}: TopazID ${JSON.stringify(id)} is not an integer`);
      });
    }
    return { ok: problems.length === 0, problems: problems.slice(0, 50) };
  },
};

/** The TopazIDs of every dem/wbt GeoJSON, as numbers (strings of digits converted): the set a migration keeps. */
export async function wbtTopazIdSet(run: TraitRun): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  const files = asyncRunFiles(run.dir);
  for (const rel of await geojsonFiles(files)) {
    const c = await readCollection(files, rel);
    if (!c) continue;
    out[rel] = c.doc
      .features!.map(idOf)
      .map((id) => (typeof id === 'string' ? (digitsToInt(id) ?? NaN) : Number(id)))
      .sort((a, b) => a - b);
  }
  return out;
}
