/**
 * `npm run bench -- snapshot [--corpus small|default|many-files|big-file] [--repeat 5] [--target-dir DIR]
 *   [--size-mb N] [--files N] [--tools arkive,zip,7z,archiver] [--no-own] [--quick] [--seed 42]
 *   [--max-spread 0.15] [--engine auto|dist|src] [--cpu-prof DIR] [--baseline DIST] [--only snapshot|restore]
 *   [--data-dir DIR] [--results-dir DIR]`
 *
 * A fair snapshot/restore benchmark (issue 18). Every tool archives the same input; every extractor
 * extracts the same archive (ours, made once before the rounds), and zip's and 7z's own archives are
 * also extracted by their own tool (labelled "own archive"). Runs are interleaved: each round runs
 * every tool once, the order rotated by one per round (A B C, B C A, C A B, ...), so no tool always
 * runs first or always after the same tool's deletion; outputs are deleted and the target file
 * system synced (untimed) after every run. Per tool: median, min–max, IQR, MAD of the wall time,
 * max RSS, CPU; per peer: the per-round ratios' min, median, max. Our restore is checked by the
 * engine (CRC-32 and manifest SHA-256 of every file) and every extracted tree is counted against
 * the input (first round: `diff -r` against the input too). A result whose spread exceeds
 * --max-spread of its median, or whose load average exceeds the cores, is printed as
 * "NOT A RESULT: machine busy (…)" and written with `busy: true`.
 * Writes bench-results/snapshot-<corpus>.json and .md.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureRun, ensureManyFiles, ensureBigFile } = require('./bench-data');
const { summarize } = require('./bench-stats');
const { ROOT, toolSet, arkiveEngine, OWN_RESTORES } = require('./snapshot-tools');
const { writeReport } = require('./snapshot-report');
const { countTree, rotate, fsType, settle, log } = require('./bench-tree');

const BENCH_DIR = '/tmp/arkive-bench';
const CORPORA = ['quick', 'small', 'default', 'many-files', 'big-file'];
const RESTORER_OF = { arkive: 'arkive', 'arkive-base': 'arkive-base', zip: 'unzip', '7z': '7z' };

function parseArgs(args) {
  const o = {
    corpus: null,
    sizeMb: null,
    files: 200000,
    repeat: null,
    seed: 42,
    tools: ['arkive', 'zip', '7z', 'archiver'],
    own: true,
    targetDir: null,
    dataDir: BENCH_DIR,
    resultsDir: path.join(ROOT, 'bench-results'),
    quick: false,
    engine: 'auto',
    maxSpread: 0.15,
    cpuProf: null,
    baseline: null,
    only: null,
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
    if (a === '--corpus') o.corpus = v();
    else if (a === '--size-mb') o.sizeMb = num(a, v());
    else if (a === '--files') o.files = Math.round(num(a, v()));
    else if (a === '--repeat') o.repeat = Math.round(num(a, v()));
    else if (a === '--seed') o.seed = Number(v());
    else if (a === '--tools') o.tools = v().split(',');
    else if (a === '--no-own') o.own = false;
    else if (a === '--target-dir') o.targetDir = path.resolve(v());
    else if (a === '--data-dir') o.dataDir = path.resolve(v());
    else if (a === '--results-dir') o.resultsDir = path.resolve(v());
    else if (a === '--quick') o.quick = true;
    else if (a === '--engine') o.engine = v();
    else if (a === '--max-spread') o.maxSpread = num(a, v());
    else if (a === '--cpu-prof') o.cpuProf = path.resolve(v());
    else if (a === '--baseline') o.baseline = path.resolve(v());
    else if (a === '--only') o.only = v();
    else throw new Error(`unknown option ${a}`);
  }
  o.corpus ??= o.quick ? 'quick' : 'default';
  o.repeat ??= o.quick ? 2 : 5;
  if (!CORPORA.includes(o.corpus)) throw new Error(`--corpus must be one of ${CORPORA.join(', ')}`);
  if (o.only && !['snapshot', 'restore'].includes(o.only))
    throw new Error('--only must be snapshot or restore');
  if (o.only === 'restore') o.own = false;
  if (!o.tools.includes('arkive')) throw new Error('--tools must include arkive (every ratio is against it)');
  o.targetDir ??= path.join(o.dataDir, 'work');
  return o;
}

function makeCorpus(o) {
  const d = o.dataDir;
  fs.mkdirSync(d, { recursive: true });
  switch (o.corpus) {
    case 'quick':
      return { dir: ensureRun(d, o.seed, o.sizeMb ?? 4), sizeMb: o.sizeMb ?? 4 };
    case 'small':
      return { dir: ensureRun(d, o.seed, o.sizeMb ?? 102), sizeMb: o.sizeMb ?? 102 };
    case 'default':
      return { dir: ensureRun(d, o.seed, o.sizeMb ?? 1024), sizeMb: o.sizeMb ?? 1024 };
    case 'many-files':
      return { dir: ensureManyFiles(d, o.seed, o.files), files: o.files };
    case 'big-file':
      return { dir: ensureBigFile(d, o.seed, o.sizeMb ?? 20480), sizeMb: o.sizeMb ?? 20480 };
  }
  throw new Error(`unknown corpus ${o.corpus}`);
}

async function main(args) {
  const o = parseArgs(args);
  const corpus = makeCorpus(o);
  const input = countTree(corpus.dir);
  fs.mkdirSync(o.targetDir, { recursive: true });
  const target = { dir: o.targetDir, fsType: fsType(o.targetDir) };
  const ark = arkiveEngine(o.engine);
  const nodeArgs = o.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProf] : [];
  const ts = toolSet(ark, nodeArgs, o.baseline);
  if (o.baseline && !o.tools.includes('arkive-base')) o.tools.splice(1, 0, 'arkive-base');
  const snapTools = o.tools.filter((t) => {
    if (!(t in ts.snapshot))
      throw new Error(`unknown tool ${t} (arkive, zip, 7z, archiver; arkive-base with --baseline)`);
    if (!ts.snapshot[t]) log(`skipping ${t} (not installed)`);
    return Boolean(ts.snapshot[t]);
  });
  const restoreIds = snapTools.map((t) => RESTORER_OF[t]).filter((r) => r && ts.restore[r]);
  if (o.own)
    for (const [id, own] of Object.entries(OWN_RESTORES))
      if (snapTools.includes(own.archiveOf) && ts.restore[own.restorer]) restoreIds.push(id);

  const sfs = fs.statfsSync(o.targetDir);
  const need = input.bytes * (2.2 + restoreIds.filter((id) => OWN_RESTORES[id]).length);
  if (sfs.bavail * sfs.bsize < need)
    throw new Error(
      `${o.targetDir} has ${((sfs.bavail * sfs.bsize) / 1e9).toFixed(1)} GB free; this run needs about ${(need / 1e9).toFixed(1)} GB (our archive, the peers' own archives, one extracted tree): use a larger --target-dir or --no-own`,
    );

  // Warm the page cache so every tool reads the input from memory alike (as far as it fits).
  spawnSync('sh', ['-c', 'find . -type f -exec cat {} + > /dev/null'], { cwd: corpus.dir });
  const work = fs.mkdtempSync(path.join(o.targetDir, 'snapshot-'));
  const refDir = path.join(work, 'ref');
  const outDir = path.join(work, 'out');
  fs.mkdirSync(refDir);
  fs.mkdirSync(outDir);
  const ref = path.join(refDir, 'arkive-ref.zip');
  log(`corpus ${o.corpus}: ${input.files} files, ${(input.bytes / 1e6).toFixed(1)} MB in ${corpus.dir}`);
  log(
    `target ${o.targetDir} (${target.fsType}); engine ${ark.engine}; making the archive every extractor reads ...`,
  );
  ts.snapshot.arkive(corpus.dir, ref).run();

  const commands = { snapshot: {}, restore: {} };
  const samples = { snapshot: {}, restore: {} };
  const sizes = {};
  const order = [];
  const checks = [];
  const loadStart = os.loadavg();
  const t0 = Date.now();
  try {
    for (let r = 0; r < o.repeat; r++) {
      for (const t of o.only === 'restore' ? [] : rotate(snapTools, r)) {
        const out = path.join(outDir, `${t}.zip`);
        fs.rmSync(out, { force: true });
        const cmd = ts.snapshot[t](corpus.dir, out);
        commands.snapshot[t] ??= cmd.line;
        order.push({ round: r, phase: 'snapshot', tool: t });
        const res = cmd.run();
        (samples.snapshot[t] ??= []).push({ round: r, ...pick(res) });
        (sizes[t] ??= []).push(fs.statSync(out).size);
        log(
          `[${r + 1}/${o.repeat}] snapshot ${t}: ${res.seconds.toFixed(2)} s, ${res.maxRssMb.toFixed(0)} MB RSS`,
        );
        if (!Object.values(OWN_RESTORES).some((x) => x.archiveOf === t && o.own))
          fs.rmSync(out, { force: true });
        settle(o.targetDir);
      }
      for (const id of o.only === 'snapshot' ? [] : rotate(restoreIds, r)) {
        const own = OWN_RESTORES[id];
        const archive = own ? path.join(outDir, `${own.archiveOf}.zip`) : ref;
        const into = path.join(work, `restore-${id}`);
        fs.rmSync(into, { recursive: true, force: true });
        fs.mkdirSync(into);
        const cmd = ts.restore[own ? own.restorer : id](archive, into);
        commands.restore[id] ??= cmd.line;
        order.push({ round: r, phase: 'restore', tool: id });
        const res = cmd.run();
        (samples.restore[id] ??= []).push({ round: r, ...pick(res) });
        log(
          `[${r + 1}/${o.repeat}] restore ${id}: ${res.seconds.toFixed(2)} s, ${res.maxRssMb.toFixed(0)} MB RSS`,
        );
        checks.push(checkRestore(id, res, into, input, corpus.dir, r === 0 && id === 'arkive'));
        fs.rmSync(into, { recursive: true, force: true });
        settle(o.targetDir);
      }
      for (const f of fs.readdirSync(outDir)) fs.rmSync(path.join(outDir, f), { force: true });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const loadEnd = os.loadavg();
  const result = analyse(samples, sizes, o, loadStart, loadEnd);
  const report = {
    suite: 'snapshot',
    date: new Date().toISOString(),
    durationS: (Date.now() - t0) / 1000,
    busy: result.busyReasons.length > 0,
    busyReasons: result.busyReasons,
    host: {
      cpus: os.availableParallelism(),
      node: process.version,
      loadavgStart: loadStart,
      loadavgEnd: loadEnd,
    },
    engine: ark.engine,
    baseline: o.baseline,
    corpus: {
      name: o.corpus,
      dir: corpus.dir,
      seed: o.seed,
      ...corpus,
      files: input.files,
      bytes: input.bytes,
    },
    target,
    repeat: o.repeat,
    maxSpread: o.maxSpread,
    interleave: 'each round runs every tool once, in the order of the round before rotated by one',
    order,
    commands,
    verification:
      'Arkive restore: every file CRC-32 and manifest SHA-256 checked by the engine (manifestChecked), ' +
      'every extracted tree counted against the input (files and bytes), the first Arkive restore compared with diff -r',
    checks,
    ...result,
  };
  writeReport(report, o.resultsDir);
}

const pick = (res) => ({
  seconds: res.seconds,
  maxRssMb: res.maxRssMb,
  userS: res.userS,
  sysS: res.sysS,
  ...(res.stdout.trim().startsWith('{') ? { child: JSON.parse(res.stdout.trim().split('\n').pop()) } : {}),
});

/** Counts (and for `diff`, the content) of an extracted tree against the input; throws on a mismatch. */
function checkRestore(id, res, into, input, inputDir, diff) {
  const ours = id === 'arkive' || id === 'arkive-base';
  const got = countTree(into, { skipManifest: !ours });
  if (got.files !== input.files || got.bytes !== input.bytes)
    throw new Error(
      `${id} extracted ${got.files} files / ${got.bytes} bytes, the input has ${input.files} / ${input.bytes}`,
    );
  const check = { tool: id, files: got.files, bytes: got.bytes };
  if (ours) {
    const child = JSON.parse(res.stdout.trim().split('\n').pop());
    if (child.manifestChecked !== true) throw new Error('the Arkive restore did not check a manifest');
    check.manifestChecked = true;
  }
  if (diff && input.bytes < 4e9) {
    const d = spawnSync('diff', ['-rq', '--no-dereference', '-x', 'archives', inputDir, into], {
      encoding: 'utf8',
    });
    if (d.status !== 0)
      throw new Error(`the restored tree differs from the input:\n${d.stdout.slice(0, 2000)}`);
    check.diff = 'identical';
  }
  return check;
}

