import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { BaseWorker } from '@arkive/shared';
import { waitFor } from '@arkive/shared/test-support/harness';
import { fakeJpeg, sha256Hex, startGalleryS3, zipEntryHashes } from '@arkive/shared/test-support/gallery';
import type { TestS3Server } from '@arkive/shared/test-support/s3';
import { startSmtpServer, type CapturedMail, type TestSmtpServer } from '@arkive/shared/test-support/smtp';
import { createApiWorld, type ApiWorld } from '../../services/api/src/test-support/api-world';
import { makeUser, type TestUser } from '../../services/api/src/test-support/users';
import { galleryArchiveProcessor } from '../../services/gallery-archive/src/gallery-archive/processor';

/**
 * Issue 15 end to end: the API (publish, downloads, resend) and a real gallery-archive worker on
 * one s3rver (both gallery buckets) and a real SMTP server on loopback.
 */
const PUBLIC_URL = 'https://photos.example.com';
let s3: TestS3Server;
let smtp: TestSmtpServer;
let api: ApiWorld;
let worker: BaseWorker;
let ann: TestUser;
let tmp: string;

beforeAll(async () => {
  const started = await startGalleryS3();
  s3 = started.s3;
  smtp = await startSmtpServer();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gallery-e2e-'));
  api = await createApiWorld({
    ...started.env,
    SMTP_URL: smtp.url,
    PUBLIC_URL,
    MAIL_FROM: 'Studio <studio@example.com>',
  });
  worker = new BaseWorker({
    queue: 'gallery-archive',
    processors: [galleryArchiveProcessor],
    config: api.world.config,
    prisma: api.world.prisma,
    connection: api.world.redis,
  });
  worker.start();
  await worker.waitUntilReady();
  ann = await makeUser(api, 'ann');
});
afterAll(async () => {
  await worker?.close(100);
  await api?.close();
  await smtp?.stop();
  await s3?.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

function decoded(m: CapturedMail): string {
  return m.raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
}
/** The download link of a message: an absolute URL on PUBLIC_URL with a signed token. */
function downloadLink(m: CapturedMail): string {
  const found = /https:\/\/photos\.example\.com\/api\/download\/[0-9a-f-]{36}\?token=[0-9A-Za-z._%-]+/.exec(
    decoded(m),
  );
  if (!found) throw new Error(`no download link in:\n${m.raw}`);
  return found[0];
}

/** Follows our link through the API (PUBLIC_URL is the web origin that proxies it), then the 302 to the bucket. */
async function fetchZip(link: string): Promise<Record<string, string>> {
  const res = await request(api.app).get(link.slice(PUBLIC_URL.length)).redirects(0);
  expect(res.status).toBe(302);
  const signed = res.headers.location as string;
  expect(signed.startsWith(s3.endpoint)).toBe(true);
  expect(new URL(signed).searchParams.get('X-Amz-Expires')).toBe(String(7 * 86400));
  const body = Buffer.from(await (await fetch(signed)).arrayBuffer());
  const file = path.join(tmp, `${sha256Hex(body)}.zip`);
  await fs.writeFile(file, body);
  return zipEntryHashes(file);
}

async function gallery(
  title: string,
  files: Record<string, Buffer>,
  clients: string[] = [],
  password?: string,
) {
  const id = (
    await request(api.app).post('/api/galleries').set(ann.auth).send({ title, password }).expect(201)
  ).body.id as string;
  let up = request(api.app).post(`/api/galleries/${id}/images`).set(ann.auth);
  for (const [name, data] of Object.entries(files)) up = up.attach('files', data, name);
  await up.expect(201);
  for (const email of clients)
    await request(api.app)
      .post(`/api/galleries/${id}/clients`)
      .set(ann.auth)
      .send({ email, name: 'Cleo' })
      .expect(201);
  return id;
}

const ready = (id: string) =>
  waitFor(async () => {
    const g = await request(api.app).get(`/api/galleries/${id}`).set(ann.auth);
    if (g.body.archive_status === 'failed') throw new Error(`archive failed: ${g.body.archive?.error}`);
    return g.body.archive_status === 'ready' ? g.body : null;
  }, 60_000);

test('publish → archive → e-mail with a working link whose ZIP holds exactly the images', async () => {
  const files = {
    'IMG_001.jpg': fakeJpeg(900_000),
    'IMG_002.jpg': fakeJpeg(1_300_000),
    'IMG_003.jpg': fakeJpeg(50),
  };
  const id = await gallery('Beach wedding', files, ['cleo@example.com']);
  const pub = await request(api.app).post(`/api/galleries/${id}/publish`).set(ann.auth).expect(202);
  expect(pub.body.channel).toBe(`gallery:${id}:archive`);
  const g = await ready(id);
  expect(g.archive).toMatchObject({
    id: pub.body.archiveId,
    version: 1,
    image_count: 3,
    status: 'completed',
  });
  const mail = await smtp.waitForMessage((m) => m.to.includes('cleo@example.com'), 30_000);
  expect(mail.subject).toBe('Your photos from "Beach wedding" are ready to download');
  const text = decoded(mail);
  expect(text).toContain('3 images');
  expect(text).toContain('ann');
  const zip = await fetchZip(downloadLink(mail));
  expect(zip).toEqual(Object.fromEntries(Object.entries(files).map(([n, b]) => [n, sha256Hex(b)])));

  // The public "Download all" now redirects to the same archive; the owner may download without a token.
  const pubDl = await request(api.app).get(`/api/galleries/${id}/download`).redirects(0).expect(302);
  expect(pubDl.headers.location).toContain(`/galleries/${id}/archives/1.zip`);
  await request(api.app).get(`/api/download/${pub.body.archiveId}`).set(ann.auth).redirects(0).expect(302);
  // A re-issued link works without recompressing (same archive, same checksum).
  const link = await request(api.app)
    .post(`/api/galleries/${id}/archives/${pub.body.archiveId}/link`)
    .set(ann.auth)
    .expect(201);
  expect(link.body.url.startsWith(`${PUBLIC_URL}/api/download/${pub.body.archiveId}?token=`)).toBe(true);
  expect(await fetchZip(link.body.url)).toEqual(zip);
});

test('same set twice → one archive; an added image → a new version and the old one outdated', async () => {
  const id = await gallery('Portraits', { 'a.jpg': fakeJpeg(2000) });
  const first = await request(api.app).post(`/api/galleries/${id}/publish`).set(ann.auth).expect(202);
  await ready(id);
  const same = await request(api.app).post(`/api/galleries/${id}/publish`).set(ann.auth).expect(202);
  expect(same.body).toMatchObject({
    archiveId: first.body.archiveId,
    operationId: first.body.operationId,
    reused: true,
  });
  expect(await api.world.prisma.galleryArchive.count({ where: { galleryId: id } })).toBe(1);

  await request(api.app)
    .post(`/api/galleries/${id}/images`)
    .set(ann.auth)
    .attach('files', fakeJpeg(3000), 'b.jpg')
    .expect(201);
  expect((await request(api.app).get(`/api/galleries/${id}`).set(ann.auth)).body.archive_status).toBe(
    'outdated',
  );
  const next = await request(api.app).post(`/api/galleries/${id}/publish`).set(ann.auth).expect(202);
  expect(next.body).toMatchObject({ version: 2, reused: false });
  const g = await ready(id);
  expect(g.archive).toMatchObject({ id: next.body.archiveId, version: 2, image_count: 2 });
  const statuses = Object.fromEntries(
    g.archives.map((a: { version: number; status: string }) => [a.version, a.status]),
  );
  expect(statuses).toEqual({ 1: 'outdated', 2: 'completed' });
  // The outdated version stays downloadable by its owner.
  await request(api.app).get(`/api/download/${first.body.archiveId}`).set(ann.auth).redirects(0).expect(302);
});

test('password-protected public download: refused without or with a wrong password, 202 while it is made, then 302', async () => {
  const id = await gallery('Private', { 'p.jpg': fakeJpeg(1000) }, [], 'letmein!');
  const anon = request(api.app);
  expect((await anon.get(`/api/galleries/${id}/download`)).body.error.code).toBe('GALLERY_PASSWORD_REQUIRED');
  expect(
    (await anon.get(`/api/galleries/${id}/download`).set('X-Gallery-Password', 'wrong')).body.error.code,
  ).toBe('GALLERY_PASSWORD_INVALID');
  // No archive yet: the first download creates it.
  const first = await anon
    .get(`/api/galleries/${id}/download`)
    .set('X-Gallery-Password', 'letmein!')
    .expect(202);
  expect(['pending', 'processing']).toContain(first.body.status);
  await ready(id);
  const done = await anon.get(`/api/galleries/${id}/download?password=letmein!`).redirects(0).expect(302);
  expect(done.headers.location.startsWith(s3.endpoint)).toBe(true);
});

test('SMTP down → the archive completes, the e-mail is recorded failed; resend works once it is back', async () => {
  const down = await startSmtpServer();
  await down.stop();
  const good = api.world.config.smtpUrl;
  api.world.config.smtpUrl = down.url; // the same config object the worker reads
  let id: string;
  let archiveId: string;
  try {
    id = await gallery('Offline', { 'o.jpg': fakeJpeg(1000) }, ['late@example.com']);
    archiveId = (await request(api.app).post(`/api/galleries/${id}/publish`).set(ann.auth).expect(202)).body
      .archiveId;
    const g = await waitFor(async () => {
      const r = await request(api.app).get(`/api/galleries/${id}`).set(ann.auth);
      return r.body.archive_status === 'ready' && r.body.clients[0]?.last_email ? r.body : null;
    }, 60_000);
    expect(g.clients[0].last_email.status).toBe('failed');
    expect(g.clients[0].last_email.error).toMatch(/ECONNREFUSED|connect/i);
    expect(g.archive.email_sent).toBe(false);
    // The e-mail failure did not fail the operation.
    const op = await waitFor(async () => {
      const o = await api.world.prisma.operation.findFirstOrThrow({ where: { scopeId: id } });
      return o.status === 'running' || o.status === 'queued' ? null : o;
    });
    expect(op.status).toBe('succeeded');
  } finally {
    api.world.config.smtpUrl = good;
  }
  const r = await request(api.app)
    .post(`/api/galleries/${id}/archives/${archiveId}/resend`)
    .set(ann.auth)
    .send({ email: 'late@example.com' })
    .expect(200);
  expect(r.body).toMatchObject({ status: 'sent', transport: 'smtp' });
  const mail = await smtp.waitForMessage((m) => m.to.includes('late@example.com'), 30_000);
  expect(Object.keys(await fetchZip(downloadLink(mail)))).toEqual(['o.jpg']);
  const g = (await request(api.app).get(`/api/galleries/${id}`).set(ann.auth)).body;
  expect(g.clients[0].last_email.status).toBe('sent');
  expect(g.archive.email_sent).toBe(true);
});

test('a stranger cannot read the gallery, its archive or its operation', async () => {
  const bob = await makeUser(api, 'bob');
  const id = await gallery('Ann only', { 's.jpg': fakeJpeg(1000) });
  const pub = await request(api.app).post(`/api/galleries/${id}/publish`).set(ann.auth).expect(202);
  await ready(id);
  await request(api.app).get(`/api/galleries/${id}`).set(bob.auth).expect(404);
  await request(api.app).get(`/api/download/${pub.body.archiveId}`).set(bob.auth).expect(404);
  await request(api.app).get(`/api/operations/${pub.body.operationId}`).set(bob.auth).expect(404);
  await request(api.app).get(`/api/operations/${pub.body.operationId}`).set(ann.auth).expect(200);
  const ops = await request(api.app).get('/api/operations').set(bob.auth).expect(200);
  expect(JSON.stringify(ops.body)).not.toContain(id);
  await request(api.app)
    .post(`/api/galleries/${id}/archives/${pub.body.archiveId}/resend`)
    .set(bob.auth)
    .send({ email: 'bob@example.com' })
    .expect(404);
});
