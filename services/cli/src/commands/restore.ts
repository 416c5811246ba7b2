import type { Program, Runner } from '../program';
import { restoreArchive } from '../engine';
import { interruptSignal, printResult, progressReporter } from '../output';

export function registerRestore(program: Program, run: Runner): void {
  program
    .command('restore <runDir> <archive>')
    .description('replace the run content (except archives/) with the archive, after checking it')
    .option('--no-pre-restore-snapshot', 'do not save the current content to archives/ first')
    .action((runDir: string, archive: string, cmd: { preRestoreSnapshot: boolean }) =>
      run(async (g) => {
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
