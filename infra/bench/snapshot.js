/**
 * `npm run bench -- snapshot [--size-mb N] [--repeat N] [--seed S] [--tools arkive,zip,7z,archiver]`
 * Snapshot and restore a seeded run with Arkive and its peers; prints MB/s, speed ratios, max RSS
 * and output size, and writes bench-results/snapshot.json (medians over --repeat runs).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureRun } = require('./bench-data');

const ROOT = path.resolve(__dirname, '../..');
const BENCH_DIR = '/tmp/arkive-bench';

function parseArgs(args) {
  const o = { sizeMb: 1024, repeat: 1, seed: 42, tools: ['arkive', 'zip', '7z', 'archiver'] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = () => args[++i];
    if (a === '--size-mb') o.sizeMb = Number(v());
    else if (a === '--repeat') o.repeat = Number(v());
    else if (a === '--seed') o.seed = Number(v());
    else if (a === '--tools') o.tools = v().split(',');
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** Run a command under /usr/bin/time; returns wall seconds and max RSS (MB). */
function timed(cmd, argv, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %M', cmd, ...argv], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    ...opts,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0)
    throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${(r.stderr || '').slice(-2000)}`);
  const m = /__TIME__ ([\d.]+) (\d+)/.exec(r.stderr);
  return { seconds: wall, maxRssMb: m ? Number(m[2]) / 1024 : NaN, stdout: r.stdout };
}

function dirBytes(dir) {
  let n = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) n += fs.statSync(p).size;
    }
  };
  walk(dir);
  return n;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const have = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

/** Compile the engine; use shared/dist when it is at least as new as every source file, else tsx. */
function arkiveCommand() {
  spawnSync('npx', ['tsc', '-b', 'shared/tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  const src = path.join(ROOT, 'shared/src/archive');
  const dist = path.join(ROOT, 'shared/dist/archive');
  const sources = fs.readdirSync(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const fresh = sources.every((f) => {
    const js = path.join(dist, f.replace(/\.ts$/, '.js'));
    return fs.existsSync(js) && fs.statSync(js).mtimeMs >= fs.statSync(path.join(src, f)).mtimeMs;
  });
  const child = path.join(__dirname, 'arkive-child.js');
  if (fresh) return { argv: [child], env: process.env, engine: 'shared/dist (compiled)' };
  console.error(
    'shared/dist/archive is stale or missing (does shared compile?): running the sources through tsx',
  );
  return {
    argv: ['--import', 'tsx', child],
    env: { ...process.env, ARKIVE_ENGINE: path.join(src, 'index.ts') },
    engine: 'shared/src via tsx',
  };
}

function tools(runDir, work, ark) {
  const tsxNode = ark.argv;
  const fresh = (name) => {
    const d = path.join(work, name);
    fs.rmSync(d, { recursive: true, force: true });
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  return {
    arkive: {
      snapshot: (out) =>
        timed(process.execPath, [...tsxNode, 'snapshot', runDir, path.dirname(out), path.basename(out)], {
          cwd: ROOT,
          env: ark.env,
        }),
      restore: (zip) =>
        timed(process.execPath, [...tsxNode, 'restore', fresh('restore-arkive'), zip], {
          cwd: ROOT,
          env: ark.env,
        }),
    },
    zip: have('zip') && {
      snapshot: (out) => timed('zip', ['-r', '-1', '-q', out, '.', '-x', 'archives/*'], { cwd: runDir }),
      restore: (zip) => timed('unzip', ['-q', zip, '-d', fresh('restore-unzip')]),
    },
    '7z': have('7z') && {
      snapshot: (out) =>
        timed('7z', ['a', '-tzip', '-mx1', '-mmt=on', '-bd', '-bso0', out, '.', '-xr!archives'], {
          cwd: runDir,
        }),
      restore: (zip) => timed('7z', ['x', '-bd', '-bso0', '-y', `-o${fresh('restore-7z')}`, zip]),
    },
    archiver: fs.existsSync(path.join(ROOT, 'node_modules/archiver')) && {
      snapshot: (out) =>
        timed(process.execPath, [path.join(__dirname, 'archiver-child.js'), runDir, out], { cwd: ROOT }),
      restore: null,
    },
  };
}

async function main(args) {
  const o = parseArgs(args);
  const runDir = ensureRun(BENCH_DIR, o.seed, o.sizeMb);
  const bytes = dirBytes(runDir);
  const work = path.join(BENCH_DIR, 'work');
  fs.mkdirSync(work, { recursive: true });
  // Warm the page cache so every tool reads from memory alike.
  spawnSync('sh', ['-c', `find . -type f -exec cat {} + > /dev/null`], { cwd: runDir });
  const ark = arkiveCommand();
  const all = tools(runDir, work, ark);
  const results = {};
  for (const name of o.tools) {
    const t = all[name];
    if (!t) {
      console.error(`skipping ${name} (not available)`);
      continue;
    }
    const snaps = [];
    const restores = [];
    let size = 0;
    for (let i = 0; i < o.repeat; i++) {
      const out = path.join(work, `${name}.zip`);
      fs.rmSync(out, { force: true });
      console.error(`${name}: snapshot ${i + 1}/${o.repeat} ...`);
      snaps.push(t.snapshot(out));
      size = fs.statSync(out).size;
      if (t.restore) {
        console.error(`${name}: restore ${i + 1}/${o.repeat} ...`);
        restores.push(t.restore(out));
      }
      fs.rmSync(out, { force: true });
    }
    const sum = (xs) =>
      xs.length && {
        seconds: median(xs.map((x) => x.seconds)),
        maxRssMb: Math.max(...xs.map((x) => x.maxRssMb)),
      };
    results[name] = {
      outputBytes: size,
      snapshot: sum(snaps),
      restore: restores.length ? sum(restores) : null,
    };
    for (const k of ['snapshot', 'restore']) {
      const r = results[name][k];
      if (r) r.mbPerSec = bytes / 1e6 / r.seconds;
    }
    fs.rmSync(path.join(work, `restore-${name === 'zip' ? 'unzip' : name}`), {
      recursive: true,
      force: true,
    });
  }
  const a = results.arkive;
  const ratios = {};
  if (a) {
    for (const [name, r] of Object.entries(results)) {
      if (name === 'arkive') continue;
      ratios[name] = {
        snapshotSpeedup: r.snapshot ? r.snapshot.seconds / a.snapshot.seconds : null,
        restoreSpeedup: r.restore && a.restore ? r.restore.seconds / a.restore.seconds : null,
        outputSizeRatio: a.outputBytes / r.outputBytes,
      };
    }
  }
  const report = {
    date: new Date().toISOString(),
    host: { cpus: os.availableParallelism(), node: process.version, loadavg: os.loadavg() },
    engine: ark.engine,
    run: { dir: runDir, bytes, seed: o.seed, sizeMb: o.sizeMb },
    repeat: o.repeat,
    results,
    ratios,
  };
  const outDir = path.join(ROOT, 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'snapshot.json'), JSON.stringify(report, null, 2) + '\n');

  const f = (x, d = 1) => (x == null || Number.isNaN(x) ? '-' : x.toFixed(d));
  console.log(
    `run: ${(bytes / 1e6).toFixed(0)} MB, ${o.repeat} repeat(s), medians; engine ${ark.engine}; load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log('tool       snap s   snap MB/s  snap RSS MB  restore s  rest MB/s  rest RSS MB  output MB');
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(10)} ${f(r.snapshot.seconds, 2).padStart(6)} ${f(r.snapshot.mbPerSec).padStart(10)} ${f(r.snapshot.maxRssMb, 0).padStart(12)} ${f(r.restore?.seconds, 2).padStart(10)} ${f(r.restore?.mbPerSec).padStart(10)} ${f(r.restore?.maxRssMb, 0).padStart(12)} ${f(r.outputBytes / 1e6).padStart(10)}`,
    );
  }
  for (const [name, r] of Object.entries(ratios)) {
    console.log(
      `arkive vs ${name}: snapshot ${f(r.snapshotSpeedup, 2)}x faster, restore ${f(r.restoreSpeedup, 2)}x faster, output ${f((r.outputSizeRatio - 1) * 100, 1)}% ${r.outputSizeRatio >= 1 ? 'larger' : 'smaller'}`,
    );
  }
  console.log(`written ${path.relative(ROOT, path.join(outDir, 'snapshot.json'))}`);
}

module.exports = { main };
