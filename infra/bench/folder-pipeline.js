/**
 * Folder pipeline suite: `npm run bench -- folder-pipeline [--size-mb 1024] [--files 16] [--keep]`.
 * One folder of N MiB (half random, half compressible text) through Arkive's own steps — streaming
 * copy, 7z a, 7z t, local SHA-256, S3 multipart put with declared SHA-256, verification (HEAD, LIST,
 * SHA-256 read back) — against the raw tools run by hand: `cp -a`, `7z a`, `7z t`, and an AWS SDK
 * upload (lib-storage Upload, defaults) to the same local s3rver. Prints seconds, MB/s and ratios.
 */
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const BENCH_DIR = '/tmp/arkive-bench/folder-pipeline';

function parseArgs(args) {
  const o = { sizeMb: 1024, files: 16, keep: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--size-mb') o.sizeMb = Number(args[++i]);
    else if (a === '--files') o.files = Number(args[++i]);
    else if (a === '--keep') o.keep = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

function ensureFolder(o) {
  const dir = path.join(BENCH_DIR, `src-${o.sizeMb}m-${o.files}`, 'Cat', 'Sub', 'Folder');
  const done = path.join(BENCH_DIR, `src-${o.sizeMb}m-${o.files}`, '.complete');
  if (fs.existsSync(done)) return dir;
  fs.rmSync(path.dirname(path.dirname(path.dirname(dir))), { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'media'), { recursive: true });
  const per = Math.floor((o.sizeMb << 20) / o.files);
  const words = Buffer.from(
    'the quick brown fox jumps over the lazy dog 0123456789 lorem ipsum dolor sit amet\n'.repeat(1 << 12),
  );
  for (let i = 0; i < o.files; i++) {
    const fd = fs.openSync(path.join(dir, i % 2 ? 'media' : '', `file${i}.${i % 2 ? 'mp4' : 'log'}`), 'w');
    for (let left = per; left > 0;) {
      const n = Math.min(left, 4 << 20);
      const chunk = i % 2 ? crypto.randomBytes(n) : words.subarray(0, Math.min(n, words.length));
      fs.writeSync(fd, chunk, 0, Math.min(n, chunk.length));
      left -= Math.min(n, chunk.length);
    }
    fs.closeSync(fd);
  }
  fs.writeFileSync(done, '');
  return dir;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;
async function timed(fn) {
  const t = now();
  const r = await fn();
  return { s: now() - t, r };
}
function sh(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
}

exports.main = async function main(args) {
  require('tsx/cjs/api').register();
  const o = parseArgs(args);
  const { startS3Server } = require('../../shared/src/test-support/s3.ts');
  const { S3BlobStore } = require('../../shared/src/storage/index.ts');
  const { sha256File } = require('../../shared/src/folders/retry.ts');
  const { copyTree } = require('../../services/compress/src/folder-archive/copy.ts');
  const { sevenZipAdd, sevenZipTest } = require('../../services/compress/src/folder-archive/seven-zip.ts');
  const { S3Client } = require('@aws-sdk/client-s3');
  const { Upload } = require('@aws-sdk/lib-storage');

  const src = ensureFolder(o);
  const bytes = o.sizeMb << 20;
  const work = path.join(BENCH_DIR, `work-${process.pid}`);
  fs.mkdirSync(work, { recursive: true });
  const s3 = await startS3Server();
  const load = () => require('node:os').loadavg()[0].toFixed(1);
  console.log(
    `folder ${src}: ${o.sizeMb} MiB in ${o.files} files; s3rver at ${s3.endpoint}; load average ${load()}`,
  );
  try {
    // Raw tools by hand.
    const raw = {};
    raw.copy = (await timed(() => sh('cp', ['-a', src, path.join(work, 'raw-copy')]))).s;
    // cp -a copied the folder to work/raw-copy: archive that.
    raw.compress = (
      await timed(() =>
        sh('7z', ['a', '-t7z', '-mx1', '-mmt=on', path.join(work, 'raw.tar.7z'), 'raw-copy'], { cwd: work }),
      )
    ).s;
    raw.test = (await timed(() => sh('7z', ['t', path.join(work, 'raw.tar.7z')]))).s;
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    raw.upload = (
      await timed(() =>
        new Upload({
          client,
          params: {
            Bucket: s3.bucket,
            Key: 'raw/Folder.tar.7z',
            Body: fs.createReadStream(path.join(work, 'raw.tar.7z')),
          },
        }).done(),
      )
    ).s;
    client.destroy();
    fs.rmSync(path.join(work, 'raw-copy'), { recursive: true, force: true });

    // Arkive's steps (the same functions the compress and upload-verify processors call).
    const ours = {};
    const temp = path.join(work, 'temp', 'Folder');
    const archive = path.join(work, 'archives', 'Folder.tar.7z');
    fs.mkdirSync(path.dirname(archive), { recursive: true });
    let lastPct = 0;
    ours.copy = (
      await timed(() => copyTree(src, temp, { onProgress: (p) => (lastPct = p.bytes / p.totalBytes) }))
    ).s;
    ours.compress = (
      await timed(() => sevenZipAdd(archive, path.dirname(temp), 'Folder', { onPercent: () => undefined }))
    ).s;
    ours.test = (await timed(() => sevenZipTest(archive, { onPercent: () => undefined }))).s;
    fs.rmSync(path.dirname(temp), { recursive: true, force: true });
    const size = fs.statSync(archive).size;
    const hash = await timed(() => sha256File(archive));
    ours.hash = hash.s;
    const store = new S3BlobStore({
      bucket: s3.bucket,
      region: s3.region,
      endpoint: s3.endpoint,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
      verify: 'never',
    }); // as the upload processor (it verifies itself)
    ours.upload = (
      await timed(() =>
        store.put('Cat/Sub/Folder.tar.7z', fs.createReadStream(archive, { highWaterMark: 1 << 20 }), {
          size,
          sha256: hash.r,
          onProgress: () => undefined,
        }),
      )
    ).s;
    ours.verify = (
      await timed(async () => {
        const head = await store.head('Cat/Sub/Folder.tar.7z');
        if (!head || head.size !== size) throw new Error('size mismatch');
        for await (const it of store.listAll('Cat/Sub/Folder.tar.7z'))
          if (it.key === 'Cat/Sub/Folder.tar.7z' && it.size !== size) throw new Error('list mismatch');
        if ((await store.sha256('Cat/Sub/Folder.tar.7z')) !== hash.r) throw new Error('sha mismatch');
      })
    ).s;
    if (lastPct < 1) throw new Error('copy progress did not reach 100%');

    const mbps = (s, b = bytes) => (b / (1 << 20) / s).toFixed(1);
    const rows = [
      ['copy', raw.copy, ours.copy, bytes],
      ['7z a', raw.compress, ours.compress, bytes],
      ['7z t', raw.test, ours.test, size],
      ['upload', raw.upload, ours.upload, size],
    ];
    console.log(
      `archive ${(size / (1 << 20)).toFixed(1)} MiB (${((size / bytes) * 100).toFixed(1)} % of the folder)`,
    );
    console.log('step      raw s   arkive s   arkive/raw   arkive MB/s');
    for (const [name, r, a, b] of rows)
      console.log(
        `${name.padEnd(8)} ${r.toFixed(2).padStart(7)} ${a.toFixed(2).padStart(10)} ${(a / r).toFixed(2).padStart(12)} ${mbps(a, b).padStart(13)}`,
      );
    const rawTotal = raw.copy + raw.compress + raw.test + raw.upload;
    const oursSame = ours.copy + ours.compress + ours.test + ours.upload;
    const oursAll = oursSame + ours.hash + ours.verify;
    console.log(
      `extra (arkive only): local SHA-256 ${ours.hash.toFixed(2)} s, verification (HEAD+LIST+SHA-256 read-back) ${ours.verify.toFixed(2)} s`,
    );
    console.log(
      `total raw ${rawTotal.toFixed(2)} s | arkive same steps ${oursSame.toFixed(2)} s (ratio ${(oursSame / rawTotal).toFixed(2)}) | arkive incl. hash+verify ${oursAll.toFixed(2)} s (ratio ${(oursAll / rawTotal).toFixed(2)})`,
    );
    console.log(
      `end-to-end throughput: raw ${mbps(rawTotal)} MB/s, arkive ${mbps(oursAll)} MB/s; load average ${load()}`,
    );
    fs.mkdirSync(path.resolve(__dirname, '../../bench-results'), { recursive: true });
    fs.writeFileSync(
      path.resolve(__dirname, '../../bench-results/folder-pipeline.json'),
      JSON.stringify(
        { sizeMb: o.sizeMb, archiveBytes: size, raw, ours, rawTotal, oursSame, oursAll },
        null,
        2,
      ),
    );
  } finally {
    await s3.close();
    if (!o.keep) fs.rmSync(work, { recursive: true, force: true });
  }
};
