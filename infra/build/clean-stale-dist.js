#!/usr/bin/env node
'use strict';
/**
 * Removes compiled files whose source is gone (`dist/worker.js` after `src/worker.ts` became
 * `src/worker/`): tsc never deletes them, and a stale `dist/x.js` shadows a new `dist/x/index.js`.
 * Usage (a package's build script): node ../../infra/build/clean-stale-dist.js [distDir] [srcDir]
 */
const fs = require('node:fs');
const path = require('node:path');

const dist = path.resolve(process.argv[2] ?? 'dist');
const src = path.resolve(process.argv[3] ?? 'src');
const OUTPUT = /(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js)$/;

function walk(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      walk(p);
      if (fs.readdirSync(p).length === 0) fs.rmdirSync(p);
      continue;
    }
    if (!OUTPUT.test(e.name)) continue;
    const base = path.join(src, path.relative(dist, p)).replace(OUTPUT, '');
    const exists = ['.ts', '.tsx', '.js', '.json'].some((ext) => fs.existsSync(base + ext));
    if (!exists) fs.rmSync(p, { force: true });
  }
}
walk(dist);
