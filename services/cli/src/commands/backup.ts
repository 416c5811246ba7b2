import os from 'node:os';
import path from 'node:path';
import type { Program, Runner } from '../program';
import {
  AppError,
  backupDir,
  ensureResticRepo,
  findLockFiles,
  listSnapshots,
  listTree,
  normalizePaths,
  planRestoreFromStaging,
  planRestoreFromTree,
  resolveBackupPassword,
  resticVersion,
  runTag,
  walkRunAhead,
  type BackupRestorePlan,
  type ResticRepo,
} from '../engine-light';
import { humanBytes, interruptSignal, printResult, progressReporter, type GlobalOptions } from '../output';

interface RepoOptions {
  repo?: string;
}

/**
 * The local repository: --repo, else $ARKIVE_BACKUP_REPO, else ~/.arkive/backups. The password is
 * BACKUP_PASSWORD, else generated once into ~/.arkive/secrets/backup.key (keep it: without it the
 * backups cannot be read).
 */
function localRepo(o: RepoOptions): ResticRepo {
  const home = process.env.ARKIVE_HOME ?? path.join(os.homedir(), '.arkive');
  const location = path.resolve(o.repo ?? process.env.ARKIVE_BACKUP_REPO ?? path.join(home, 'backups'));
  const password = resolveBackupPassword({
    dataDir: home,
    backup: {
      password: process.env.BACKUP_PASSWORD || undefined,
      regions: [],
      defaultRegion: 'local',
      daily: false,
      scrubPeriodDays: 30,
      zipTtlHours: 24,
    },
  });
  return { location, password };
}

/** The run id of a run directory (its folder name): what the backups are tagged with. */
const runIdOf = (runDir: string) => path.basename(path.resolve(runDir));

function bar(g: GlobalOptions, stage: string) {
  const p = progressReporter(g);
  return {
    update: (done: number, total: number) =>
      p.onProgress({
        stage: stage as never,
        bytesDone: done,
        bytesTotal: total,
        filesDone: 0,
        filesTotal: 0,
      }),
    stop: () => p.stop(),
  };
}

