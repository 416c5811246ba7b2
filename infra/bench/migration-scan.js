/**
 * Fleet-scan suite: `npm run bench -- migration-scan [--runs 10000] [--repeat 5]`.
 * Generates a RUNS_ROOT of WEPPcloud-style runs (a third current runs without .nodb files, a third
 * legacy version-0 runs with every trait, a third migrated runs stamped 1000), then times, interleaved
 * on the same warm tree: Arkive's scan in worker threads (what `arkive migrations scan` and
 * GET /api/migrations/scan run), the same scan in one worker thread, the scan in the caller's thread
 * (async reads: what a scan of fewer than 50 runs does), and a plain `find` + `grep` pass that
 * only greps for the legacy strings (no versions, no Parquet). Target: < 5 s warm for 10,000 runs.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BENCH_DIR = '/tmp/arkive-bench/migration-scan';

function parseArgs(args) {
  const o = { runs: 10000, repeat: 5 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = () => Number(args[++i]);
    if (a === '--runs') o.runs = v();
    else if (a === '--repeat') o.repeat = v();
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

async function ensureTree(m, runs) {
  const root = path.join(BENCH_DIR, `runs-${runs}`);
  const done = path.join(root, '.complete');
  if (fs.existsSync(done)) return root;
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  for (let i = 0; i < runs; i++) {
    const runid = `run-${String(i).padStart(5, '0')}`;
    const dir = path.join(root, runid);
    fs.mkdirSync(dir);
    if (i % 3 === 0) {
      fs.mkdirSync(path.join(dir, 'output'));
      fs.writeFileSync(path.join(dir, 'output', 'result.txt'), 'a current run\n');
    } else if (i % 3 === 1) await m.writeLegacyRun(dir, runid, { hillslopes: 8 });
    else {
      await m.writeLegacyRun(dir, runid, { hillslopes: 8, without: ['paths', 'geojson', 'landuse'] });
      await m.writeRunVersion(dir, 1000);
    }
  }
  fs.writeFileSync(done, '');
  return root;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} ms`;

function findGrep(root) {
  const r = spawnSync(
    'sh',
    [
      '-c',
      `find "$1" -mindepth 2 -maxdepth 4 \\( -name '*.nodb' -o -path '*/dem/wbt/*.geojson' \\) -print0 | xargs -0 grep -lE '"/geodata/|"TopazID": *"' | wc -l`,
      'sh',
      root,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`find+grep failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

exports.ensureTree = ensureTree;

exports.main = async function main(args) {
  // The compiled scan (what the CLI and the API run; `npm run build` first), else the sources via tsx.
  const dist = path.resolve(__dirname, '../../shared/dist/migration/index.js');
  if (!fs.existsSync(dist)) require('tsx/cjs/api').register();
  const m = require(fs.existsSync(dist) ? dist : '../../shared/src/migration/index.ts');
  console.log(
    `scan code: ${fs.existsSync(dist) ? 'shared/dist (compiled)' : 'shared/src via tsx (run npm run build for the real numbers)'}`,
  );
  const o = parseArgs(args);
  const t0 = Date.now();
  const root = await ensureTree(m, o.runs);
  console.log(`tree: ${root} (${o.runs} runs; ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  console.log(
    `machine: ${os.availableParallelism()} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  await m.scanRuns(root, { currentVersion: 1000 }); // warm the page cache once
  const threaded = [];
  const single = [];
  const inThread = [];
  const grep = [];
  let needs = 0;
  let grepFiles = 0;
  for (let r = 0; r < o.repeat; r++) {
    let t = process.hrtime.bigint();
    const res = await m.scanRuns(root, { currentVersion: 1000 });
    threaded.push(Number(process.hrtime.bigint() - t) / 1e6);
    needs = res.filter((x) => x.needsMigration).length;
    t = process.hrtime.bigint();
    grepFiles = findGrep(root);
    grep.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await m.scanRuns(root, { currentVersion: 1000, threads: 1 });
    single.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await m.scanRuns(root, { currentVersion: 1000, threads: 0 });
    inThread.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const threads = Math.min(8, os.availableParallelism());
  const lines = [
    `${needs} of ${o.runs} runs need a migration; find+grep matched ${grepFiles} files`,
    `arkive scan (${threads} worker threads) median ${median(threaded).toFixed(0)} ms (${spread(threaded)}), target < 5000 ms → ${median(threaded) < 5000 ? 'OK' : 'MISSED'}`,
    `arkive scan (one worker thread)  median ${median(single).toFixed(0)} ms (${spread(single)})`,
    `arkive scan (caller's thread)    median ${median(inThread).toFixed(0)} ms (${spread(inThread)})`,
    `find + grep                      median ${median(grep).toFixed(0)} ms (${spread(grep)})`,
    `ratio worker threads / find+grep: ${(median(threaded) / median(grep)).toFixed(1)}x`,
  ];
  for (const l of lines) console.log(l);
  const out = path.resolve(__dirname, '../../bench-results');
  fs.mkdirSync(out, { recursive: true });
  const load = os.loadavg();
  fs.writeFileSync(
    path.join(out, 'migration-scan.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        runs: o.runs,
        repeat: o.repeat,
        cores: os.availableParallelism(),
        threads,
        needsMigration: needs,
        threadedMs: median(threaded),
        oneWorkerMs: median(single),
        callerThreadMs: median(inThread),
        findGrepMs: median(grep),
        samples: { threaded, oneWorker: single, callerThread: inThread, grep },
        load,
      },
      null,
      2,
    ),
  );
  fs.writeFileSync(
    path.join(out, 'migration-scan.md'),
    [
      `# migration-scan (${new Date().toISOString().slice(0, 10)})`,
      '',
      `\`npm run bench -- migration-scan --runs ${o.runs} --repeat ${o.repeat}\`: ${o.repeat} interleaved rounds on a warm tree`,
      `(${root}), ${os.availableParallelism()} cores, load at the end ${load.map((l) => l.toFixed(1)).join(' ')}.`,
      '',
      '| scan | median | spread |',
      '| --- | --- | --- |',
      `| arkive, ${threads} worker threads | ${median(threaded).toFixed(0)} ms | ${spread(threaded)} |`,
      `| arkive, one worker thread | ${median(single).toFixed(0)} ms | ${spread(single)} |`,
      `| arkive, caller's thread (async reads) | ${median(inThread).toFixed(0)} ms | ${spread(inThread)} |`,
      `| find + grep | ${median(grep).toFixed(0)} ms | ${spread(grep)} |`,
      '',
      ...lines.slice(0, 2),
      '',
    ].join('\n'),
  );
};
