import fs from 'node:fs/promises';
import path from 'node:path';
import { topLevelNodbFiles, topLevelNodbFilesFrom, writeFileAtomic } from '../files';
import { asyncRunFiles, type RunFiles } from '../run-files';
import { detectFiles, type Trait } from './types';

/** `/geodata/weppcloud_runs/<runid>` or `/geodata/wc1/runs/<two chars>/<runid>`, then `/` or the end. */
const LEGACY_RUN_PATH = /^\/geodata\/(?:weppcloud_runs\/[^/]+|wc1\/runs\/[^/]{2}\/[^/]+)(?:\/|$)/;
const STRING_TOKEN = /"(?:[^"\\]|\\.)*"/g;

/** The run-relative form of a legacy absolute run path, or null when `value` is not one. */
export function relativeRunPath(value: string): string | null {
  const m = LEGACY_RUN_PATH.exec(value);
  if (!m) return null;
  const rest = value.slice(m[0].length).replace(/^\/+/, '');
  return rest === '' ? '.' : rest;
}

/**
 * Whether a JSON text may hold a string that starts with `/geodata/`. Each character of a JSON
 * string is written as itself or escaped (`\/` for '/', `\uXXXX` for any), so a text with none
 * of `"/geodata/`, `\/` and `\u` has no such string: detection can skip parsing it. Never a
 * false negative; a false positive only costs the full parse.
 */
export function mayHoldGeodataPath(text: string): boolean {
  return text.includes('"/geodata/') || text.includes('\\/') || text.includes('\\u');
}

/**
 * Each string *value* token of a JSON text (keys skipped) that may start with /geodata/ (a token
 * without a backslash is its value as written), with its offsets: the rewrite replaces only those
 * tokens, so numbers (`1.0` stays `1.0` for Python), spacing and key order are kept.
 */
function* stringValues(text: string): Generator<{ start: number; end: number; value: string }> {
  for (const m of text.matchAll(STRING_TOKEN)) {
    if (!m[0].startsWith('"/geodata/') && !m[0].includes('\\')) continue;
    const end = (m.index ?? 0) + m[0].length;
    let i = end;
    while (i < text.length && /\s/.test(text[i])) i++;
    if (text[i] === ':') continue;
    yield { start: m.index ?? 0, end, value: JSON.parse(m[0]) as string };
  }
}

interface DocScan {
  file: string;
  rewritable: number;
  /** /geodata/ values that are not a run path (validation would fail on them) */
  other: string[];
  invalid?: string;
}

/** One document's /geodata/ values; `quick` (detection) skips a text that cannot hold one unparsed. */
async function scanDoc(files: RunFiles, file: string, quick: boolean): Promise<DocScan> {
  const text = await files.readText(file);
  if (quick && !mayHoldGeodataPath(text)) return { file, rewritable: 0, other: [] };
  try {
    JSON.parse(text);
  } catch (err) {
    return { file, rewritable: 0, other: [], invalid: (err as Error).message };
  }
  let rewritable = 0;
  const other: string[] = [];
  for (const s of stringValues(text)) {
    if (!s.value.startsWith('/geodata/')) continue;
    if (relativeRunPath(s.value) !== null) rewritable++;
    else other.push(s.value);
  }
  return { file, rewritable, other };
}

async function scanRun(files: RunFiles, quick: boolean): Promise<DocScan[]> {
  return Promise.all((await topLevelNodbFilesFrom(files)).map((f) => scanDoc(files, f, quick)));
}

export const legacyRunPaths: Trait = {
  id: 'legacy-run-paths',
  description:
    'Absolute legacy run paths (/geodata/weppcloud_runs/<runid>/…, /geodata/wc1/runs/<xx>/<runid>/…) in .nodb documents become run-relative',
  dependsOn: [],
  async detect(run) {
    const docs = (await scanRun(detectFiles(run), true)).filter(
      (d) => d.rewritable > 0 || d.other.length > 0,
    );
    return {
      detected: docs.length > 0,
      details: {
        files: docs.map((d) => d.file),
        values: docs.reduce((n, d) => n + d.rewritable, 0),
      },
      blockers: docs.flatMap((d) => d.other.slice(0, 5).map((v) => `${d.file}: ${v} is not a run path`)),
    };
  },
  async migrate(run, log) {
    const filesChanged: string[] = [];
    let values = 0;
    for (const file of await topLevelNodbFiles(run.dir)) {
      const full = path.join(run.dir, file);
      const text = await fs.readFile(full, 'utf8');
      try {
        JSON.parse(text);
      } catch {
        continue; // not a JSON document: nothing of ours to rewrite (validate reports it)
      }
      let out = '';
      let at = 0;
      let n = 0;
      for (const s of stringValues(text)) {
        const rel = relativeRunPath(s.value);
        if (rel === null) continue;
        out += text.slice(at, s.start) + JSON.stringify(rel);
        at = s.end;
        n++;
      }
      if (n === 0) continue;
      out += text.slice(at);
      await writeFileAtomic(full, out);
      filesChanged.push(file);
      values += n;
      await log(`legacy-run-paths: ${file}: ${n} path(s) made run-relative`);
    }
    return {
      filesChanged,
      summary: `${values} path(s) in ${filesChanged.length} .nodb file(s) made run-relative`,
    };
  },
  async validate(run) {
    const problems: string[] = [];
    for (const d of await scanRun(asyncRunFiles(run.dir), false)) {
      if (d.invalid) problems.push(`${d.file} is not a JSON document: ${d.invalid}`);
      const bad = d.rewritable + d.other.length;
      if (bad) problems.push(`${d.file}: ${bad} string value(s) still start with /geodata/`);
    }
    return { ok: problems.length === 0, problems };
  },
};
