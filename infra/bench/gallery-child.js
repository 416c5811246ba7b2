/**
 * One method of the gallery suite in its own process (so its max RSS and CPU are its own):
 * `node gallery-child.js <arkive|naive|floor> <config.json> <outKey>`. Prints one JSON line.
 * Modules are loaded before the clock starts; the clock stops when the upload is complete (and,
 * for Arkive, checked with a HEAD, as the worker does).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
const { Readable } = require('node:stream');

const now = () => Number(process.hrtime.bigint()) / 1e9;

/** Arkive: exactly the gallery-archive worker's path, its stores built from its settings. */
async function arkive(cfg, outKey) {
  // Only the modules the worker's archiving uses (not the whole shared index: Prisma, BullMQ…),
  // compiled (shared/dist, what the worker runs) or the sources through tsx (--engine).
  const { dir, ext } = cfg.engine;
  if (ext === '.ts') require('tsx/cjs/api').register();
  const { parseConfig } = require(path.join(dir, `config${ext}`));
  const { galleryStores } = require(path.join(dir, `gallery/stores${ext}`));
  const { uploadGalleryZip, checkStoredGalleryZip } = require(path.join(dir, `gallery/zip-to-bucket${ext}`));
  const config = parseConfig({ ...cfg.env, DATA_DIR: cfg.work });
  const stores = galleryStores(config);
  if (cfg.trace) for (const s of [stores.images, stores.archives]) traceRequests(s.client);
  const mtimeMs = Date.now();
  return async () => {
    const zip = await uploadGalleryZip({
      images: stores.images,
      archives: stores.archives,
      key: outKey,
      entries: cfg.images.map((img) => ({ name: img.name, size: img.size, mtimeMs, storageKey: img.key })),
      concurrency: config.galleries.archiveConcurrency,
      label: 'bench',
    });
    await checkStoredGalleryZip(stores.archives, outKey, zip);
    return { size: zip.size, concurrency: config.galleries.archiveConcurrency };
  };
}

/** --trace: count and time the S3 requests of a client by command (diagnostics only). */
const trace = {};
function traceRequests(client) {
  const send = client.send.bind(client);
  client.send = async (command, ...rest) => {
    const name = command.constructor.name.replace(/Command$/, '');
    const t = now();
    try {
      return await send(command, ...rest);
    } finally {
      const e = (trace[name] ??= [0, 0]);
      e[0]++;
      e[1] = Math.round((e[1] + now() - t) * 1000) / 1000;
    }
  };
}

function sdkClient(cfg) {
  const { S3Client } = require('@aws-sdk/client-s3');
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: cfg.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
  });
  if (cfg.trace) traceRequests(client);
  return client;
}

/** (a) one after another: download all, `zip -0`, SDK multipart upload (lib-storage defaults). */
async function naive(cfg, outKey) {
  const { GetObjectCommand } = require('@aws-sdk/client-s3');
  const { Upload } = require('@aws-sdk/lib-storage');
  const client = sdkClient(cfg);
  return async () => {
    const dir = path.join(cfg.work, `naive-${process.pid}`);
    const zipFile = path.join(cfg.work, `naive-${process.pid}.zip`);
    fs.mkdirSync(dir, { recursive: true });
    try {
      for (const img of cfg.images) {
        const res = await client.send(new GetObjectCommand({ Bucket: cfg.imagesBucket, Key: img.key }));
        await pipeline(res.Body, fs.createWriteStream(path.join(dir, img.name)));
      }
      const r = spawnSync('zip', ['-0', '-q', '-r', zipFile, '.'], { cwd: dir });
      if (r.status !== 0) throw new Error(`zip failed: ${r.stderr}`);
      const size = fs.statSync(zipFile).size;
      await new Upload({
        client,
        params: { Bucket: cfg.archivesBucket, Key: outKey, Body: fs.createReadStream(zipFile) },
      }).done();
      return { size };
    } finally {
      fs.rmSync(zipFile, { force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** (b) the raw floor: the same bytes with parallel GETs into one multipart PUT, no ZIP, no hash. */
async function floor(cfg, outKey) {
  const { GetObjectCommand } = require('@aws-sdk/client-s3');
  const { Upload } = require('@aws-sdk/lib-storage');
  const client = sdkClient(cfg);
  const get = async (img) => {
    const res = await client.send(new GetObjectCommand({ Bucket: cfg.imagesBucket, Key: img.key }));
    return Buffer.from(await res.Body.transformToByteArray());
  };
  return async () => {
    let size = 0;
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
    return { size };
  };
}

async function main() {
  const [method, cfgFile, outKey] = process.argv.slice(2);
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  const methods = { arkive, naive, floor };
  if (!methods[method]) throw new Error(`unknown method ${method}`);
  const run = await methods[method](cfg, outKey);
  const before = process.resourceUsage();
  const rssAtStart = process.memoryUsage().rss / 1048576;
  // --trace: peaks of the memory kinds, sampled every 100 ms
  const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sampler =
    cfg.trace &&
    setInterval(() => {
      const m = process.memoryUsage();
      for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], Math.round(m[k] / 1048576));
    }, 100);
  const t0 = now();
  const out = await run();
  const seconds = now() - t0;
  if (sampler) clearInterval(sampler);
  const after = process.resourceUsage();
  const cpuS = (after.userCPUTime - before.userCPUTime + after.systemCPUTime - before.systemCPUTime) / 1e6;
  // maxRSS is in KiB: the peak resident set of this process over its whole life
  const maxRssMb = after.maxRSS / 1024;
  const traced = cfg.trace ? { trace, rssAtStartMb: Math.round(rssAtStart), peakMb: peak } : {};
  process.stdout.write(`${JSON.stringify({ method, seconds, cpuS, maxRssMb, ...out, ...traced })}\n`);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
