#!/usr/bin/env node
/**
 * Benchmark dispatcher: `npm run bench -- <suite> [options]`.
 * Each suite is infra/bench/<suite>.js exporting `main(args: string[]): Promise<void>`.
 */
const path = require('node:path');
const fs = require('node:fs');

const SUITES = {
  snapshot: 'snapshot.js',
  latency: 'latency.js',
  discovery: 'discovery.js',
  'folder-pipeline': 'folder-pipeline.js',
  'migration-scan': 'migration-scan.js',
  backup: 'backup.js',
  gallery: 'gallery.js',
};

async function main() {
  const [suite, ...args] = process.argv.slice(2);
  const file = suite && (SUITES[suite] ?? `${suite}.js`);
  if (!file || !fs.existsSync(path.join(__dirname, file))) {
    const known = fs
      .readdirSync(__dirname)
      .filter((f) => f.endsWith('.js') && !['run.js'].includes(f) && !f.includes('-'));
    console.error(
      `usage: npm run bench -- <suite> [options]\nsuites: ${known.map((f) => f.replace(/\.js$/, '')).join(', ')}`,
    );
    process.exit(2);
  }
  await require(path.join(__dirname, file)).main(args);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
