import type { Options, SingleBar } from 'cli-progress';

/**
 * A cli-progress bar on stderr, the module loaded only when a bar is shown (~10 ms of every
 * command's start-up otherwise, a percent of an unchanged re-backup: see the backup benchmark).
 */
export function stderrBar(format: string, opts: Partial<Options> = {}): SingleBar {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SingleBar: Bar } = require('cli-progress') as typeof import('cli-progress');
  return new Bar({ stream: process.stderr, format, hideCursor: true, clearOnComplete: true, ...opts });
}
