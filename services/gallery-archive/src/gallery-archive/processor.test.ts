import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import {
  BaseWorker,
  EventPublisher,
  TERMINAL_EVENT_TYPES,
  createQueueProvider,
  galleryArchive,
  galleryStores,
  replayEvents,
  requestGalleryArchive,
  verifyArchive,
  type QueueProvider,
} from '@arkive/shared';
import { createTestWorld, waitFor, type TestWorld } from '@arkive/shared/test-support/harness';
import { describeServiceContract } from '@arkive/shared/test-support/service-contract';
import { fakeJpeg, seedGallery, sha256Hex, startGalleryS3 } from '@arkive/shared/test-support/gallery';
import type { TestS3Server } from '@arkive/shared/test-support/s3';
import { startSmtpServer, type TestSmtpServer } from '@arkive/shared/test-support/smtp';
import { entryNames, galleryArchiveProcessor } from './processor';

let s3: TestS3Server;
const env: Record<string, string> = {};
beforeAll(async () => {
  const started = await startGalleryS3();
  s3 = started.s3;
  Object.assign(env, started.env, { GALLERY_ARCHIVE_CONCURRENCY: '3' });
});
afterAll(() => s3?.close());

/** The ZIP's entries (name → SHA-256), read with Python's zipfile from a downloaded copy. */
async function zipContents(config: TestWorld['config'], key: string): Promise<Record<string, string>> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gallery-zip-'));
  const file = path.join(dir, 'a.zip');
  try {
    await pipeline(await galleryStores(config).archives.get(key), createWriteStream(file));
    await verifyArchive(file);
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync('python3', [
      '-c',
      'import zipfile,sys,hashlib,json\nz=zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({i.filename:hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist() if not i.filename.startswith(".arkive-manifest")}))',
      file,
    ]);
    return JSON.parse(out.toString()) as Record<string, string>;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

let galleries = 0;
describeServiceContract({
  name: 'gallery-archive',
  kind: galleryArchive,
  processors: () => [galleryArchiveProcessor],
  workerModule: path.join(__dirname, '..', 'test-support', 'contract-processors.ts'),
  env,
  async setup(world) {
    const images: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) images[`photo-${i}.jpg`] = fakeJpeg(300_000 + i);
    const { gallery, images: rows } = await seedGallery(world.prisma, world.config, {
      owner: `contract-${++galleries}`,
      images,
    });
    const ids = rows.map((r) => r.id).sort();
    const archive = await world.prisma.galleryArchive.create({
      data: {
        galleryId: gallery.id,
        version: 1,
        imagesHash: sha256Hex(Buffer.from(ids.join('\n'))),
        imageIds: ids,
        imageCount: ids.length,
        storagePath: `galleries/${gallery.id}/archives/1.zip`,
      },
    });
    return { payload: { galleryId: gallery.id, archiveId: archive.id } };
  },
  async expectComplete({ world, payload, result }) {
    const row = await world.prisma.galleryArchive.findUniqueOrThrow({ where: { id: payload.archiveId } });
    expect(row.status).toBe('completed');
    expect(row.checksum).toBe(result.sha256);
    // Retention starts at completion (GALLERY_ARCHIVE_RETENTION_DAYS, default 730).
    expect(row.expiresAt!.getTime() - row.completedAt!.getTime()).toBe(730 * 86_400_000);
    expect(Object.keys(await zipContents(world.config, result.storagePath))).toHaveLength(6);
  },
  async capture(world, payload) {
    const keys: string[] = [];
    for await (const o of galleryStores(world.config).archives.listAll(`galleries/${payload.galleryId}/`))
      keys.push(o.key);
    const completed = await world.prisma.galleryArchive.count({
      where: { galleryId: payload.galleryId, status: 'completed' },
    });
    return { keys, completed };
  },
});

