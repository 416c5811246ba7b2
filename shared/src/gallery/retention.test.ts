import { parseConfig } from '../config';
import { createTestWorld, type TestWorld } from '../test-support/harness';
import { archiveLinks } from './notify';
import { archiveExpiry, expireGalleryArchives, holdArchiveForLink } from './retention';
import { archiveKey, galleryStores, type GalleryStores } from './stores';

let world: TestWorld;
let stores: GalleryStores;
let galleryId: string;
const DAY = 86_400_000;

beforeAll(async () => {
  world = await createTestWorld({ GALLERY_ARCHIVE_RETENTION_DAYS: '30' });
  stores = galleryStores(world.config);
  const owner = await world.prisma.user.create({ data: { username: 'photo', passwordHash: 'x' } });
  galleryId = (await world.prisma.gallery.create({ data: { ownerId: owner.id, title: 'Retention' } })).id;
});
afterAll(() => world?.close());

/** A version with its ZIP in the bucket, completed `ageDays` ago. */
async function version(v: number, status: 'completed' | 'outdated', ageDays: number, dated = true) {
  const key = archiveKey(galleryId, v);
  await stores.archives.put(key, Buffer.from(`zip v${v}`));
  const completedAt = new Date(Date.now() - ageDays * DAY);
  return world.prisma.galleryArchive.create({
    data: {
      galleryId,
      version: v,
      imagesHash: `hash-${v}`,
      imageIds: [],
      imageCount: 1,
      storagePath: key,
      status,
      completedAt,
      expiresAt: dated ? archiveExpiry(world.config, completedAt) : null,
    },
  });
}

test('expiry is completion + GALLERY_ARCHIVE_RETENTION_DAYS (default 730); 0 keeps every version', () => {
  const at = new Date('2026-01-01T00:00:00Z');
  expect(archiveExpiry(world.config, at)?.toISOString()).toBe('2026-01-31T00:00:00.000Z');
  expect(parseConfig({}).galleries.archiveRetentionDays).toBe(730);
  expect(archiveExpiry(parseConfig({ GALLERY_ARCHIVE_RETENTION_DAYS: '0' }), at)).toBeNull();
  expect(() => parseConfig({ GALLERY_ARCHIVE_RETENTION_DAYS: '-1' })).toThrow();
});

test('outdated versions past retention are deleted from the bucket and marked expired; the rest stay', async () => {
  const old = await version(1, 'outdated', 45);
  const undated = await version(2, 'outdated', 40, false); // made before retention existed
  const linked = await version(3, 'outdated', 35);
  const young = await version(4, 'outdated', 5);
  const current = await version(5, 'completed', 400); // the current set's archive never expires
  // A link e-mailed today for v3 keeps it for the link's lifetime.
  await holdArchiveForLink(
    world.prisma,
    linked.id,
    archiveLinks(world.config, galleryId, linked.id).expiresAt,
  );

  const res = await expireGalleryArchives({ ...world, stores });
  expect(res.failed).toEqual([]);
  expect(res.expired.map((e) => e.version).sort()).toEqual([1, 2]);
  const rows = await world.prisma.galleryArchive.findMany({
    where: { galleryId },
    orderBy: { version: 'asc' },
  });
  expect(rows.map((r) => [r.version, r.status])).toEqual([
    [1, 'expired'],
    [2, 'expired'],
    [3, 'outdated'],
    [4, 'outdated'],
    [5, 'completed'],
  ]);
  expect(rows[2].expiresAt!.getTime()).toBeGreaterThan(Date.now() + 6 * DAY);
  for (const a of [old, undated]) expect(await stores.archives.head(a.storagePath)).toBeNull();
  for (const a of [linked, young, current]) expect(await stores.archives.head(a.storagePath)).not.toBeNull();
  // Idempotent: a second run finds nothing.
  expect((await expireGalleryArchives({ ...world, stores })).expired).toEqual([]);
});

test('a failed deletion puts the version back so the next run deletes it', async () => {
  const a = await version(6, 'outdated', 60);
  const broken: GalleryStores = {
    ...stores,
    archives: Object.assign(Object.create(stores.archives) as GalleryStores['archives'], {
      delete: () => Promise.reject(new Error('bucket unreachable')),
    }),
  };
  const res = await expireGalleryArchives({ ...world, stores: broken });
  expect(res.failed).toEqual([{ id: a.id, error: 'bucket unreachable' }]);
  expect((await world.prisma.galleryArchive.findUniqueOrThrow({ where: { id: a.id } })).status).toBe(
    'outdated',
  );
  expect(await stores.archives.head(a.storagePath)).not.toBeNull();
  expect((await expireGalleryArchives({ ...world, stores })).expired.map((e) => e.version)).toEqual([6]);
  expect(await stores.archives.head(a.storagePath)).toBeNull();
});
