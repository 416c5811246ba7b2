/**
 * Gallery suite: `npm run bench -- gallery [--quick] [--images 400] [--total-mb 2048] [--repeat 3]
 *   [--concurrency 5] [--target-dir DIR] [--max-spread 0.15] [--results-dir DIR]`.
 *
 * A gallery of N JPEG-like images (random bytes behind a JPEG signature: incompressible, stored) in
 * one s3rver bucket, archived into another bucket by three methods, each in its own process,
 * interleaved per round with the order rotated by one per round:
 *   arkive — the gallery-archive worker's own code (uploadGalleryZip + checkStoredGalleryZip, stores
 *            from its settings: GALLERY_ARCHIVE_CONCURRENCY GETs in flight → ZIP writer with SHA-256
 *            while streaming → multipart put → HEAD check);
 *   naive  — (a) download all, then `zip -0`, then an SDK (lib-storage) multipart upload, one after
 *            another;
 *   floor  — (b) the same bytes with parallel GETs into one multipart PUT, no ZIP.
 * All read the same source bucket. After every run (untimed) the output object is checked with a
 * HEAD (its size) and deleted. s3rver runs in this process and keeps its files under --target-dir
 * (default the OS temp folder; e.g. /dev/shm for tmpfs); the CPU it spent during each run is
 * reported. Per method: median, min–max of the wall time, max RSS of the child, CPU; per-round
 * ratios. A result whose spread exceeds --max-spread of its median, or whose load average exceeds
 * the cores, is printed as "NOT A RESULT: machine busy (…)" and written with `busy: true`.
 * --quick: 40 images, 80 MiB, 2 rounds (proves it runs). Writes bench-results/gallery[-quick].json/.md.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fsType, rotate } = require('./bench-tree');
const { spawn, spawnSync } = require('node:child_process');
const { summarize } = require('./bench-stats');

const METHODS = ['arkive', 'naive', 'floor'];
const ROOT = path.resolve(__dirname, '../..');

function parseArgs(args) {
  const o = {
    images: 400,
    totalMb: 2048,
    repeat: null,
    concurrency: 5,
    quick: false,
    targetDir: os.tmpdir(),
    maxSpread: 0.15,
    resultsDir: path.join(ROOT, 'bench-results'),
    methods: METHODS,
    cpuProf: null,
    trace: false,
    engine: 'auto',
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
    if (a === '--quick') Object.assign(o, { quick: true, images: 40, totalMb: 80 });
    else if (a === '--images') o.images = Math.round(num(a, v()));
    else if (a === '--total-mb') o.totalMb = num(a, v());
    else if (a === '--repeat') o.repeat = Math.round(num(a, v()));
    else if (a === '--concurrency') o.concurrency = Math.round(num(a, v()));
    else if (a === '--target-dir') o.targetDir = path.resolve(v());
    else if (a === '--max-spread') o.maxSpread = num(a, v());
    else if (a === '--results-dir') o.resultsDir = path.resolve(v());
    else if (a === '--methods') o.methods = v().split(',');
    else if (a === '--cpu-prof') o.cpuProf = path.resolve(v());
    else if (a === '--trace') o.trace = true;
    else if (a === '--engine') o.engine = v();
    else throw new Error(`unknown option ${a}`);
  }
  o.repeat ??= o.quick ? 2 : 3;
  if (!['auto', 'dist', 'src'].includes(o.engine)) throw new Error('--engine must be auto, dist or src');
  const unknown = o.methods.filter((m) => !METHODS.includes(m));
  if (unknown.length)
    throw new Error(`--methods: unknown ${unknown.join(', ')} (known: ${METHODS.join(', ')})`);
  return o;
}

function runChild(file, argv, nodeArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, file, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Where the Arkive child loads the worker's modules from: shared/dist (compiled, what the worker
 * runs; `auto` rebuilds it incrementally and uses it when no source is newer) or shared/src via tsx.
 */
