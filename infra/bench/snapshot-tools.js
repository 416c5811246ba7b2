/**
 * The snapshot suite's tools: how each one creates an archive of the input and extracts an archive
 * into an empty folder, run under `/usr/bin/time` (wall time, max RSS, user and system CPU).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');

const have = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const quote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`);

/** Run `cmd argv` (in `cwd`) under /usr/bin/time; wall seconds, max RSS (MB), CPU seconds, stdout. */
function timed(cmd, argv, opts = {}) {
  const timeFile = path.join(os.tmpdir(), `arkive-bench-time-${process.pid}`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%e %M %U %S', cmd, ...argv], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    ...opts,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const line = fs.existsSync(timeFile) ? fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop() : '';
  fs.rmSync(timeFile, { force: true });
  if (r.status !== 0)
    throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${(r.stderr || '').slice(-2000)}`);
  const [, rssKb, user, sys] = line.split(' ').map(Number);
  return { seconds, maxRssMb: rssKb / 1024, userS: user, sysS: sys, stdout: r.stdout };
}

/** One command: what it runs, where, and the exact line for the report. */
function command(cmd, argv, opts = {}) {
  const line = `${opts.cwd ? `cd ${quote(opts.cwd)} && ` : ''}${[cmd, ...argv].map(quote).join(' ')}`;
  return { line, run: () => timed(cmd, argv, opts) };
}

/**
 * The engine for the Arkive child: shared/dist when it is at least as new as every source of the
 * archive engine (after `tsc -b`), else the sources through tsx. `engine`: auto | dist | src.
 */
function arkiveEngine(engine = 'auto') {
  const child = path.join(__dirname, 'arkive-child.js');
  const src = path.join(ROOT, 'shared/src/archive');
  const viaTsx = {
    node: ['--import', 'tsx', child],
    env: { ...process.env, ARKIVE_ENGINE: path.join(src, 'index.ts') },
    engine: 'shared/src via tsx',
  };
  if (engine === 'src') return viaTsx;
  const compiled = { node: [child], env: process.env, engine: 'shared/dist (compiled)' };
  if (engine === 'dist') return compiled;
  spawnSync('npx', ['tsc', '-b', 'shared/tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  const dist = path.join(ROOT, 'shared/dist/archive');
  const fresh = fs
    .readdirSync(src)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .every((f) => {
      const js = path.join(dist, f.replace(/\.ts$/, '.js'));
      return fs.existsSync(js) && fs.statSync(js).mtimeMs >= fs.statSync(path.join(src, f)).mtimeMs;
    });
  if (fresh) return compiled;
  console.error(
    'shared/dist/archive is stale or missing (does shared compile?): running the sources through tsx',
  );
  return viaTsx;
}

/**
 * Snapshot tools: `snapshot(input, out)` → command. Restore tools: `restore(zip, into)` → command
 * (`into` exists and is empty). `nodeArgs` go before the Arkive child (e.g. --cpu-prof).
 */
function toolSet(ark, nodeArgs = [], baseline = null) {
  const node = process.execPath;
  const arkOpts = { cwd: ROOT, env: ark.env };
  const child = path.join(__dirname, 'arkive-child.js');
  const baseOpts = baseline && {
    cwd: ROOT,
    env: { ...process.env, ARKIVE_ENGINE: path.join(baseline, 'archive') },
  };
  const set = {
    snapshot: {
      arkive: (input, out) =>
        command(
          node,
          [...nodeArgs, ...ark.node, 'snapshot', input, path.dirname(out), path.basename(out)],
          arkOpts,
        ),
      zip:
        have('zip') &&
        ((input, out) => command('zip', ['-r', '-1', '-q', out, '.', '-x', 'archives/*'], { cwd: input })),
      '7z':
        have('7z') &&
        ((input, out) =>
          command('7z', ['a', '-tzip', '-mx1', '-mmt=on', '-bd', '-bso0', out, '.', '-xr!archives'], {
            cwd: input,
          })),
      archiver:
        fs.existsSync(path.join(ROOT, 'node_modules/archiver')) &&
        ((input, out) =>
          command(node, [path.join(__dirname, 'archiver-child.js'), input, out], { cwd: ROOT })),
    },
    restore: {
      arkive: (zip, into) => command(node, [...nodeArgs, ...ark.node, 'restore', into, zip], arkOpts),
      unzip: have('unzip') && ((zip, into) => command('unzip', ['-q', zip, '-d', into])),
      '7z': have('7z') && ((zip, into) => command('7z', ['x', '-bd', '-bso0', '-y', `-o${into}`, zip])),
    },
  };
  if (baseOpts) {
    // The engine before a change (a copy of shared/dist), run beside the current one: same input,
    // same archive, interleaved, so a change is measured against its baseline in one run.
    set.snapshot['arkive-base'] = (input, out) =>
      command(node, [...nodeArgs, child, 'snapshot', input, path.dirname(out), path.basename(out)], baseOpts);
    set.restore['arkive-base'] = (zip, into) =>
      command(node, [...nodeArgs, child, 'restore', into, zip], baseOpts);
  }
  return set;
}

/** Peers' own archives, extracted by the same peer (labelled `<tool> (own archive)` in reports). */
const OWN_RESTORES = {
  'unzip-own': { restorer: 'unzip', archiveOf: 'zip' },
  '7z-own': { restorer: '7z', archiveOf: '7z' },
};

module.exports = { ROOT, toolSet, arkiveEngine, timed, command, OWN_RESTORES };
