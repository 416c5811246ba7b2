import request from 'supertest';
import { signDownloadToken } from '@arkive/shared';
import { fakeJpeg, sha256Hex, startGalleryS3 } from '@arkive/shared/test-support/gallery';
import type { TestS3Server } from '@arkive/shared/test-support/s3';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeUser, type TestUser } from '../../test-support/users';
import { cleanName } from './images-upload';

let s3: TestS3Server;
let api: ApiWorld;
let ann: TestUser;
let bob: TestUser;
let admin: TestUser;

beforeAll(async () => {
  const started = await startGalleryS3();
  s3 = started.s3;
  api = await createApiWorld({ ...started.env, GALLERY_MAX_IMAGE_BYTES: String(2 << 20) });
  ann = await makeUser(api, 'ann');
  bob = await makeUser(api, 'bob');
  admin = await makeUser(api, 'root', { isAdmin: true });
});
afterAll(async () => {
  await api?.close();
  await s3?.close();
});

const newGallery = async (user: TestUser, body: Record<string, unknown> = { title: 'Wedding' }) =>
  (await request(api.app).post('/api/galleries').set(user.auth).send(body).expect(201)).body.id as string;

const upload = (user: TestUser, id: string, files: Record<string, Buffer>) => {
  let r = request(api.app).post(`/api/galleries/${id}/images`).set(user.auth);
  for (const [name, data] of Object.entries(files)) r = r.attach('files', data, name);
  return r;
};

