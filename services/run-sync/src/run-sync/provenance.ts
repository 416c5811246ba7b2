import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PROVENANCE_FILE, type Provenance } from '@arkive/shared/contracts';
import type { PrismaClient } from '@arkive/shared';

/** Writes `<runDir>/.provenance.json` atomically (temp name, fsync, rename). */
export async function writeProvenance(runDir: string, p: Provenance): Promise<void> {
  const tmp = path.join(runDir, `.${PROVENANCE_FILE}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await fs.open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(`${JSON.stringify(p, null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, path.join(runDir, PROVENANCE_FILE));
}

export interface ProvenanceRecord extends Provenance {
  localPath: string;
  lastStatus: 'synced';
}

/**
 * >>> WIRING POINT for the `migrations` table (issue 16, branch h/migration). <<<
 * The one place an import records its provenance row: when the migrations table lands, upsert
 * here (by runid) local_path, source_host, original_url, pulled_at, owner_email, version_at_pull
 * and last_status = 'synced'. Until then the run_syncs row and .provenance.json carry it, so this
 * deliberately writes nothing; it runs inside the registering transaction (`tx`).
 */
export async function recordProvenance(
  _tx: Pick<PrismaClient, 'run'>,
  _record: ProvenanceRecord,
): Promise<void> {
  // Intentionally empty until the migrations table exists (see above).
}
