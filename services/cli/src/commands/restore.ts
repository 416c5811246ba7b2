import type { Program, Runner } from '../program';
import { ConflictError, findLockFiles, restoreArchive } from '../engine';
import { interruptSignal, printResult, progressReporter } from '../output';

export function registerRestore(program: Program, run: Runner): void {
  program
    .command('restore <runDir> <archive>')
    .description('replace the run content (except archives/) with the archive, after checking it')
    .option('--no-pre-restore-snapshot', 'do not save the current content to archives/ first')
    .option('--ignore-locks', 'restore even while *.nodb.lock files exist in the run')
    .action((runDir: string, archive: string, cmd: { preRestoreSnapshot: boolean; ignoreLocks?: boolean }) =>
      run(async (g) => {
        // A run is locked while any *.nodb.lock file exists in it: destructive work refuses it.
        const locks = cmd.ignoreLocks ? [] : await findLockFiles(runDir);
        if (locks.length) {
          throw new ConflictError(
            'RUN_LOCKED',
            `Run is locked (${locks.slice(0, 3).join(', ')}${locks.length > 3 ? ', ...' : ''}); retry when it is free or pass --ignore-locks`,
          );
        }
        const progress = progressReporter(g);
        try {
          const r = await restoreArchive({
            runDir,
            archivePath: archive,
            preRestoreSnapshot: cmd.preRestoreSnapshot !== false,
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
