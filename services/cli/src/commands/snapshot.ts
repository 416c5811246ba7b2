import type { Program, Runner } from '../program';
import { humanBytes, interruptSignal, printResult, progressReporter } from '../output';

export function registerSnapshot(program: Program, run: Runner): void {
  program
    .command('snapshot <runDir>')
    .description('archive a run directory (everything except its top-level archives/) into a ZIP')
    .option('--label <label>', 'label stored in the manifest and used in the file name')
    .option('--out <dir>', 'output folder (default: <runDir>/archives)')
    .action((runDir: string, cmd: { label?: string; out?: string }) =>
      run(async (g) => {
        const { createSnapshot } = await import('../engine.js');
        const progress = progressReporter(g);
        try {
          const r = await createSnapshot({
            runDir,
            label: cmd.label,
            outDir: cmd.out,
            signal: interruptSignal(),
            onProgress: progress.onProgress,
          });
          progress.stop();
          const lines = [
            `Created ${r.path}`,
            `  ${humanBytes(r.size)}, ${r.fileCount} files (${humanBytes(r.totalBytes)}), sha256 ${r.sha256}`,
          ];
          for (const l of r.skippedLinks) lines.push(`  skipped symlink pointing outside the run: ${l}`);
          if (r.skippedLinkCount > r.skippedLinks.length)
            lines.push(`  ... and ${r.skippedLinkCount - r.skippedLinks.length} more skipped symlinks`);
          printResult(g, { ok: true, ...r }, lines);
        } finally {
          progress.stop();
        }
      }),
    );
}
