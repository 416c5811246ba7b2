import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ConflictError } from '../errors';
import { LocalBlobStore } from './index';

const MiB = 1024 * 1024;

describe('LocalBlobStore specifics', () => {
  let root: string;
  let store: LocalBlobStore;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-local-store-'));
    store = new LocalBlobStore({ root, bucket: 'backups' });
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('keeps objects under <root>/<bucket>/<key>', async () => {
    await store.put('runs/r1/a.zip', Buffer.from('zip'));
    expect(await fs.readFile(path.join(root, 'backups', 'runs', 'r1', 'a.zip'), 'utf8')).toBe('zip');
    expect(store.describe()).toEqual({ driver: 'local', bucket: 'backups' });
  });

  it('shows nothing under the key while a put is still streaming', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const body = Readable.from(
      (async function* () {
        yield randomBytes(MiB);
        await gate;
        yield randomBytes(MiB);
      })(),
    );
    const putting = store.put('slow/file.bin', body);
    await new Promise((r) => setTimeout(r, 50));
    expect(await store.head('slow/file.bin')).toBeNull();
    expect((await store.list('slow/')).items).toEqual([]);
    release();
    const res = await putting;
    expect(res.size).toBe(2 * MiB);
    expect((await store.list('slow/')).items.map((i) => i.key)).toEqual(['slow/file.bin']);
  });

  it('ignores a sidecar that no longer matches the file and recomputes on demand', async () => {
    await store.put('side/x', Buffer.from('original'));
    const file = path.join(root, 'backups', 'side', 'x');
    await fs.writeFile(file, 'changed behind our back');
    const head = await store.head('side/x');
    expect(head?.sha256).toBeUndefined();
    expect(await store.sha256('side/x')).toBe(
      createHash('sha256').update('changed behind our back').digest('hex'),
    );
  });

  it('refuses a key that clashes with another key used as its folder', async () => {
    await store.put('clash/a', Buffer.from('file'));
    await expect(store.put('clash/a/b', Buffer.from('x'))).rejects.toBeInstanceOf(ConflictError);
    await store.put('clash2/a/b', Buffer.from('x'));
    await expect(store.put('clash2/a', Buffer.from('x'))).rejects.toBeInstanceOf(ConflictError);
    const temps = (await fs.readdir(path.join(root, 'backups'), { recursive: true })).filter((e) =>
      path.basename(e).startsWith('.arkive-tmp-'),
    );
    expect(temps).toEqual([]);
  });

  it('removes emptied folders on delete', async () => {
    await store.put('deep/a/b/c', Buffer.from('x'));
    await store.delete('deep/a/b/c');
    await expect(fs.readdir(path.join(root, 'backups'))).resolves.toEqual([]);
  });

  it('serves concurrent puts to the same key with one complete version', async () => {
    const a = randomBytes(3 * MiB);
    const b = randomBytes(3 * MiB);
    await Promise.all([store.put('race/k', a), store.put('race/k', b)]);
    const stored = await store.sha256('race/k');
    const head = await store.head('race/k');
    const hashes = [a, b].map((x) => createHash('sha256').update(x).digest('hex'));
    expect(hashes).toContain(stored);
    if (head?.sha256) expect(head.sha256).toBe(stored);
  });
});
