import path from 'node:path';
import { ARCHIVES_DIR, restoreArchive } from '@arkive/shared';

/**
 * Puts the run back to its pre-migration snapshot: the snapshot engine's staged, verified, atomic
 * restore (everything except archives/ replaced, nodb.version included). Not cancellable: a
 * rollback always runs to its end.
 */
export async function restorePreMigration(
  runDir: string,
  archiveName: string,
  hostId: string,
): Promise<number> {
  const r = await restoreArchive({
    runDir,
    archivePath: path.join(runDir, ARCHIVES_DIR, archiveName),
    preRestoreSnapshot: false,
    allowEmpty: true,
    hostId,
  });
  return r.filesRestored;
}
