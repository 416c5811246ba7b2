/**
 * Backup suite: `npm run bench -- backup [--size-mb 1024] [--quick] [--keep]`.
 * On the seeded run (bench-data.js), in one run and on the same input: a first backup and an
 * unchanged re-backup with Arkive (`arkive backup`, the CLI over restic: what the backup service
 * runs) vs plain `restic backup` into its own repository and `tar -I 'zstd -1 -T0'`; a whole restore
 * with Arkive (`arkive restore-backup`: staging, restic restore --verify, safety snapshot off,
 * atomic swap) vs `restic restore` and `tar -x`. Prints seconds and ratios; our overhead over raw
 * restic should stay under 10 %. `--quick` uses a 64 MB run (proves the suite works; not a result).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ensureRun } = require('./bench-data');

const ROOT = path.resolve(__dirname, '..', '..');
const BENCH_DIR = '/tmp/arkive-bench/backup';
const CLI = path.join(ROOT, 'services', 'cli', 'dist', 'index.js');

function parseArgs(args) {
  const o = { sizeMb: 1024, keep: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--size-mb') o.sizeMb = Number(args[++i]);
    else if (a === '--quick') o.sizeMb = 64;
    else if (a === '--keep') o.keep = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;
function sh(cmd, argv, opts = {}) {
  const t = now();
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  return now() - t;
}

async function main(args) {
  const o = parseArgs(args);
  const build = spawnSync('npx', ['tsc', '-b', 'services/cli/tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('building the CLI failed');
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const runDir = ensureRun(path.join(BENCH_DIR, 'data'), 13, o.sizeMb);
  const work = fs.mkdtempSync(path.join(BENCH_DIR, 'work-'));
  const password = 'bench-password';
  const env = { ...process.env, BACKUP_PASSWORD: password, ARKIVE_HOME: path.join(work, 'home') };
  const ourRepo = path.join(work, 'arkive-repo');
  const rawRepo = path.join(work, 'raw-repo');
  const rawEnv = { ...process.env, RESTIC_PASSWORD: password, RESTIC_REPOSITORY: rawRepo };
  sh('restic', ['init'], { env: rawEnv });
  const ours = (...a) => sh(process.execPath, [CLI, ...a, '--repo', ourRepo], { env, cwd: ROOT });
  ours('backups', runDir); // creates our repository outside the timing, as `restic init` above
  const t = {};
  // interleaved: ours, raw, tar for each step
  t.oursFirst = ours('backup', runDir);
  t.rawFirst = sh('restic', ['backup', '--host', 'arkive', '.'], { env: rawEnv, cwd: runDir });
  t.tar = sh('tar', ['-I', 'zstd -1 -T0', '-cf', path.join(work, 'run.tar.zst'), '-C', runDir, '.']);
  t.oursAgain = ours('backup', runDir);
  t.rawAgain = sh('restic', ['backup', '--host', 'arkive', '.'], { env: rawEnv, cwd: runDir });
  const listed = spawnSync(process.execPath, [CLI, '--json', 'backups', runDir, '--repo', ourRepo], {
    env,
    encoding: 'utf8',
  });
  const snap = JSON.parse(listed.stdout)[0].id;
  const target = path.join(work, 'restored-run');
  fs.cpSync(runDir, target, { recursive: true }); // the run our restore replaces (swap)
  t.oursRestore = sh(
    process.execPath,
    [CLI, 'restore-backup', target, snap, '--no-pre-restore-snapshot', '--repo', ourRepo],
    { env },
  );
  t.rawRestore = sh(
    'restic',
    ['restore', 'latest', '--target', path.join(work, 'raw-restored'), '--verify'],
    { env: rawEnv },
  );
  fs.mkdirSync(path.join(work, 'tar-restored'));
  t.tarRestore = sh('tar', [
    '-I',
    'zstd -T0',
    '-xf',
    path.join(work, 'run.tar.zst'),
    '-C',
    path.join(work, 'tar-restored'),
  ]);
  const r = (a, b) => (a / b).toFixed(2);
  const result = {
    sizeMb: o.sizeMb,
    seconds: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Number(v.toFixed(3))])),
    ratios: {
      firstBackupVsRestic: r(t.oursFirst, t.rawFirst),
      firstBackupVsTarZstd: r(t.oursFirst, t.tar),
      unchangedRebackupVsRestic: r(t.oursAgain, t.rawAgain),
      restoreVsRestic: r(t.oursRestore, t.rawRestore),
      restoreVsTar: r(t.oursRestore, t.tarRestore),
    },
    method:
      'one run, steps interleaved (ours, restic, tar), same input, same machine; ours includes node start-up and restic key derivation like raw restic',
  };
  console.log(JSON.stringify(result, null, 2));
  fs.mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench-results', 'backup.json'), JSON.stringify(result, null, 2) + '\n');
  if (!o.keep) fs.rmSync(work, { recursive: true, force: true });
}

module.exports = { main };
