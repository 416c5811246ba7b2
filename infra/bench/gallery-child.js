/**
 * One method of the gallery suite in its own process (so its max RSS is its own):
 * `node gallery-child.js <arkive|naive|floor> <config.json>`. Prints one JSON line.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
const { Readable } = require('node:stream');

require('tsx/cjs/api').register();

const now = () => Number(process.hrtime.bigint()) / 1e9;

async function main() {
  const [method, cfgFile] = process.argv.slice(2);
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');
  const { Upload } = require('@aws-sdk/lib-storage');
  const s3opts = {
    region: 'us-east-1',
    endpoint: cfg.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
  };
  const outKey = `bench/${method}-${process.pid}.zip`;
  const t0 = now();
  let size = 0;
  if (method === 'arkive') {
    // Only the modules the worker's archiving uses (not the whole shared index: Prisma, BullMQ…).
    const { S3BlobStore } = require('../../shared/src/storage/s3-store.ts');
    const { createZipStream } = require('../../shared/src/archive/stream-zip.ts');
    // The worker's path: createZipStream over parallel GETs → S3BlobStore multipart put → HEAD.
    const images = new S3BlobStore({ bucket: cfg.imagesBucket, ...s3opts, ...cfg.creds });
    const archives = new S3BlobStore({
      bucket: cfg.archivesBucket,
      ...s3opts,
      ...cfg.creds,
      verify: 'never',
    });
    const entries = cfg.images.map((img) => ({
      name: img.name,
      size: img.size,
      mtimeMs: Date.now(),
      open: (signal) => images.get(img.key, { signal }),
    }));
    const { stream, done } = createZipStream({ entries, kind: 'gallery', concurrency: cfg.concurrency });
    const put = await archives.put(outKey, stream, { contentType: 'application/zip' });
    const zip = await done;
    const head = await archives.head(outKey);
    if (!head || head.size !== zip.size || put.sha256 !== zip.sha256) throw new Error('verification failed');
    size = zip.size;
  } else if (method === 'naive') {
    // (a) one after another: download all, zip -0, SDK multipart upload (lib-storage defaults).
    const client = new S3Client({ ...s3opts, ...cfg.sdkCreds });
    const dir = path.join(cfg.work, `naive-${process.pid}`);
    fs.mkdirSync(dir, { recursive: true });
    try {
      for (const img of cfg.images) {
        const res = await client.send(new GetObjectCommand({ Bucket: cfg.imagesBucket, Key: img.key }));
        await pipeline(res.Body, fs.createWriteStream(path.join(dir, img.name)));
      }
      const zipFile = path.join(cfg.work, `naive-${process.pid}.zip`);
      const r = spawnSync('zip', ['-0', '-q', '-r', zipFile, '.'], { cwd: dir });
      if (r.status !== 0) throw new Error(`zip failed: ${r.stderr}`);
      size = fs.statSync(zipFile).size;
      await new Upload({
        client,
        params: { Bucket: cfg.archivesBucket, Key: outKey, Body: fs.createReadStream(zipFile) },
      }).done();
      fs.rmSync(zipFile, { force: true });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } else if (method === 'floor') {
    // (b) the raw floor: the same bytes with parallel GETs into one multipart PUT, no ZIP.
    const client = new S3Client({ ...s3opts, ...cfg.sdkCreds });
    const get = async (img) => {
      const res = await client.send(new GetObjectCommand({ Bucket: cfg.imagesBucket, Key: img.key }));
      return Buffer.from(await res.Body.transformToByteArray());
    };
    async function* bodies() {
      const inFlight = [];
      let next = 0;
      while (inFlight.length < cfg.concurrency && next < cfg.images.length)
        inFlight.push(get(cfg.images[next++]));
      while (inFlight.length) {
        const b = await inFlight.shift();
        if (next < cfg.images.length) inFlight.push(get(cfg.images[next++]));
        size += b.length;
        yield b;
      }
    }
    await new Upload({
      client,
      params: { Bucket: cfg.archivesBucket, Key: outKey, Body: Readable.from(bodies()) },
      queueSize: 4,
      partSize: 8 << 20,
    }).done();
  } else throw new Error(`unknown method ${method}`);
  const seconds = now() - t0;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ method, seconds, size, maxRssMb })}\n`);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
