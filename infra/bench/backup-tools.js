/**
 * The backup suite's tools: how Arkive (the CLI over restic), plain restic and GNU tar + zstd back
 * the seeded run up, back it up again unchanged, and restore it into an empty folder. Every command
 * runs under /usr/bin/time (snapshot-tools.js `command`), so the report has its exact line.
 *
 * Fairness: Arkive and plain restic get the same restic (same binary, same defaults: repository
 * v2, compression auto, default pack size), each a fresh copy of ONE repository made by one
 * `restic init` (so the key's scrypt cost is identical: restic calibrates it per init), each its own
 * fresh cache folder per round (RESTIC_CACHE_DIR: empty for the first backup, warm from it for the
 * re-backup and the restore, the same for both), the same host, tags and archives/ exclusion.
 */
const path = require('node:path');
const { command, ROOT } = require('./snapshot-tools');

const CLI = path.join(ROOT, 'services', 'cli', 'dist', 'index.js');
const node = process.execPath;

/** restic's and the CLI's environment for one tool's repository and cache. */
function resticEnv(s) {
  return {
    ...process.env,
    RESTIC_PASSWORD: s.password,
    RESTIC_REPOSITORY: s.repo,
    RESTIC_CACHE_DIR: s.cache,
    // our CLI: the same repository password, its home (secrets) inside the work folder
    BACKUP_PASSWORD: s.password,
    ARKIVE_HOME: s.home,
  };
}

/**
 * Backup tools: `backup(s)` → command, where s = { runDir, runId, repo, cache, password, home,
 * tarFile, snar } (the tool's own repository or archive). `again` is the unchanged re-backup.
 */
const BACKUP = {
  arkive: (s) =>
    command(node, [CLI, '--json', 'backup', s.runDir, '--repo', s.repo], { cwd: ROOT, env: resticEnv(s) }),
  restic: (s) =>
    command(
      'restic',
      [
        'backup',
        '--host',
        'arkive',
        '--tag',
        `run:${s.runId}`,
        '--tag',
        'purpose:manual',
        '--exclude',
        path.join(s.runDir, 'archives'),
        '.',
      ],
      { cwd: s.runDir, env: resticEnv(s) },
    ),
  // GNU tar's incremental mode (-g): level 0 the first time; the re-backup runs against a copy of
  // the level-0 state file, so it writes only what changed (nothing) after reading all metadata.
  tar: (s) =>
    command('tar', [
      `--listed-incremental=${s.snar}`,
      '-I',
      'zstd -1 -T0',
      '--exclude=./archives',
      '-cf',
      s.tarFile,
      '-C',
      s.runDir,
      '.',
    ]),
};

/**
 * Restore tools: `restore(s, into)` → command; `into` exists and is empty, on the target file
 * system. s.snapshotId is the tool's own (re-)backup; tar extracts the level-0 archive.
 */
const RESTORE = {
  // whole run: restic ls (plan), staging beside the run, restic restore --verify, fsync, atomic swap
  arkive: (s, into) =>
    command(
      node,
      [CLI, 'restore-backup', into, s.snapshotId, '--no-pre-restore-snapshot', '--repo', s.repo],
      { cwd: ROOT, env: resticEnv(s) },
    ),
  'restic-verify': (s, into) =>
    command('restic', ['restore', s.snapshotId, '--target', into, '--verify'], { env: resticEnv(s) }),
  restic: (s, into) => command('restic', ['restore', s.snapshotId, '--target', into], { env: resticEnv(s) }),
  // what ours guarantees besides the verify: the restored tree is on disk before it is used
  'restic-verify-sync': (s, into) =>
    command(
      'sh',
      ['-c', 'restic restore "$1" --target "$2" --verify && sync -f "$2"', 'sh', s.snapshotId, into],
      { env: resticEnv(s) },
    ),
  tar: (s, into) => command('tar', ['-I', 'zstd -T0', '-xf', s.tarFile, '-C', into]),
};

/** Which repository (or archive) each restore tool reads. */
const SOURCE_OF = {
  arkive: 'arkive',
  'restic-verify': 'restic',
  restic: 'restic',
  'restic-verify-sync': 'restic',
  tar: 'tar',
};

const LABEL = {
  arkive: 'Arkive CLI',
  restic: 'restic',
  tar: "tar -I 'zstd -1 -T0' (-g incremental)",
  'restore:arkive': 'Arkive restore-backup (staging, verify, fsync, swap)',
  'restore:restic-verify': 'restic restore --verify',
  'restore:restic': 'restic restore',
  'restore:restic-verify-sync': 'restic restore --verify + sync -f',
  'restore:tar': "tar -I 'zstd -T0' -x",
};
const label = (phase, tool) => (phase === 'restore' ? LABEL[`restore:${tool}`] : LABEL[tool]) ?? tool;

module.exports = { BACKUP, RESTORE, SOURCE_OF, CLI, label, resticEnv };