function arkiveEngine(engine) {
  const src = { dir: path.join(ROOT, 'shared/src'), ext: '.ts', name: 'shared/src via tsx' };
  const dist = { dir: path.join(ROOT, 'shared/dist'), ext: '.js', name: 'shared/dist (compiled)' };
  if (engine === 'src') return src;
  if (engine === 'dist') return dist;
  spawnSync('npx', ['tsc', '-b', 'shared/tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  const stale = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
        const js = path.join(dist.dir, path.relative(src.dir, p)).replace(/\.ts$/, '.js');
        if (!fs.existsSync(js) || fs.statSync(js).mtimeMs < fs.statSync(p).mtimeMs) stale.push(p);
      }
    }
  };
  for (const d of ['archive', 'gallery', 'storage']) walk(path.join(src.dir, d));
  if (!stale.length) return dist;
  console.error(`shared/dist is stale (${path.relative(ROOT, stale[0])}…): running the sources through tsx`);
  return src;
}

exports.main = async function main(args) {
  require('tsx/cjs/api').register();
  const o = parseArgs(args);
  const { startGalleryS3 } = require('../../shared/src/test-support/gallery.ts');
  const { S3BlobStore } = require('../../shared/src/storage/s3-store.ts');
  const engine = arkiveEngine(o.engine);
  fs.mkdirSync(o.targetDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(o.targetDir, 'arkive-bench-gallery-'));
  const { s3, env } = await startGalleryS3({ parentDir: o.targetDir });
  const store = (bucket) =>
    new S3BlobStore({
      bucket,
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      verify: 'never',
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    });
  const images = store(env.GALLERY_IMAGES_BUCKET);
  const archives = store(env.GALLERY_ARCHIVES_BUCKET);
  try {
    const per = Math.floor((o.totalMb * 1048576) / o.images);
    const list = [];
    console.log(
      `seeding ${o.images} images of ~${(per / 1048576).toFixed(1)} MiB into s3rver at ${s3.endpoint} (${s3.directory}, ${fsType(s3.directory)})…`,
    );
    for (let i = 0; i < o.images; i++) {
      // sizes vary ±25 % around the mean, like a real shoot
      const size = Math.max(1024, Math.round(per * (0.75 + ((i * 37) % 50) / 100)));
      const body = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(size - 4)]);
      const key = `galleries/bench/images/${String(i).padStart(4, '0')}`;
      await images.put(key, body, { contentType: 'image/jpeg' });
      list.push({ key, name: `IMG_${String(i).padStart(4, '0')}.jpg`, size });
    }
    const bytes = list.reduce((n, i) => n + i.size, 0);
    const cfgFile = path.join(work, 'cfg.json');
    fs.writeFileSync(
      cfgFile,
      JSON.stringify({
        endpoint: s3.endpoint,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
        // the worker's settings: its stores and its concurrency come from these
        env: { ...env, GALLERY_ARCHIVE_CONCURRENCY: String(o.concurrency) },
        imagesBucket: env.GALLERY_IMAGES_BUCKET,
        archivesBucket: env.GALLERY_ARCHIVES_BUCKET,
        images: list,
        concurrency: o.concurrency,
        work,
        trace: o.trace,
        engine,
      }),
    );
    const samples = { arkive: [], naive: [], floor: [] };
    const load = () =>
      os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ');
    const loadStart = os.loadavg();
    for (let round = 0; round < o.repeat; round++) {
      for (const m of rotate(o.methods, round)) {
        const outKey = `bench/${m}-${round}.zip`;
        // Not spawnSync: s3rver serves from this process's event loop.
        const cpu0 = process.cpuUsage();
        const prof = o.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.join(o.cpuProf, m)] : [];
        const r = await runChild(path.join(__dirname, 'gallery-child.js'), [m, cfgFile, outKey], prof);
        const cpu = process.cpuUsage(cpu0);
        if (r.status !== 0) throw new Error(`${m} failed: ${r.stderr}`);
        const line = JSON.parse(r.stdout.trim().split('\n').pop());
        // untimed: the stored object is whole, then gone before the next run
        const head = await archives.head(outKey);
        const expected = m === 'floor' ? bytes : line.size;
        if (!head || head.size !== expected || line.size < bytes)
          throw new Error(
            `${m}: stored ${head?.size ?? 'nothing'} bytes, expected ${expected} (images ${bytes})`,
          );
        await archives.delete(outKey);
        const sample = { round, ...line, s3rverCpuS: (cpu.user + cpu.system) / 1e6 };
        samples[m].push(sample);
        console.log(
          `round ${round + 1}/${o.repeat} ${m.padEnd(6)} ${line.seconds.toFixed(2)} s  ${(bytes / 1048576 / line.seconds).toFixed(1)} MiB/s  ` +
            `max RSS ${line.maxRssMb.toFixed(0)} MiB  CPU ${line.cpuS.toFixed(1)} s, s3rver ${sample.s3rverCpuS.toFixed(1)} s  (load ${load()})`,
        );
        if (line.trace)
          console.log(
            `  S3 requests (count, total s): ${JSON.stringify(line.trace)}\n  memory MiB: at start ${line.rssAtStartMb}, peaks ${JSON.stringify(line.peakMb)}`,
          );
      }
    }
    const loadEnd = os.loadavg();
    if (o.methods.length < METHODS.length) {
      console.log(`--methods ${o.methods.join(',')}: a diagnostic run, no ratios, nothing written`);
      return;
    }
    const result = analyse(samples, o, loadStart, loadEnd);
    Object.assign(result, {
      suite: 'gallery',
      date: new Date().toISOString(),
      quick: o.quick,
      images: o.images,
      bytes,
      concurrency: o.concurrency,
      repeat: o.repeat,
      targetDir: o.targetDir,
      targetFs: fsType(s3.directory),
      engine: engine.name,
      cpus: os.availableParallelism(),
      loadAverage: { start: loadStart, end: loadEnd },
      targets: { speedupVsNaive: '>= 2', ratioToFloor: '<= 1.3', maxRssMb: '<= 200' },
    });
    result.met = {
      speedupVsNaive: result.speedupVsNaive.median >= 2,
      ratioToFloor: result.ratioToFloor.median <= 1.3,
      maxRssMb: result.methods.arkive.maxRssMb <= 200,
    };
    const summary =
      `gallery ${o.images} images, ${(bytes / 1048576).toFixed(0)} MiB (${result.targetFs}): Arkive ${result.methods.arkive.seconds.median.toFixed(2)} s; ` +
      `${result.speedupVsNaive.median.toFixed(2)}× faster than download + zip -0 + upload (target ≥ 2); ` +
      `${result.ratioToFloor.median.toFixed(2)}× the raw parallel copy (target ≤ 1.3); max RSS ${result.methods.arkive.maxRssMb.toFixed(0)} MiB (target ≤ 200)`;
    console.log(`\n${summary}`);
    if (result.busy) console.log(`NOT A RESULT: machine busy (${result.busyReasons.join('; ')})`);
    fs.mkdirSync(o.resultsDir, { recursive: true });
    const full = o.images === 400 && o.totalMb === 2048 && o.concurrency === 5;
    const base = path.join(
      o.resultsDir,
      o.quick ? 'gallery-quick' : full ? 'gallery' : `gallery-${o.images}x${o.totalMb}MiB-c${o.concurrency}`,
    );
    fs.writeFileSync(`${base}.json`, JSON.stringify(result, null, 2));
    fs.writeFileSync(`${base}.md`, report(result, summary, args));
    console.log(`wrote ${path.relative(ROOT, base)}.json and .md`);
  } finally {
    images.destroy();
    archives.destroy();
    await s3.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
};

