/**
 * `npm run bench -- backup [--repeat 5] [--size-mb 1024] [--target-dir DIR] [--quick] [--seed 13]
 *   [--tools arkive,restic,tar] [--restores arkive,restic-verify,restic,restic-verify-sync,tar]
 *   [--max-spread 0.15] [--data-dir DIR] [--results-dir DIR]`
 *
 * A fair backup benchmark (issue 13). On the seeded run (bench-data.js, 1 GB by default), each round:
 * 1. first backup: every tool backs the same input up into a fresh repository (Arkive CLI and plain
 *    restic: each a fresh copy of one template repository, so the same key derivation cost, and
 *    a fresh empty restic cache each) or a fresh tar.zst (GNU tar -g, level 0);
 * 2. unchanged re-backup: the same again (same repository, warm cache; tar level 1);
 * 3. restore: each restorer into an empty folder on the target file system: Arkive restore-backup
 *    (staging, restic restore --verify, fsync, atomic swap), restic restore with and without
 *    --verify, restic --verify + sync (durable like ours), tar -x of the level-0 archive.
 * Tools are interleaved: each round runs every tool once per phase, the order rotated by one per
 * round (A B C, B C A, C A B); outputs are removed and the target synced (untimed) after each run.
 * Every restored tree is counted against the input, and diff -r-ed in the first round.
 * Per tool: median, min–max, IQR, MAD, spread; per peer: per-round ratios ours / theirs (min, median,
 * max); Arkive's overhead over raw restic per phase against the < 10 % target. A spread above
 * --max-spread or a load average above the cores marks the result busy ("NOT A RESULT").
 * Writes bench-results/backup.json and .md (`--quick`: backup-quick.*; 64 MB, 2 rounds, never a result).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureRun } = require('./bench-data');
const { ROOT } = require('./snapshot-tools');
const { BACKUP, RESTORE, SOURCE_OF, CLI } = require('./backup-tools');
const { analyse, writeReport } = require('./backup-report');
const { countTree, rotate, fsType, settle, log } = require('./bench-tree');

const BENCH_DIR = '/tmp/arkive-bench/backup';
const PASSWORD = 'bench-password';

function parseArgs(args) {
  const o = {
    sizeMb: null,
    repeat: null,
    seed: 13,
    quick: false,
    tools: ['arkive', 'restic', 'tar'],
    restores: ['arkive', 'restic-verify', 'restic', 'restic-verify-sync', 'tar'],
    maxSpread: 0.15,
    dataDir: BENCH_DIR,
    targetDir: null,
    resultsDir: path.join(ROOT, 'bench-results'),
  };
  const num = (a, v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`${a} needs a positive number, got ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = () => {
      if (i + 1 >= args.length) throw new Error(`${a} needs a value`);
      return args[++i];
    };
    if (a === '--size-mb') o.sizeMb = num(a, v());
    else if (a === '--repeat') o.repeat = Math.round(num(a, v()));
    else if (a === '--seed') o.seed = Number(v());
    else if (a === '--quick') o.quick = true;
    else if (a === '--tools') o.tools = v().split(',');
    else if (a === '--restores') o.restores = v().split(',');
    else if (a === '--max-spread') o.maxSpread = num(a, v());
    else if (a === '--data-dir') o.dataDir = path.resolve(v());
    else if (a === '--target-dir') o.targetDir = path.resolve(v());
    else if (a === '--results-dir') o.resultsDir = path.resolve(v());
    else throw new Error(`unknown option ${a}`);
  }
  o.sizeMb ??= o.quick ? 64 : 1024;
  o.repeat ??= o.quick ? 2 : 5;
  o.targetDir ??= path.join(o.dataDir, 'work');
  for (const t of o.tools) if (!BACKUP[t]) throw new Error(`unknown tool ${t} (arkive, restic, tar)`);
  for (const t of o.restores)
    if (!RESTORE[t]) throw new Error(`unknown restorer ${t} (${Object.keys(RESTORE).join(', ')})`);
  if (!o.tools.includes('arkive') || !o.restores.includes('arkive'))
    throw new Error('--tools and --restores must include arkive (every ratio is against it)');
  o.restores = o.restores.filter((r) => o.tools.includes(SOURCE_OF[r]));
  return o;
}

const du = (p) => Number(spawnSync('du', ['-sb', p], { encoding: 'utf8' }).stdout.split(/\s/)[0]);

function mustRun(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** The key's scrypt parameters (the password-derivation cost every restic command pays). */
function kdfOf(repo) {
  const k = fs.readdirSync(path.join(repo, 'keys'))[0];
  const j = JSON.parse(fs.readFileSync(path.join(repo, 'keys', k), 'utf8'));
  return { kdf: j.kdf, N: j.N, r: j.r, p: j.p };
}

