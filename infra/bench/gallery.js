/**
 * Gallery suite: `npm run bench -- gallery [--quick] [--images 400] [--total-mb 2048] [--repeat 1]`.
 * A gallery of N JPEG-like images (random bytes behind a JPEG signature: incompressible, stored) in
 * one s3rver bucket, archived into another bucket by three methods, each in its own process and
 * interleaved per round: Arkive's worker path (createZipStream with parallel GETs → multipart put →
 * HEAD), (a) download all + `zip -0` + SDK multipart upload one after another, and (b) the raw floor
 * of the same bytes: parallel GETs into a multipart PUT without a ZIP. Reports medians, ratios and
 * max RSS; writes bench-results/gallery.json. --quick: 40 images, 80 MiB (proves it runs).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

function parseArgs(args) {
  const o = { images: 400, totalMb: 2048, repeat: 1, concurrency: 5, quick: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--quick') Object.assign(o, { quick: true, images: 40, totalMb: 80 });
    else if (a === '--images') o.images = Number(args[++i]);
    else if (a === '--total-mb') o.totalMb = Number(args[++i]);
    else if (a === '--repeat') o.repeat = Number(args[++i]);
    else if (a === '--concurrency') o.concurrency = Number(args[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function runChild(file, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

exports.main = async function main(args) {
  require('tsx/cjs/api').register();
  const o = parseArgs(args);
  const { startGalleryS3 } = require('../../shared/src/test-support/gallery.ts');
  const { S3BlobStore } = require('../../shared/src/storage/index.ts');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-bench-gallery-'));
  const { s3, env } = await startGalleryS3();
  try {
    const creds = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    const images = new S3BlobStore({
      bucket: env.GALLERY_IMAGES_BUCKET,
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      verify: 'never',
      ...creds,
    });
    const per = Math.floor((o.totalMb << 20) / o.images);
    const list = [];
    console.log(
      `seeding ${o.images} images of ~${(per / 1048576).toFixed(1)} MiB into s3rver at ${s3.endpoint}…`,
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
        ...creds,
        sdkCreds: { credentials: creds },
        creds,
        imagesBucket: env.GALLERY_IMAGES_BUCKET,
        archivesBucket: env.GALLERY_ARCHIVES_BUCKET,
        images: list,
        concurrency: o.concurrency,
        work,
      }),
    );
    const runs = { arkive: [], naive: [], floor: [] };
    const load = () =>
      os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ');
    for (let round = 0; round < o.repeat; round++) {
      // interleaved, rotating who goes first
      const order = ['arkive', 'naive', 'floor'];
      for (let k = 0; k < round % 3; k++) order.push(order.shift());
      for (const m of order) {
        // Not spawnSync: s3rver serves from this process's event loop.
        const r = await runChild(path.join(__dirname, 'gallery-child.js'), [m, cfgFile]);
        if (r.status !== 0) throw new Error(`${m} failed: ${r.stderr}`);
        const line = JSON.parse(r.stdout.trim().split('\n').pop());
        runs[m].push(line);
        console.log(
          `round ${round + 1} ${m.padEnd(6)} ${line.seconds.toFixed(2)} s  ${(bytes / 1048576 / line.seconds).toFixed(1)} MiB/s  max RSS ${line.maxRssMb.toFixed(0)} MB  (load ${load()})`,
        );
      }
    }
    const med = (m) => median(runs[m].map((r) => r.seconds));
    const spread = (m) => {
      const s = runs[m].map((r) => r.seconds);
      return [Math.min(...s), Math.max(...s)];
    };
    const result = {
      suite: 'gallery',
      quick: o.quick,
      images: o.images,
      bytes,
      concurrency: o.concurrency,
      repeat: o.repeat,
      cpus: os.cpus().length,
      loadAverageAfter: os.loadavg(),
      seconds: { arkive: med('arkive'), naive: med('naive'), floor: med('floor') },
      spread: { arkive: spread('arkive'), naive: spread('naive'), floor: spread('floor') },
      maxRssMb: {
        arkive: Math.max(...runs.arkive.map((r) => r.maxRssMb)),
        naive: Math.max(...runs.naive.map((r) => r.maxRssMb)),
        floor: Math.max(...runs.floor.map((r) => r.maxRssMb)),
      },
      speedupVsNaive: med('naive') / med('arkive'),
      ratioToFloor: med('arkive') / med('floor'),
      targets: { speedupVsNaive: '>= 2', ratioToFloor: '<= 1.3', maxRssMb: '<= 200' },
    };
    console.log(
      `\ngallery ${o.images} images, ${(bytes / 1048576).toFixed(0)} MiB: Arkive ${result.seconds.arkive.toFixed(2)} s; ` +
        `${result.speedupVsNaive.toFixed(2)}× faster than download + zip -0 + upload; ` +
        `${result.ratioToFloor.toFixed(2)}× the raw parallel copy; max RSS ${result.maxRssMb.arkive.toFixed(0)} MB`,
    );
    fs.mkdirSync(path.resolve(__dirname, '../../bench-results'), { recursive: true });
    fs.writeFileSync(
      path.resolve(__dirname, '../../bench-results/gallery.json'),
      JSON.stringify(result, null, 2),
    );
  } finally {
    await s3.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
};