function analyse(samples, o, loadStart, loadEnd) {
  const busyReasons = [];
  const cpus = os.availableParallelism();
  if (loadStart[0] > cpus)
    busyReasons.push(`load average ${loadStart[0].toFixed(1)} at start > ${cpus} cores`);
  if (loadEnd[0] > cpus) busyReasons.push(`load average ${loadEnd[0].toFixed(1)} at the end > ${cpus} cores`);
  const methods = {};
  for (const m of METHODS) {
    const xs = samples[m];
    const s = summarize(xs.map((x) => x.seconds));
    methods[m] = {
      seconds: s,
      maxRssMb: Math.max(...xs.map((x) => x.maxRssMb)),
      cpuS: summarize(xs.map((x) => x.cpuS)).median,
      s3rverCpuS: summarize(xs.map((x) => x.s3rverCpuS)).median,
      outputBytes: xs[0].size,
      samples: xs,
    };
    if (xs.length > 1 && s.spread > o.maxSpread)
      busyReasons.push(
        `${m}: spread ${(s.spread * 100).toFixed(0)} % of the median > ${(o.maxSpread * 100).toFixed(0)} %`,
      );
  }
  // per round: (a) seconds / Arkive seconds (> 1: Arkive faster); Arkive seconds / (b) seconds
  const perRound = (f) => {
    const xs = samples.arkive.map((a) => f(a, (m) => samples[m].find((x) => x.round === a.round).seconds));
    const s = summarize(xs);
    return { perRound: xs, min: s.min, median: s.median, max: s.max };
  };
  return {
    busy: busyReasons.length > 0,
    busyReasons,
    methods,
    speedupVsNaive: perRound((a, sec) => sec('naive') / a.seconds),
    ratioToFloor: perRound((a, sec) => a.seconds / sec('floor')),
    // what any method without a ZIP could gain over (a) here: bounds speedupVsNaive from above
    floorVsNaive: perRound((_a, sec) => sec('naive') / sec('floor')),
  };
}

