/**
 * Runs one Arkive operation for the benchmark (spawned under /usr/bin/time by snapshot.js).
 * Uses the compiled engine (shared/dist/archive) when it is up to date, else the sources via tsx.
 */
const path = require('node:path');

const engine = require(process.env.ARKIVE_ENGINE || path.resolve(__dirname, '../../shared/dist/archive'));

async function main() {
  const [op, a, b, c] = process.argv.slice(2);
  const t0 = process.hrtime.bigint();
  if (op === 'snapshot')
    await engine.createSnapshot({
      runDir: a,
      outDir: b,
      name: c,
      level: process.env.ARKIVE_LEVEL ? Number(process.env.ARKIVE_LEVEL) : undefined,
    });
  else if (op === 'restore')
    await engine.restoreArchive({ runDir: a, archivePath: b, preRestoreSnapshot: false });
  else throw new Error(`unknown op ${op}`);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
