/**
 * File-system helpers the benchmark suites share: counting what a tool produced, the file system a
 * target lives on, writing back between timed runs, and the rotated order of interleaved rounds.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Regular files and their bytes under `dir`, without the top-level archives/ (and, with
 *  `skipManifest`, without our top-level manifest entry: a peer that extracted our archive). */
function countTree(dir, { skipManifest = false } = {}) {
  let files = 0;
  let bytes = 0;
  const walk = (d, top) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (top && e.name === 'archives') continue;
      if (top && skipManifest && /^\.arkive-manifest.*\.jsonl$/.test(e.name)) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p, false);
      else if (e.isFile()) {
        files++;
        bytes += fs.statSync(p).size;
      }
    }
  };
  walk(dir, true);
  return { files, bytes };
}

/** The order of round `r`: every tool once, shifted by one per round. */
const rotate = (xs, r) => xs.map((_, i) => xs[(i + r) % xs.length]);

function fsType(dir) {
  const r = spawnSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

/** Untimed: make the target file system write back what the last run left, so the next run does not pay for it. */
const settle = (dir) => spawnSync('sync', ['-f', dir]);

const log = (s) => process.stderr.write(`${s}\n`);

module.exports = { countTree, rotate, fsType, settle, log };
