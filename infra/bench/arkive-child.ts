/** Runs one Arkive operation for the benchmark (spawned under /usr/bin/time by snapshot.js). */
import { createSnapshot, restoreArchive } from '../../shared/src/archive';

async function main(): Promise<void> {
  const [op, a, b, c] = process.argv.slice(2);
  const t0 = process.hrtime.bigint();
  if (op === 'snapshot') await createSnapshot({ runDir: a, outDir: b, name: c, level: Number(process.env.ARKIVE_LEVEL ?? 1) });
  else if (op === 'restore') await restoreArchive({ runDir: a, archivePath: b, preRestoreSnapshot: false });
  else throw new Error(`unknown op ${op}`);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
