import { legacyRunPaths, TRAITS, type Trait } from '@arkive/shared/migration';
import fs from 'node:fs';
import path from 'node:path';
import { migrationProcessors } from '../processors';

/**
 * A trait that runs after legacy-run-paths has rewritten the run and kills the worker process
 * (SIGKILL) the first time: a worker dying in the middle of a migration. MIGRATION_KILL_MARKER
 * names the file that records that it already did.
 */
export const killerTrait: Trait = {
  id: 'kills-the-worker',
  description: 'SIGKILLs its process once, mid-migration',
  dependsOn: [legacyRunPaths.id],
  detect: async () => ({ detected: true, details: {}, blockers: [] }),
  async migrate(run) {
    fs.writeFileSync(path.join(run.dir, 'half-done.txt'), 'written by the killed migration\n');
    const marker = process.env.MIGRATION_KILL_MARKER;
    if (marker && !fs.existsSync(marker)) {
      fs.writeFileSync(marker, String(process.pid));
      process.kill(process.pid, 'SIGKILL');
    }
    fs.rmSync(path.join(run.dir, 'half-done.txt'));
    return { filesChanged: [], summary: 'survived' };
  },
  validate: async (run) => ({ ok: !fs.existsSync(path.join(run.dir, 'half-done.txt')), problems: [] }),
};

export const killTraits = [...TRAITS, killerTrait];
export const contractProcessors = () => migrationProcessors(killTraits);
