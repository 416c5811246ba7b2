#!/usr/bin/env node
import { Command } from 'commander';
import { registerList } from './commands/list';
import { registerMigrations } from './commands/migrations';
import { registerRestore } from './commands/restore';
import { registerSnapshot } from './commands/snapshot';
import { registerSync } from './commands/sync';
import { registerVerify } from './commands/verify';
import { registerBackup } from './commands/backup';
import { reportFailure, type GlobalOptions } from './output';

const program = new Command();
program
  .name('arkive')
  .description('Snapshot, verify, list and restore run directories (works locally, no services needed)')
  .option('--json', 'machine-readable output on stdout')
  .option('--debug', 'print stack traces on failure');

let exitCode = 0;
const run = async (fn: (g: GlobalOptions) => Promise<void>): Promise<void> => {
  const g = program.opts() as GlobalOptions;
  try {
    await fn(g);
  } catch (err) {
    exitCode = reportFailure(g, err);
  }
};

registerSnapshot(program, run);
registerRestore(program, run);
registerVerify(program, run);
registerList(program, run);
registerMigrations(program, run);
registerSync(program, run);
registerBackup(program, run);

program.on('command:*', (operands: string[]) => {
  process.stderr.write(`arkive: unknown command ${JSON.stringify(operands[0])} (see arkive --help)\n`);
  process.exit(2);
});

program
  .parseAsync(process.argv)
  .then(() => {
    if (process.argv.length <= 2) program.help();
    process.exit(exitCode);
  })
  .catch((err: unknown) => process.exit(reportFailure(program.opts() as GlobalOptions, err)));