export function registerBackup(program: Program, run: Runner): void {
  program
    .command('backup <runDir>')
    .description('back the run up (deduplicated, encrypted, restic) into a local repository')
    .option('--repo <dir>', 'restic repository (default $ARKIVE_BACKUP_REPO or ~/.arkive/backups)')
    .action((runDir: string, cmd: RepoOptions) =>
      run(async (g) => {
        const repo = localRepo(cmd);
        await ensureResticRepo(repo);
        const b = bar(g, 'backing up');
        try {
          const s = await backupDir(repo, path.resolve(runDir), {
            runid: runIdOf(runDir),
            purpose: 'manual',
            signal: interruptSignal(),
            onProgress: (p) => b.update(p.bytesDone, p.bytesTotal),
          });
          b.stop();
          printResult(g, { ok: true, repository: repo.location, ...s }, [
            `Backed up ${s.totalFiles} files (${humanBytes(s.totalBytes)}) as ${s.snapshotId}; ${humanBytes(s.dataAdded)} added to ${repo.location}`,
          ]);
        } finally {
          b.stop();
        }
      }),
    );

  program
    .command('backups <runDir>')
    .description("list the run's backups in the local repository, newest first")
    .option('--repo <dir>', 'restic repository (default $ARKIVE_BACKUP_REPO or ~/.arkive/backups)')
    .action((runDir: string, cmd: RepoOptions) =>
      run(async (g) => {
        const repo = localRepo(cmd);
        await ensureResticRepo(repo);
        const snaps = (await listSnapshots(repo, [runTag(runIdOf(runDir))])).reverse();
        printResult(
          g,
          snaps.map((s) => ({ id: s.id, short_id: s.short_id, time: s.time, tags: s.tags ?? [] })),
          snaps.length
            ? snaps.map((s) => `${s.short_id}  ${s.time}  ${(s.tags ?? []).join(' ')}`)
            : ['No backups'],
        );
      }),
    );

  program
    .command('restore-backup <runDir> <id>')
    .description(
      'restore the run (or --path P, repeatable) from a backup: staging, restic restore --verify, safety snapshot, atomic swap',
    )
    .option('--repo <dir>', 'restic repository (default $ARKIVE_BACKUP_REPO or ~/.arkive/backups)')
    .option(
      '--path <p>',
      'restore only this path of the run (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--dry-run', 'print what the restore would add, replace and remove, and change nothing')
    .option('--no-pre-restore-snapshot', 'do not save the current content to archives/ first')
    .action(
      (
        runDir: string,
        id: string,
        cmd: RepoOptions & { path: string[]; dryRun?: boolean; preRestoreSnapshot: boolean },
      ) =>
        run(async (g) => {
          // the restore needs restic's version (its flags): asked now, it runs while we prepare
          resticVersion().catch(() => undefined);
          const repo = localRepo(cmd);
          const dir = path.resolve(runDir);
          const paths = cmd.path.length
            ? normalizePaths(cmd.path.map((p) => p.replace(/^\/+|\/+$/g, '')))
            : undefined;
          const showBar = !g.json && process.stderr.isTTY;
          // The snapshot's tree (`restic ls`: one more key derivation, a JSON line per entry) is
          // what the path check, a dry run's plan and the progress bar's total come from. A path
          // restore and a dry run list it first; a whole-run restore with a bar lists it while
          // restic restores; one without a bar does not list it at all: its plan is read from
          // the restored staging folder (the same types, sizes, modes and mtimes). Either way the
          // plan is taken before the swap, against the run as it still is (it cannot change
          // until then).
          const listing =
            paths || cmd.dryRun || showBar
              ? listTree(repo, id).then(async (entries) => {
                  const scoped = entries.filter(
                    (e) => !paths || paths.some((p) => e.path === p || e.path.startsWith(`${p}/`)),
                  );
                  return {
                    entries,
                    plan: await planRestoreFromTree(dir, entries, paths),
                    bytes: scoped.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0),
                    files: scoped.filter((e) => e.type === 'file').length,
                  };
                })
              : null;
          listing?.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
          const { fillPaths, fillWhole, restoreStaged } = await import('../engine.js');
          if (listing && (paths || cmd.dryRun)) {
            const { entries, plan } = await listing;
            const missing = (paths ?? []).filter((p) => !entries.some((e) => e.path === p));
            if (missing.length)
              throw new AppError('PATH_NOT_IN_BACKUP', `Not in backup ${id}: ${missing.join(', ')}`, 422);
            if (cmd.dryRun) {
              printResult(g, { ok: true, dryRun: true, plan }, [
                `Would write ${plan.files} files (${humanBytes(plan.bytes)}): ${plan.added.length} added, ${plan.replaced.length} replaced, ${plan.removed.length} removed, ${plan.unchanged} unchanged`,
                ...plan.replaced.slice(0, 20).map((p) => `  replace ${p}`),
                ...plan.removed.slice(0, 20).map((p) => `  remove  ${p}`),
                ...plan.added.slice(0, 20).map((p) => `  add     ${p}`),
              ]);
              return;
            }
          }
          const assertUnlocked = async (d: string) => {
            const locks = await findLockFiles(d);
            if (locks.length)
              throw new AppError('RUN_LOCKED', `Run is locked (${locks.slice(0, 3).join(', ')})`, 409);
          };
          await assertUnlocked(dir);
          const b = bar(g, 'restoring');
          const signal = interruptSignal();
          let total = 0;
          void listing?.then((l) => (total = l.bytes)).catch(() => undefined);
          const fillOpts = {
            bytesTotal: Number.MAX_SAFE_INTEGER, // the listing's total once known (above)
            files: 0,
            signal,
            // restic 0.16+ reports its own total; 0.14's progress (du of the staging every 2 s)
            // has none. No bar, no progress (and no du).
            ...(showBar && {
              onProgress: (p: { bytesDone: number; bytesTotal: number }) => {
                const t = p.bytesTotal < Number.MAX_SAFE_INTEGER ? p.bytesTotal : total;
                b.update(Math.min(p.bytesDone, t), t);
              },
            }),
          };
          const planned: { plan?: BackupRestorePlan } = {};
          const prepare = async (makeStaging: () => Promise<string>) => {
            let staging = '';
            // Without a listing, the run's side of the plan is walked while restic restores, and
            // the restored side while restic verifies (where restic says when that begins).
            const ahead = listing ? undefined : walkRunAhead(dir);
            ahead?.catch(() => undefined); // awaited below
            let early: ReturnType<typeof planRestoreFromStaging> | undefined;
            const fill = paths
              ? fillPaths(repo, id, dir, paths, fillOpts)
              : fillWhole(repo, id, {
                  ...fillOpts,
                  onRestored: () => {
                    if (listing) return;
                    early = planRestoreFromStaging(dir, staging, ahead);
                    early.catch(() => undefined); // awaited below, or the restore failed anyway
                  },
                });
            const filled = await fill(async () => (staging = await makeStaging()));
            const l = listing ? await listing : await (early ?? planRestoreFromStaging(dir, staging, ahead));
            planned.plan = l.plan;
            return { ...filled, filesRestored: l.files, totalBytes: l.bytes };
          };
          try {
            const r = await restoreStaged({
              runDir: dir,
              preRestoreSnapshot: cmd.preRestoreSnapshot !== false,
              assertUnlocked,
              signal,
              prepare,
            });
            b.stop();
            const plan = planned.plan;
            if (!plan) throw new Error('restore-backup: the restore ended without its plan');
            printResult(
              g,
              {
                ok: true,
                plan,
                filesRestored: r.filesRestored,
                preRestoreArchive: r.preRestoreArchive?.name,
              },
              [
                `Restored ${paths ? paths.join(', ') : 'the whole run'} from ${id} into ${dir} (${plan.added.length} added, ${plan.replaced.length} replaced, ${plan.removed.length} removed)`,
                ...(r.preRestoreArchive
                  ? [`  previous content saved as archives/${r.preRestoreArchive.name}`]
                  : []),
              ],
            );
          } finally {
            b.stop();
          }
        }),
    );
}
