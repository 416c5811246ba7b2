import type { Program, Runner } from '../program';
import { humanBytes, printResult } from '../output';

export function registerList(program: Program, run: Runner): void {
  program
    .command('list <runDir>')
    .description("list the run's archives (snapshots and pre-restore snapshots)")
    .action((runDir: string) =>
      run(async (g) => {
        const { listArchives } = await import('../engine.js');
        const items = await listArchives(runDir);
        const lines = items.length
          ? items.map(
              (a) =>
                `${a.createdAt}  ${a.kind.padEnd(11)}  ${humanBytes(a.size).padStart(9)}  ${String(a.fileCount ?? '-').padStart(7)} files  ${a.name}${a.label ? `  "${a.label}"` : ''}`,
            )
          : ['No archives.'];
        printResult(g, items, lines);
      }),
    );
}
