import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BackupRegionConfig, Config } from '../config';
import type { PrismaClient } from '../db';
import { NotFoundError } from '../errors';
import { runRestic, ResticNoRepoError, type ResticRepo } from './restic';

/**
 * The repository password: BACKUP_PASSWORD, or one generated on first use into
 * DATA_DIR/secrets/backup.key (mode 0600). Never logged; losing it loses the backups.
 */
export function resolveBackupPassword(config: Pick<Config, 'dataDir' | 'backup'>): string {
  if (config.backup.password) return config.backup.password;
  const file = path.join(config.dataDir, 'secrets', 'backup.key');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fresh = randomBytes(32).toString('base64url');
  try {
    // 'wx': another process that won the race keeps its password
    fs.writeFileSync(file, fresh + '\n', { mode: 0o600, flag: 'wx' });
    return fresh;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return fs.readFileSync(file, 'utf8').trim();
  }
}

export function regionConfig(config: Pick<Config, 'backup'>, region: string): BackupRegionConfig {
  const r = config.backup.regions.find((x) => x.region === region);
  if (!r)
    throw new NotFoundError(
      'BACKUP_REGION_UNKNOWN',
      `Backup region ${region} is not configured (BACKUP_REGIONS)`,
    );
  return r;
}

/** How restic opens a region's repository. */
export function resticRepoFor(config: Pick<Config, 'dataDir' | 'backup' | 's3'>, region: string): ResticRepo {
  const r = regionConfig(config, region);
  return {
    location: r.location,
    password: resolveBackupPassword(config),
    ...(r.location.startsWith('s3:')
      ? {
          accessKeyId: config.s3.accessKeyId,
          secretAccessKey: config.s3.secretAccessKey,
          region: config.s3.region,
        }
      : {}),
    caCert: config.backup.caCert,
  };
}

const initialized = new Set<string>();

/**
 * Creates the repository on first use (`restic init`); a second process racing it is fine. A local
 * repository whose `config` file exists is taken as created without running restic (each restic
 * command pays ~0.6 s of key derivation; the command that follows opens the repository anyway and
 * fails clearly on a wrong password or a damaged config).
 */
export async function ensureResticRepo(repo: ResticRepo, signal?: AbortSignal): Promise<void> {
  if (initialized.has(repo.location)) return;
  if (!repo.location.includes(':') && fs.existsSync(path.join(repo.location, 'config'))) {
    initialized.add(repo.location);
    return;
  }
  try {
    await runRestic(repo, ['cat', 'config'], { signal });
  } catch (err) {
    if (!(err instanceof ResticNoRepoError)) throw err;
    if (!repo.location.startsWith('s3:')) fs.mkdirSync(path.dirname(repo.location), { recursive: true });
    try {
      await runRestic(repo, ['init'], { signal });
    } catch (initErr) {
      // another process created it meanwhile
      await runRestic(repo, ['cat', 'config'], { signal }).catch(() => {
        throw initErr;
      });
    }
  }
  initialized.add(repo.location);
}

/** The `backup_repos` row of a region (created from the settings on first use). */
export async function ensureRepoRow(prisma: PrismaClient, config: Pick<Config, 'backup'>, region: string) {
  const r = regionConfig(config, region);
  return prisma.backupRepo.upsert({
    where: { id: region },
    create: {
      id: region,
      region,
      location: r.location,
      bucket: r.bucket ?? null,
      endpoint: r.endpoint ?? null,
      prefix: r.prefix ?? null,
    },
    update: {},
  });
}

/**
 * The run's sticky repository: the one it already has, else the region of this host, recorded once
 * (a concurrent first backup sees the same choice). Changing it is an explicit admin action.
 */
export async function runRepoId(prisma: PrismaClient, config: Pick<Config, 'backup'>, runid: string) {
  const run = await prisma.run.findUnique({ where: { id: runid }, select: { backupRepoId: true } });
  if (!run) throw new NotFoundError('RUN_NOT_FOUND', `Run ${runid} is not registered`);
  if (run.backupRepoId) return run.backupRepoId;
  const repo = await ensureRepoRow(prisma, config, config.backup.defaultRegion);
  await prisma.run.updateMany({ where: { id: runid, backupRepoId: null }, data: { backupRepoId: repo.id } });
  const after = await prisma.run.findUniqueOrThrow({ where: { id: runid }, select: { backupRepoId: true } });
  return after.backupRepoId!;
}
