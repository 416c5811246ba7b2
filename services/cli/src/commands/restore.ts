import type { Program, Runner } from '../program';
import { ConflictError, findLockFiles } from '../engine-light';
import { interruptSignal, printResult, progressReporter } from '../output';

export function registerRestore(program: Program, run: Runner): void {
  program
    .command('restore <runDir> <archive>')
    .description('replace the run content (except archives/) with the archive, after checking it')
    .option('--no-pre-restore-snapshot', 'do not save the current content to archives/ first')
    .option('--ignore-locks', 'restore even while *.nodb.lock files exist in the run')
    .option('--allow-empty', 'restore even an archive that holds no files (the run is left without files)')
    .action(
      (
        runDir: string,
        archive: string,
        cmd: { preRestoreSnapshot: boolean; ignoreLocks?: boolean; allowEmpty?: boolean },
      ) =>
        run(async (g) => {
          // A run is locked while any *.nodb.lock file exists in it: destructive work refuses it,
          // now and again right before the swap (a lock taken meanwhile refuses the restore).
          const assertUnlocked = async (dir: string) => {
            const locks = cmd.ignoreLocks ? [] : await findLockFiles(dir);
            if (locks.length)
              throw new ConflictError(
                'RUN_LOCKED',
                `Run is locked (${locks.slice(0, 3).join(', ')}${locks.length > 3 ? ', ...' : ''}); retry when it is free or pass --ignore-locks`,
              );
          };
          await assertUnlocked(runDir);
          const { restoreArchive } = await import('../engine.js');
          const progress = progressReporter(g);
          try {
            const r = await restoreArchive({
              runDir,
              archivePath: archive,
              preRestoreSnapshot: cmd.preRestoreSnapshot !== false,
              allowEmpty: cmd.allowEmpty === true,
              assertUnlocked,
              signal: interruptSignal(),
              onProgress: progress.onProgress,
            });
            progress.stop();
            const lines = [
              `Restored ${r.filesRestored} files into ${runDir} (${r.manifest ? 'manifest hashes' : 'CRCs'} verified)`,
            ];
            if (r.preRestoreArchive)
              lines.push(`  previous content saved as archives/${r.preRestoreArchive.name}`);
            printResult(g, { ok: true, ...r }, lines);
          } finally {
            progress.stop();
          }
        }),
    );
}