/** The snapshot a backup tool just made (full id), read untimed. */
function snapshotIdOf(tool, res, s) {
  if (tool === 'arkive') return JSON.parse(res.stdout).snapshotId;
  const out = mustRun('restic', ['snapshots', '--json', 'latest'], {
    env: {
      ...process.env,
      RESTIC_PASSWORD: s.password,
      RESTIC_REPOSITORY: s.repo,
      RESTIC_CACHE_DIR: s.cache,
    },
  });
  return JSON.parse(out)[0].id;
}

/** Counts (and in the first round the content) of a restored tree against the input; throws on a mismatch. */
function checkRestore(id, into, input, inputDir, diff) {
  const got = countTree(into);
  if (got.files !== input.files || got.bytes !== input.bytes)
    throw new Error(
      `${id} restored ${got.files} files / ${got.bytes} bytes, the input has ${input.files} / ${input.bytes}`,
    );
  const check = { tool: id, files: got.files, bytes: got.bytes };
  if (diff) {
    const d = spawnSync('diff', ['-rq', '--no-dereference', '-x', 'archives', inputDir, into], {
      encoding: 'utf8',
    });
    if (d.status !== 0)
      throw new Error(`${id}: the restored tree differs from the input:\n${d.stdout.slice(0, 2000)}`);
    check.diff = 'identical';
  }
  return check;
}

const pick = (res) => ({ seconds: res.seconds, maxRssMb: res.maxRssMb, userS: res.userS, sysS: res.sysS });