/** Median, over the rounds, of each phase mark the Arkive child reported (ms since its process started). */
function medianPhases(xs) {
  const keys = new Set(xs.flatMap((x) => Object.keys(x.child?.phases ?? {})));
  const out = {};
  for (const k of keys)
    out[k] = summarize(xs.map((x) => x.child?.phases?.[k]).filter((v) => v != null)).median;
  return out;
}

function analyse(samples, sizes, o, loadStart, loadEnd) {
  const busyReasons = [];
  const cpus = os.availableParallelism();
  if (loadStart[0] > cpus)
    busyReasons.push(`load average ${loadStart[0].toFixed(1)} at start > ${cpus} cores`);
  if (loadEnd[0] > cpus) busyReasons.push(`load average ${loadEnd[0].toFixed(1)} at the end > ${cpus} cores`);
  const results = { snapshot: {}, restore: {} };
  for (const phase of ['snapshot', 'restore'])
    for (const [tool, xs] of Object.entries(samples[phase])) {
      const s = summarize(xs.map((x) => x.seconds));
      results[phase][tool] = {
        seconds: s,
        maxRssMb: Math.max(...xs.map((x) => x.maxRssMb)),
        userS: summarize(xs.map((x) => x.userS)).median,
        sysS: summarize(xs.map((x) => x.sysS)).median,
        samples: xs,
        ...(phase === 'snapshot' ? { outputBytes: summarize(sizes[tool]).median } : {}),
        ...(tool.startsWith('arkive') ? { phasesMs: medianPhases(xs) } : {}),
      };
      if (s.spread > o.maxSpread)
        busyReasons.push(
          `${phase} ${tool}: spread ${(s.spread * 100).toFixed(0)} % of the median > ${(o.maxSpread * 100).toFixed(0)} %`,
        );
    }
  // Per-round ratios: peer seconds / Arkive seconds of the same round (> 1: Arkive is faster).
  const ratios = { snapshot: {}, restore: {} };
  for (const phase of ['snapshot', 'restore']) {
    if (!samples[phase].arkive) continue;
    const ours = new Map(samples[phase].arkive.map((x) => [x.round, x.seconds]));
    for (const [tool, xs] of Object.entries(samples[phase])) {
      if (tool === 'arkive') continue;
      const perRound = xs.map((x) => x.seconds / ours.get(x.round));
      const s = summarize(perRound);
      ratios[phase][tool] = { perRound, min: s.min, median: s.median, max: s.max };
    }
  }
  const ourSize = results.snapshot.arkive?.outputBytes;
  const sizeVs = {};
  for (const [tool, r] of Object.entries(results.snapshot))
    if (tool !== 'arkive') sizeVs[tool] = ourSize / r.outputBytes;
  return { busyReasons, results, ratios, outputSizeVs: sizeVs };
}

module.exports = { main, parseArgs, rotate };