describe('gallery-archive processor', () => {
  let world: TestWorld;
  let queues: QueueProvider;
  let publisher: EventPublisher;
  let worker: BaseWorker;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    world = await createTestWorld({ ...env, SMTP_URL: smtp.url, PUBLIC_URL: 'https://photos.example.com' });
    queues = createQueueProvider(world.redis, world.prefix);
    publisher = new EventPublisher(world.redis, world.prefix);
    worker = new BaseWorker({
      queue: 'gallery-archive',
      processors: [galleryArchiveProcessor],
      config: world.config,
      prisma: world.prisma,
      connection: world.redis,
    });
    worker.start();
    await worker.waitUntilReady();
  });
  afterAll(async () => {
    await worker?.close(100);
    await queues?.closeAll();
    await world?.close();
    await smtp?.stop();
  });

  const deps = () => ({ prisma: world.prisma, publisher, queues, config: world.config });
  const finished = async (operationId: string, channel: string) =>
    waitFor(async () => {
      const evs = (await replayEvents(world.redis, world.prefix, channel)).filter(
        (e) => e.operationId === operationId,
      );
      return evs.some((e) => TERMINAL_EVENT_TYPES.has(e.type)) ? evs : null;
    }, 45_000);

  it('zips exactly the images (stored), reports images and bytes, and e-mails each client once', async () => {
    const images: Record<string, Buffer> = {
      'b.jpg': fakeJpeg(1_500_000),
      'a.jpg': fakeJpeg(700_000),
      'c.jpg': fakeJpeg(10),
    };
    const { gallery } = await seedGallery(world.prisma, world.config, {
      owner: 'ann',
      title: 'Wedding',
      images,
      clients: ['c1@example.com', 'c2@example.com'],
    });
    await world.prisma.galleryClient.create({
      data: { galleryId: gallery.id, email: 'quiet@example.com', notifyOnArchive: false },
    });
    const r = await requestGalleryArchive(deps(), gallery.id, { createdBy: 'ann' });
    expect(r.channel).toBe(`gallery:${gallery.id}:archive`);
    const events = await finished(r.operationId!, r.channel);
    expect(events.at(-1)?.type).toBe('ARCHIVE_COMPLETE');
    const progress = events.filter((e) => e.progress?.unit === 'bytes');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)?.progress?.total).toBe(2_200_010);

    const row = await world.prisma.galleryArchive.findUniqueOrThrow({ where: { id: r.archive.id } });
    expect(row).toMatchObject({ status: 'completed', imageCount: 3, emailSent: true });
    expect(row.storagePath).toBe(`galleries/${gallery.id}/archives/1.zip`);
    const head = await galleryStores(world.config).archives.head(row.storagePath);
    expect(head?.size).toBe(Number(row.fileSizeBytes));
    expect(head?.sha256).toBe(row.checksum);
    const contents = await zipContents(world.config, row.storagePath);
    expect(contents).toEqual(Object.fromEntries(Object.entries(images).map(([n, b]) => [n, sha256Hex(b)])));
    // JPEGs are stored: the ZIP is barely larger than the images.
    expect(Number(row.fileSizeBytes)).toBeLessThan(2_200_010 + 4096);

    const mails = await waitFor(() => (smtp.messages.length >= 2 ? smtp.messages : null));
    expect(mails.flatMap((m) => m.to).sort()).toEqual(['c1@example.com', 'c2@example.com']);
    expect(mails[0].subject).toContain('Wedding');
    const body = mails[0].raw
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    expect(body).toContain(`https://photos.example.com/api/download/${row.id}?token=`);
    const sent = await world.prisma.galleryArchiveEmail.findMany({ where: { archiveId: row.id } });
    expect(sent.map((s) => s.status)).toEqual(['sent', 'sent']);
  });

  it('SMTP down: the archive completes and each failed e-mail is recorded', async () => {
    const down = await startSmtpServer();
    await down.stop();
    const prev = world.config.smtpUrl;
    world.config.smtpUrl = down.url;
    try {
      const { gallery } = await seedGallery(world.prisma, world.config, {
        owner: 'bea',
        images: { 'x.jpg': fakeJpeg(5000) },
        clients: ['client@example.com'],
      });
      const r = await requestGalleryArchive(deps(), gallery.id, { createdBy: 'bea' });
      const events = await finished(r.operationId!, r.channel);
      expect(events.at(-1)?.type).toBe('ARCHIVE_COMPLETE');
      const row = await world.prisma.galleryArchive.findUniqueOrThrow({ where: { id: r.archive.id } });
      expect(row).toMatchObject({ status: 'completed', emailSent: false });
      const emails = await world.prisma.galleryArchiveEmail.findMany({ where: { archiveId: row.id } });
      expect(emails).toHaveLength(1);
      expect(emails[0]).toMatchObject({ email: 'client@example.com', status: 'failed', transport: 'smtp' });
      expect(emails[0].error).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      world.config.smtpUrl = prev;
    }
  });

  it('an image missing from the bucket fails the archive with its error, recorded on the row', async () => {
    const { gallery, images, stores } = await seedGallery(world.prisma, world.config, {
      owner: 'cid',
      images: { 'gone.jpg': fakeJpeg(1000) },
    });
    await stores.images.delete(images[0].storageKey);
    const r = await requestGalleryArchive(deps(), gallery.id, { createdBy: 'cid' });
    const events = await finished(r.operationId!, r.channel);
    expect(events.at(-1)?.type).toBe('EXCEPTION');
    const row = await world.prisma.galleryArchive.findUniqueOrThrow({ where: { id: r.archive.id } });
    expect(row.status).toBe('failed');
    expect(row.errorMessage).toBeTruthy();
  });

  it('gives duplicate names distinct entries', () => {
    expect(entryNames(['a.jpg', 'A.jpg', 'a.jpg', '../x.jpg', ''])).toEqual([
      'a.jpg',
      'A (2).jpg',
      'a (3).jpg',
      '__x.jpg',
      'image',
    ]);
  });
});