describe('galleries API', () => {
  it('creates, lists, reads and deletes a gallery; images stream to the bucket with size and SHA-256', async () => {
    const id = await newGallery(ann);
    const a = fakeJpeg(1_200_000);
    const b = fakeJpeg(3000);
    const up = await upload(ann, id, { 'a.jpg': a, 'b.jpg': b }).expect(201);
    expect(up.body.images.map((i: { name: string }) => i.name)).toEqual(['a.jpg', 'b.jpg']);
    expect(up.body.images[0]).toMatchObject({ size: a.length, sha256: sha256Hex(a) });
    // Same name again: kept apart, never overwritten.
    const again = await upload(ann, id, { 'a.jpg': b }).expect(201);
    expect(again.body.images[0].name).toBe('a (2).jpg');

    const got = await request(api.app).get(`/api/galleries/${id}`).set(ann.auth).expect(200);
    expect(got.body).toMatchObject({
      id,
      title: 'Wedding',
      image_count: 3,
      archive_status: 'none',
      archive: null,
    });
    expect(got.body.channel).toBe(`gallery:${id}:archive`);
    const file = await request(api.app)
      .get(`/api/galleries/${id}/images/${up.body.images[0].id}/file`)
      .set(ann.auth)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(sha256Hex(file.body as Buffer)).toBe(sha256Hex(a));

    const list = await request(api.app).get('/api/galleries').set(ann.auth).expect(200);
    expect(list.body.items.map((g: { id: string }) => g.id)).toContain(id);
    expect(
      (await request(api.app).get('/api/galleries').set(admin.auth).expect(200)).body.total,
    ).toBeGreaterThan(0);

    await request(api.app)
      .delete(`/api/galleries/${id}/images/${up.body.images[1].id}`)
      .set(ann.auth)
      .expect(204);
    expect((await request(api.app).get(`/api/galleries/${id}`).set(ann.auth)).body.image_count).toBe(2);
    await request(api.app).delete(`/api/galleries/${id}`).set(ann.auth).expect(204);
    await request(api.app).get(`/api/galleries/${id}`).set(ann.auth).expect(404);
  });

  it('refuses a non-image upload by its content (whatever its name), and one over the size limit', async () => {
    const id = await newGallery(ann);
    const r = await upload(ann, id, {
      'ok.jpg': fakeJpeg(100),
      'evil.jpg': Buffer.from('#!/bin/sh\necho hi\n'),
    });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('UNSUPPORTED_IMAGE_TYPE');
    expect(r.body.error.message).toContain('evil.jpg');
    const big = await upload(ann, id, { 'big.jpg': fakeJpeg(3 << 20) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('IMAGE_TOO_LARGE');
    // Nothing of the refused requests stays: no rows, no objects.
    expect((await request(api.app).get(`/api/galleries/${id}`).set(ann.auth)).body.image_count).toBe(0);
    const keys: string[] = [];
    const { galleryStores } = await import('@arkive/shared');
    for await (const o of galleryStores(api.world.config).images.listAll(`galleries/${id}/`))
      keys.push(o.key);
    expect(keys).toEqual([]);
    const json = await request(api.app).post(`/api/galleries/${id}/images`).set(ann.auth).send({ files: [] });
    expect(json.status).toBe(415);
  });

  it('a stranger cannot read, change or publish another user’s gallery (404 everywhere)', async () => {
    const id = await newGallery(ann);
    await upload(ann, id, { 'a.jpg': fakeJpeg(100) }).expect(201);
    for (const [method, path, body] of [
      ['get', `/api/galleries/${id}`, undefined],
      ['delete', `/api/galleries/${id}`, undefined],
      ['post', `/api/galleries/${id}/publish`, {}],
      ['post', `/api/galleries/${id}/clients`, { email: 'x@example.com' }],
    ] as const) {
      const r = await request(api.app)[method](path).set(bob.auth).send(body);
      expect([r.status, r.body.error?.code]).toEqual([404, 'GALLERY_NOT_FOUND']);
    }
    const up = await upload(bob, id, { 'b.jpg': fakeJpeg(100) });
    expect([up.status, up.body.error?.code]).toEqual([404, 'GALLERY_NOT_FOUND']);
    const list = await request(api.app).get('/api/galleries').set(bob.auth).expect(200);
    expect(list.body.items.map((g: { id: string }) => g.id)).not.toContain(id);
    await request(api.app).get(`/api/galleries/${id}`).set(admin.auth).expect(200);
    await request(api.app).get(`/api/galleries/${id}`).expect(401);
  });

  it('publish: the same set twice is one archive and one job; a changed set is a new version', async () => {
    const id = await newGallery(ann);
    await request(api.app).post(`/api/galleries/${id}/publish`).set(ann.auth).expect(422);
    await upload(ann, id, { 'a.jpg': fakeJpeg(100), 'b.jpg': fakeJpeg(200) }).expect(201);
    const first = await request(api.app).post(`/api/galleries/${id}/publish`).set(ann.auth).expect(202);
    expect(first.body).toMatchObject({ channel: `gallery:${id}:archive`, version: 1, reused: false });
    const second = await request(api.app).post(`/api/galleries/${id}/publish`).set(ann.auth).expect(202);
    expect(second.body).toMatchObject({
      archiveId: first.body.archiveId,
      operationId: first.body.operationId,
      reused: true,
    });
    // Concurrent publishes of one set still make one archive.
    const many = await Promise.all(
      [1, 2, 3].map(() => request(api.app).post(`/api/galleries/${id}/publish`).set(ann.auth)),
    );
    expect(new Set(many.map((r) => r.body.archiveId))).toEqual(new Set([first.body.archiveId]));
    expect(await api.world.prisma.operation.count({ where: { scopeId: id, kind: 'gallery-archive' } })).toBe(
      1,
    );
    const op = await api.world.prisma.operation.findUniqueOrThrow({ where: { id: first.body.operationId } });
    expect(op.createdBy).toBe('ann');
    const state = await request(api.app).get(`/api/galleries/${id}`).set(ann.auth).expect(200);
    expect(state.body.archive_status).toBe('pending');

    await upload(ann, id, { 'c.jpg': fakeJpeg(300) }).expect(201);
    expect((await request(api.app).get(`/api/galleries/${id}`).set(ann.auth)).body.archive_status).toBe(
      'outdated',
    );
    const third = await request(api.app).post(`/api/galleries/${id}/publish`).set(ann.auth).expect(202);
    expect(third.body).toMatchObject({ version: 2, reused: false });
    expect(third.body.archiveId).not.toBe(first.body.archiveId);
    const row = await api.world.prisma.galleryArchive.findUniqueOrThrow({
      where: { id: third.body.archiveId },
    });
    expect(row).toMatchObject({ imageCount: 3, storagePath: `galleries/${id}/archives/2.zip` });
  });

  it('public download: unknown gallery 404, password required and wrong password refused, throttled', async () => {
    const id = await newGallery(ann, { title: 'Secret', password: 'open sesame' });
    await upload(ann, id, { 'a.jpg': fakeJpeg(100) }).expect(201);
    const missing = await request(api.app).get(
      `/api/galleries/00000000-0000-4000-8000-000000000000/download`,
    );
    expect([missing.status, missing.body.error.code]).toEqual([404, 'GALLERY_NOT_FOUND']);
    const none = await request(api.app).get(`/api/galleries/${id}/download`);
    expect([none.status, none.body.error.code]).toEqual([401, 'GALLERY_PASSWORD_REQUIRED']);
    const wrong = await request(api.app)
      .get(`/api/galleries/${id}/download`)
      .set('X-Gallery-Password', 'nope');
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'GALLERY_PASSWORD_INVALID']);
    const ok = await request(api.app)
      .get(`/api/galleries/${id}/download`)
      .set('X-Gallery-Password', 'open sesame');
    expect(ok.status).toBe(202);
    expect(ok.body.status).toBe('pending');
    expect(ok.body.archiveId).toBeTruthy();
    const info = await request(api.app).get(`/api/galleries/${id}/public`).expect(200);
    expect(info.body).toEqual({ id, title: 'Secret', photographer: 'ann', has_password: true });

    let limited = 0;
    for (let i = 0; i < 40 && !limited; i++) {
      const r = await request(api.app).get(`/api/galleries/${id}/download`).set('X-Gallery-Password', 'x');
      if (r.status === 429) limited = i;
    }
    expect(limited).toBeGreaterThan(0);
  });

  it('wrong gallery passwords are throttled like failed sign-ins: after LOGIN_MAX_FAILURES even the right one waits', async () => {
    const id = await newGallery(ann, { title: 'Guarded', password: 'correct horse' });
    await upload(ann, id, { 'a.jpg': fakeJpeg(100) }).expect(201);
    const guess = (pw: string) =>
      request(api.app).get(`/api/galleries/${id}/download?mode=json`).set('X-Gallery-Password', pw);
    // A right password in between gives its attempt back; it does not reset the count of wrong ones.
    expect((await guess('correct horse')).status).toBe(202);
    for (let i = 0; i < api.world.config.loginMaxFailures; i++)
      expect((await guess(`wrong ${i}`)).body.error.code).toBe('GALLERY_PASSWORD_INVALID');
    const locked = await guess('correct horse');
    expect([locked.status, locked.body.error.code]).toEqual([429, 'TOO_MANY_ATTEMPTS']);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // The owner's session needs no password and is not throttled by the guesses.
    expect((await request(api.app).get(`/api/galleries/${id}/download?mode=json`).set(ann.auth)).status).toBe(
      202,
    );
  });

  it('archive links: an expired or forged token is refused; without a token only the owner', async () => {
    const id = await newGallery(ann);
    await upload(ann, id, { 'a.jpg': fakeJpeg(100) }).expect(201);
    const pub = await request(api.app).post(`/api/galleries/${id}/publish`).set(ann.auth).expect(202);
    const archiveId = pub.body.archiveId as string;
    const expired = signDownloadToken(api.world.config, archiveId, new Date(Date.now() - 1000));
    const r1 = await request(api.app).get(`/api/download/${archiveId}?token=${expired}`);
    expect([r1.status, r1.body.error.code]).toEqual([401, 'LINK_EXPIRED']);
    const forged = signDownloadToken(
      api.world.config,
      '00000000-0000-4000-8000-000000000000',
      new Date(Date.now() + 60_000),
    );
    const r2 = await request(api.app).get(`/api/download/${archiveId}?token=${forged}`);
    expect([r2.status, r2.body.error.code]).toEqual([401, 'LINK_INVALID']);
    await request(api.app).get(`/api/download/${archiveId}`).expect(401);
    const stranger = await request(api.app).get(`/api/download/${archiveId}`).set(bob.auth);
    expect([stranger.status, stranger.body.error.code]).toEqual([404, 'ARCHIVE_NOT_FOUND']);
    // Not made yet (no worker in this file): the owner is told so.
    const owner = await request(api.app).get(`/api/download/${archiveId}`).set(ann.auth);
    expect([owner.status, owner.body.error.code]).toEqual([409, 'ARCHIVE_NOT_READY']);
  });

  it('a version the retention policy deleted answers 410 ARCHIVE_EXPIRED to its owner and to its old links', async () => {
    const id = await newGallery(ann);
    await upload(ann, id, { 'a.jpg': fakeJpeg(100) }).expect(201);
    const pub = await request(api.app).post(`/api/galleries/${id}/publish`).set(ann.auth).expect(202);
    const archiveId = pub.body.archiveId as string;
    await api.world.prisma.galleryArchive.update({ where: { id: archiveId }, data: { status: 'expired' } });
    const token = signDownloadToken(api.world.config, archiveId, new Date(Date.now() + 60_000));
    const viaLink = await request(api.app).get(`/api/download/${archiveId}?token=${token}`);
    expect([viaLink.status, viaLink.body.error.code]).toEqual([410, 'ARCHIVE_EXPIRED']);
    const owner = await request(api.app).get(`/api/download/${archiveId}`).set(ann.auth);
    expect([owner.status, owner.body.error.code]).toEqual([410, 'ARCHIVE_EXPIRED']);
    const relink = await request(api.app)
      .post(`/api/galleries/${id}/archives/${archiveId}/link`)
      .set(ann.auth);
    expect([relink.status, relink.body.error.code]).toEqual([410, 'ARCHIVE_EXPIRED']);
    // A stranger's token-less request still learns nothing.
    const stranger = await request(api.app).get(`/api/download/${archiveId}`).set(bob.auth);
    expect(stranger.status).toBe(404);
  });

  it('clients: added with notify_on_archive, duplicates refused, removed', async () => {
    const id = await newGallery(ann);
    const c = await request(api.app)
      .post(`/api/galleries/${id}/clients`)
      .set(ann.auth)
      .send({ email: 'Client@Example.com', name: 'Cleo' })
      .expect(201);
    expect(c.body).toMatchObject({ email: 'client@example.com', name: 'Cleo', notify_on_archive: true });
    await request(api.app)
      .post(`/api/galleries/${id}/clients`)
      .set(ann.auth)
      .send({ email: 'client@example.com' })
      .expect(409);
    await request(api.app)
      .post(`/api/galleries/${id}/clients`)
      .set(ann.auth)
      .send({ email: 'not an address' })
      .expect(400);
    await request(api.app).delete(`/api/galleries/${id}/clients/${c.body.id}`).set(ann.auth).expect(204);
    await request(api.app).delete(`/api/galleries/${id}/clients/${c.body.id}`).set(ann.auth).expect(404);
  });

  it('cron: POST /api/cron/process-archives needs the cron secret and enqueues pending archives without a job', async () => {
    await request(api.app).post('/api/cron/process-archives').expect(401);
    const id = await newGallery(ann);
    await upload(ann, id, { 'a.jpg': fakeJpeg(100) }).expect(201);
    const gallery = await api.world.prisma.gallery.findUniqueOrThrow({ where: { id } });
    const archive = await api.world.prisma.galleryArchive.create({
      data: {
        galleryId: gallery.id,
        version: 1,
        imagesHash: 'x'.repeat(64),
        imageIds: [],
        imageCount: 1,
        storagePath: `galleries/${id}/archives/1.zip`,
      },
    });
    const r = await request(api.app)
      .post('/api/cron/process-archives')
      .set('Authorization', `Bearer ${api.world.config.cronSecret}`)
      .expect(200);
    expect(r.body.enqueued).toBeGreaterThanOrEqual(1);
    const row = await api.world.prisma.galleryArchive.findUniqueOrThrow({ where: { id: archive.id } });
    expect(row.operationId).toBeTruthy();
    const again = await request(api.app)
      .post('/api/cron/process-archives')
      .set('Authorization', `Bearer ${api.world.config.cronSecret}`)
      .expect(200);
    expect(again.body.enqueued).toBe(0);
  });

  it('thumbnails: made once with sharp into the images bucket, then served from there', async () => {
    const sharp = (await import('sharp')).default;
    const photo = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#3366aa' } })
      .jpeg()
      .toBuffer();
    const id = await newGallery(ann);
    const up = await upload(ann, id, { 'real.jpg': photo, 'fake.jpg': fakeJpeg(5000) }).expect(201);
    const [real, fake] = up.body.images as { id: string }[];
    const bin = (r: request.Test) =>
      r.buffer(true).parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    const first = await bin(
      request(api.app).get(`/api/galleries/${id}/images/${real.id}/thumb`).set(ann.auth),
    ).expect(200);
    expect(first.headers['content-type']).toBe('image/webp');
    expect(await sharp(first.body as Buffer).metadata()).toMatchObject({
      format: 'webp',
      width: 400,
      height: 400,
    });
    const row = await api.world.prisma.galleryImage.findUniqueOrThrow({ where: { id: real.id } });
    expect(row.thumbKey).toBe(`galleries/${id}/thumbs/${real.id}.webp`);
    const { galleryStores } = await import('@arkive/shared');
    expect(await galleryStores(api.world.config).images.head(row.thumbKey!)).toMatchObject({
      size: (first.body as Buffer).length,
    });
    const again = await bin(
      request(api.app).get(`/api/galleries/${id}/images/${real.id}/thumb`).set(ann.auth),
    ).expect(200);
    expect(sha256Hex(again.body as Buffer)).toBe(sha256Hex(first.body as Buffer));
    // Bytes sharp cannot decode: the original instead.
    const fallback = await request(api.app)
      .get(`/api/galleries/${id}/images/${fake.id}/thumb`)
      .set(ann.auth)
      .redirects(0);
    expect(fallback.status).toBe(302);
    expect(fallback.headers.location).toBe(`/api/galleries/${id}/images/${fake.id}/file`);
    await request(api.app).get(`/api/galleries/${id}/images/${real.id}/thumb`).set(bob.auth).expect(404);
  });

  it('keeps only a plain file name of an upload', () => {
    expect(cleanName('../../etc/passwd')).toBe('passwd');
    expect(cleanName('C:\\Users\\me\\IMG_1.JPG')).toBe('IMG_1.JPG');
    expect(cleanName('.hidden.jpg')).toBe('hidden.jpg');
    expect(cleanName(undefined)).toBe('image');
  });
});
