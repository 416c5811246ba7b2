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
 * The fleet-wide record of the import: the run's row in the `migrations` table (shared with the
 * migration service, one row per run), upserted by runid inside the registering transaction.
 * Migration fields (traits, archives, fixture flag) are left as they are on an existing row.
 */
export async function recordProvenance(
  tx: Pick<PrismaClient, 'runMigration'>,
  record: ProvenanceRecord,
): Promise<void> {
  const fields = {
    localPath: record.localPath,
    sourceHost: record.source_host,
    originalUrl: record.original_url,
    pulledAt: new Date(record.pulled_at),
    ownerEmail: record.owner_email,
    versionAtPull: record.version_at_pull,
    lastStatus: record.lastStatus,
    lastOperationId: record.operation_id ?? null,
    lastMessage: `Imported from ${record.source_host}`,
  };
  await tx.runMigration.upsert({
    where: { runid: record.runid },
    create: { runid: record.runid, ...fields },
    update: fields,
  });
}