async function main(args) {
  const o = parseArgs(args);
  const build = spawnSync('npx', ['tsc', '-b', 'services/cli/tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0 || !fs.existsSync(CLI)) throw new Error('building the CLI failed (npm run build)');
  fs.mkdirSync(o.dataDir, { recursive: true });
  const runDir = ensureRun(path.join(o.dataDir, 'data'), o.seed, o.sizeMb);
  const runId = path.basename(runDir);
  const input = countTree(runDir);
  fs.mkdirSync(o.targetDir, { recursive: true });
  const target = { dir: o.targetDir, fsType: fsType(o.targetDir) };
  const sfs = fs.statfsSync(o.targetDir);
  const need = input.bytes * (o.tools.length + 1.2);
  if (sfs.bavail * sfs.bsize < need)
    throw new Error(
      `${o.targetDir} has ${((sfs.bavail * sfs.bsize) / 1e9).toFixed(1)} GB free; this run needs about ${(need / 1e9).toFixed(1)} GB (a repository or archive per tool, one restored tree): use a larger --target-dir`,
    );
  const resticVersion = mustRun('restic', ['version']).trim();
  // Warm the page cache so every tool reads the input from memory alike (as far as it fits).
  spawnSync('sh', ['-c', 'find . -type f -exec cat {} + > /dev/null'], { cwd: runDir });
  const work = fs.mkdtempSync(path.join(o.targetDir, 'backup-'));
  const template = path.join(work, 'template-repo');
  mustRun('restic', ['init', '--repo', template], { env: { ...process.env, RESTIC_PASSWORD: PASSWORD } });
  const kdf = kdfOf(template);
  log(
    `run ${runDir}: ${input.files} files, ${(input.bytes / 1e6).toFixed(1)} MB; target ${o.targetDir} (${target.fsType})`,
  );
  log(
    `${resticVersion}; template repository key: ${kdf.kdf} N=${kdf.N} r=${kdf.r} p=${kdf.p}; ${o.repeat} rounds`,
  );

  const phases = ['first', 'again', 'restore'];
  const commands = { first: {}, again: {}, restore: {} };
  const samples = { first: {}, again: {}, restore: {} };
  const added = { first: {}, again: {} };
  const order = [];
  const checks = [];
  const loadStart = os.loadavg();
  const t0 = Date.now();
  const timedRun = (phase, tool, r, cmd) => {
    commands[phase][tool] ??= cmd.line;
    order.push({ round: r, phase, tool });
    const res = cmd.run();
    (samples[phase][tool] ??= []).push({ round: r, ...pick(res) });
    log(`[${r + 1}/${o.repeat}] ${phase} ${tool}: ${res.seconds.toFixed(2)} s`);
    return res;
  };
  try {
    for (let r = 0; r < o.repeat; r++) {
      const round = path.join(work, `round-${r}`);
      fs.mkdirSync(round);
      const state = {};
      for (const t of o.tools) {
        const s = {
          runDir,
          runId,
          password: PASSWORD,
          repo: path.join(round, `${t}-repo`),
          cache: path.join(round, `${t}-cache`),
          home: path.join(round, `${t}-home`),
          tarFile: path.join(round, `${t}-level0.tar.zst`),
          snar: path.join(round, `${t}.snar`),
        };
        if (t !== 'tar') mustRun('cp', ['-a', template, s.repo]);
        fs.mkdirSync(s.cache);
        state[t] = s;
      }
      settle(o.targetDir);
      for (const phase of ['first', 'again']) {
        for (const t of rotate(o.tools, r)) {
          const s = state[t];
          let step = s;
          if (t === 'tar' && phase === 'again') {
            // level 1 against a copy of the level-0 state, into its own archive
            fs.copyFileSync(s.snar, `${s.snar}.1`);
            step = { ...s, snar: `${s.snar}.1`, tarFile: path.join(round, 'tar-level1.tar.zst') };
          }
          const before = t === 'tar' ? 0 : du(s.repo);
          const res = timedRun(phase, t, r, BACKUP[t](step));
          (added[phase][t] ??= []).push(t === 'tar' ? fs.statSync(step.tarFile).size : du(s.repo) - before);
          if (t !== 'tar') s.snapshotId = snapshotIdOf(t, res, s);
          if (step !== s) fs.rmSync(step.tarFile, { force: true });
          settle(o.targetDir);
        }
      }
      for (const id of rotate(o.restores, r)) {
        const into = path.join(round, `restore-${id}`, runId);
        fs.mkdirSync(into, { recursive: true });
        settle(o.targetDir);
        timedRun('restore', id, r, RESTORE[id](state[SOURCE_OF[id]], into));
        checks.push({ round: r, ...checkRestore(id, into, input, runDir, r === 0) });
        fs.rmSync(path.dirname(into), { recursive: true, force: true });
        settle(o.targetDir);
      }
      fs.rmSync(round, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const loadEnd = os.loadavg();
  const report = {
    suite: 'backup',
    date: new Date().toISOString(),
    durationS: (Date.now() - t0) / 1000,
    host: {
      cpus: os.availableParallelism(),
      node: process.version,
      loadavgStart: loadStart,
      loadavgEnd: loadEnd,
    },
    restic: resticVersion,
    kdf,
    run: { dir: runDir, seed: o.seed, sizeMb: o.sizeMb, files: input.files, bytes: input.bytes },
    target,
    repeat: o.repeat,
    quick: o.quick,
    maxSpread: o.maxSpread,
    interleave:
      'each round runs every tool once per phase (first, again, restore), the order rotated by one per round',
    fairness:
      'Arkive and restic: the same restic binary and defaults, each a fresh copy of one template repository per round (identical key and scrypt cost), ' +
      'its own empty RESTIC_CACHE_DIR per round (cold for the first backup, warm afterwards, alike), the same --host, tags and archives/ exclusion; ' +
      'restores into empty folders on the target file system; outputs removed and the target synced (untimed) between runs',
    order,
    commands,
    checks,
    verification:
      'every restored tree counted against the input (files, bytes); in the first round diff -r against the input',
    ...analyse(samples, added, o, loadStart, loadEnd, phases),
  };
  writeReport(report, o.resultsDir);
}

module.exports = { main, parseArgs, rotate };
