import type { Program, Runner } from '../program';
import { interruptSignal, printResult, progressReporter } from '../output';

export function registerVerify(program: Program, run: Runner): void {
  program
    .command('verify <archive>')
    .description('check the structure, every CRC and every manifest hash of an archive')
    .action((archive: string) =>
      run(async (g) => {
        const { verifyArchive } = await import('../engine.js');
        const progress = progressReporter(g);
        try {
          const r = await verifyArchive(archive, {
            signal: interruptSignal(),
            onProgress: progress.onProgress,
          });
          progress.stop();
          printResult(g, { ...r, path: archive }, [
            `OK ${archive}: ${r.entries} entries, ${r.manifest ? 'CRCs and manifest SHA-256 checked' : 'CRCs checked (no Arkive manifest)'}`,
          ]);
        } finally {
          progress.stop();
        }
      }),
    );
}
