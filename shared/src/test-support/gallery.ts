import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { PrismaClient } from '../db';
import { galleryStores, imageKey } from '../gallery/stores';
import type { Config } from '../config';
import { startS3Server, type TestS3Server } from './s3';

/** A real S3 server (s3rver) holding both gallery buckets, and the settings pointing a Config at it. */
export async function startGalleryS3(
  opts: { parentDir?: string } = {},
): Promise<{ s3: TestS3Server; env: Record<string, string> }> {
  const images = `gallery-images-${randomBytes(3).toString('hex')}`;
  const archives = `gallery-archives-${randomBytes(3).toString('hex')}`;
  const s3 = await startS3Server({ bucket: images, parentDir: opts.parentDir });
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  await client.send(new CreateBucketCommand({ Bucket: archives }));
  client.destroy();
  return {
    s3,
    env: { ...s3.env, GALLERY_IMAGES_BUCKET: images, GALLERY_ARCHIVES_BUCKET: archives },
  };
}

/** A JPEG-looking body: the JPEG signature, then random bytes (stored, not deflated, in a ZIP). */
export function fakeJpeg(bytes: number): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(Math.max(0, bytes - 4))]);
}

export const sha256Hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A user's gallery with images put straight into the images bucket (what an upload leaves). */
export async function seedGallery(
  prisma: PrismaClient,
  config: Config,
  opts: { owner: string; title?: string; images: Record<string, Buffer>; clients?: string[] },
) {
  const user =
    (await prisma.user.findUnique({ where: { username: opts.owner } })) ??
    (await prisma.user.create({ data: { username: opts.owner, passwordHash: 'x' } }));
  const gallery = await prisma.gallery.create({
    data: { ownerId: user.id, title: opts.title ?? 'Test gallery' },
  });
  const stores = galleryStores(config);
  const images = [];
  for (const [name, data] of Object.entries(opts.images)) {
    const row = await prisma.galleryImage.create({
      data: {
        galleryId: gallery.id,
        name,
        size: BigInt(data.length),
        sha256: sha256Hex(data),
        contentType: 'image/jpeg',
        storageKey: 'pending',
      },
    });
    const key = imageKey(gallery.id, row.id);
    await stores.images.put(key, data, { contentType: 'image/jpeg' });
    images.push(await prisma.galleryImage.update({ where: { id: row.id }, data: { storageKey: key } }));
  }
  for (const email of opts.clients ?? [])
    await prisma.galleryClient.create({ data: { galleryId: gallery.id, email } });
  return { user, gallery, images, stores };
}

/**
 * The entries of a ZIP file (our manifest left out) with the SHA-256 of each, as Python's zipfile
 * reads them: an independent reader, not our own.
 */
export function zipEntryHashes(file: string): Record<string, string> {
  const out = execFileSync('python3', [
    '-c',
    'import zipfile,sys,hashlib,json\nz=zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({i.filename:hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist() if not i.filename.startswith(".arkive-manifest")}))',
    file,
  ]);
  return JSON.parse(out.toString()) as Record<string, string>;
}