function report(r, summary, args) {
  const f = (x) => x.toFixed(2);
  const rows = METHODS.map((m) => {
    const x = r.methods[m];
    return `| ${m} | ${f(x.seconds.median)} | ${f(x.seconds.min)}–${f(x.seconds.max)} | ${(x.seconds.spread * 100).toFixed(0)} % | ${(r.bytes / 1048576 / x.seconds.median).toFixed(0)} | ${x.maxRssMb.toFixed(0)} | ${x.cpuS.toFixed(1)} | ${x.s3rverCpuS.toFixed(1)} |`;
  });
  return [
    `# Gallery benchmark${r.quick ? ' (--quick)' : ''}`,
    '',
    `\`npm run bench -- gallery ${args.join(' ')}\`, ${r.date}: ${r.images} images, ${r.bytes} bytes, ` +
      `${r.concurrency} GETs in flight, ${r.repeat} interleaved rounds, Arkive from ${r.engine}, s3rver on ${r.targetFs} (${r.targetDir}), ` +
      `${r.cpus} cores, load average ${r.loadAverage.start[0].toFixed(2)} at start, ${r.loadAverage.end[0].toFixed(2)} at the end.`,
    '',
    r.busy ? `**NOT A RESULT: machine busy** (${r.busyReasons.join('; ')})` : 'Machine not flagged busy.',
    '',
    summary,
    '',
    '| method | median s | min–max s | spread | MiB/s | max RSS MiB | CPU s (child) | CPU s (s3rver) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Per round: (a) / Arkive ${r.speedupVsNaive.perRound.map(f).join(', ')} (target ≥ 2, ${r.met.speedupVsNaive ? 'met' : 'missed'}); ` +
      `Arkive / (b) ${r.ratioToFloor.perRound.map(f).join(', ')} (target ≤ 1.3, ${r.met.ratioToFloor ? 'met' : 'missed'}); ` +
      `Arkive max RSS ${r.methods.arkive.maxRssMb.toFixed(0)} MiB (target ≤ 200, ${r.met.maxRssMb ? 'met' : 'missed'}). ` +
      `The raw floor itself is ${r.floorVsNaive.perRound.map(f).join(', ')}× (a) per round: no method of these ` +
      `bytes on this server beats (a) by more. s3rver's CPU seconds against each run's wall time show whether it ` +
      `(one JS thread) is the bottleneck.`,
    '',
    'arkive: the gallery-archive worker code (uploadGalleryZip + HEAD check). naive (a): download all, `zip -0`, ' +
      'lib-storage upload, one after another (the CPU and RSS of the `zip` process are not counted). floor (b): ' +
      'parallel GETs into a lib-storage multipart PUT, no ZIP. s3rver serves all three from the parent process.',
    '',
  ].join('\n');
}

module.exports.parseArgs = parseArgs;
