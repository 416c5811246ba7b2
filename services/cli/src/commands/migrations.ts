import path from 'node:path';
import type { Program, Runner } from '../program';

/** `arkive migrations scan`: version and detected traits of every run under a root (worker threads). */
export function registerMigrations(program: Program, run: Runner): void {
  const migrations = program.command('migrations').description('run versions and migration traits');
  migrations
    .command('scan')
    .description(
      'print version and detected traits of every run under the root (a table, or JSON lines with --json)',
    )
    .option('--root <dir>', 'folder holding one run per subfolder', path.join('.arkive', 'runs'))
    .option('--current-version <n>', 'the version a migration stamps (CURRENT_VERSION)', '1000')
    .option(
      '--threads <n>',
      'worker threads (default: one per core, at most 8, none below 50 runs; 0 = in this thread)',
    )
    .action((opts: { root: string; currentVersion: string; threads?: string }) =>
      run(async (g) => {
        // Loaded here, not at start-up: the Parquet readers of the traits take ~90 ms to load, which
        // every other command (snapshot, restore, ...) would pay.
        const { scanRuns } = await import('@arkive/shared/migration');
        const runs = await scanRuns(path.resolve(opts.root), {
          currentVersion: Number(opts.currentVersion),
          ...(opts.threads ? { threads: Number(opts.threads) } : {}),
        });
        if (g.json) {
          for (const r of runs) process.stdout.write(JSON.stringify(r) + '\n');
          return;
        }
        const width = Math.max(5, ...runs.map((r) => r.runid.length));
        process.stdout.write(`${'RUN'.padEnd(width)}  VERSION  NEEDS  TRAITS\n`);
        for (const r of runs)
          process.stdout.write(
            `${r.runid.padEnd(width)}  ${String(r.version).padStart(7)}  ${(r.needsMigration ? 'yes' : 'no').padEnd(5)}  ${r.error ? `error: ${r.error}` : r.traits.join(', ') || '-'}\n`,
          );
        const legacy = runs.filter((r) => r.needsMigration).length;
        process.stdout.write(`${runs.length} runs, ${legacy} need a migration\n`);
      }),
    );
}
