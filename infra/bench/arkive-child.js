/**
 * Runs one Arkive operation for the benchmark (spawned under /usr/bin/time by snapshot.js) and
 * prints what it did as JSON: time spent loading the engine and running, files, and for a restore
 * whether the manifest's SHA-256 was checked (restoreArchive checks CRC-32 and SHA-256 per file).
 */
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const t0 = process.hrtime.bigint();
const engine = require(process.env.ARKIVE_ENGINE || path.resolve(__dirname, '../../shared/dist/archive'));
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;

async function main() {
  const [op, a, b, c] = process.argv.slice(2);
  const t1 = process.hrtime.bigint();
  // Phases from the engine's progress stages: when each stage was first and last reported, in ms
  // since the process started (performance.now()), plus the engine's loading and the exit.
  const phases = { engineLoaded: performance.now() };
  const onProgress = (p) => {
    phases[`${p.stage}First`] ??= performance.now();
    phases[`${p.stage}Last`] = performance.now();
  };
  let out;
  if (op === 'snapshot') {
    const r = await engine.createSnapshot({
      runDir: a,
      outDir: b,
      name: c,
      level: process.env.ARKIVE_LEVEL ? Number(process.env.ARKIVE_LEVEL) : undefined,
      onProgress,
    });
    out = { files: r.fileCount, entries: r.entryCount, bytes: r.size };
  } else if (op === 'restore') {
    const r = await engine.restoreArchive({
      runDir: a,
      archivePath: b,
      preRestoreSnapshot: false,
      onProgress,
    });
    out = { files: r.filesRestored, entries: r.entries, manifestChecked: r.manifest };
  } else throw new Error(`unknown op ${op}`);
  const ms = Number(process.hrtime.bigint() - t1) / 1e6;
  phases.returned = performance.now();
  const sinceStart = process.uptime() * 1000;
  process.stdout.write(
    JSON.stringify({
      ...out,
      phases,
      loadMs,
      ms,
      processMs: sinceStart,
      maxRssKb: process.resourceUsage().maxRSS,
    }) + '\n',
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
