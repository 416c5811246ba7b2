import fs from 'node:fs/promises';
import path from 'node:path';
import { restoreArchive } from './index';
import { pythonZip, tempDir } from './test-fixtures';
import { treeState } from './tree-state';

type Spec = Parameters<typeof pythonZip>[1];

/** Each hostile archive must be refused with the run (and its surroundings) left exactly as before. */
const cases: Array<{
  title: string;
  code: string;
  entries: Spec;
  limits?: Parameters<typeof restoreArchive>[0]['limits'];
  mentions?: string;
}> = [
  {
    title: 'absolute path',
    code: 'ARCHIVE_UNSAFE_PATH',
    entries: [
      { name: 'ok.txt', data: 'x' },
      { name: '/tmp/evil.txt', data: 'x' },
    ],
    mentions: '/tmp/evil.txt',
  },
  {
    title: 'parent traversal',
    code: 'ARCHIVE_UNSAFE_PATH',
    entries: [{ name: 'a/../../evil.txt', data: 'x' }],
    mentions: 'a/../../evil.txt',
  },
  {
    title: 'backslash traversal',
    code: 'ARCHIVE_UNSAFE_PATH',
    entries: [{ name: '..\\evil.txt', data: 'x' }],
  },
  { title: 'drive letter', code: 'ARCHIVE_UNSAFE_PATH', entries: [{ name: 'C:/evil.txt', data: 'x' }] },
  {
    title: 'traversal after ./',
    code: 'ARCHIVE_UNSAFE_PATH',
    entries: [{ name: './../evil.txt', data: 'x' }],
  },
  { title: 'empty path component', code: 'ARCHIVE_UNSAFE_PATH', entries: [{ name: 'a//b.txt', data: 'x' }] },
  {
    title: 'archives/ behind ./',
    code: 'ARCHIVE_TARGETS_ARCHIVES',
    entries: [{ name: './archives/x.zip', data: 'x' }],
  },
  {
    title: 'symlink pointing outside (absolute)',
    code: 'ARCHIVE_SYMLINK_ESCAPE',
    entries: [{ name: 'link', data: '/etc', symlink: true }],
    mentions: 'link',
  },
  {
    title: 'symlink pointing outside (relative)',
    code: 'ARCHIVE_SYMLINK_ESCAPE',
    entries: [{ name: 'd/link', data: '../../outside', symlink: true }],
  },
  {
    title: 'symlink chain escaping through another link',
    code: 'ARCHIVE_SYMLINK_ESCAPE',
    entries: [
      { name: 'x/', data: '' },
      { name: 'root', data: '.', symlink: true },
      { name: 'chain', data: 'root/x/../..', symlink: true },
    ],
    mentions: 'chain',
  },
  {
    title: 'entry written through a symlink',
    code: 'ARCHIVE_SYMLINK_ESCAPE',
    entries: [
      { name: 'link', data: '/tmp', symlink: true },
      { name: 'link/evil.txt', data: 'x' },
    ],
  },
  {
    title: 'entry written through an internal symlink',
    code: 'ARCHIVE_SYMLINK_ESCAPE',
    entries: [
      { name: 'dir/', data: '' },
      { name: 'link', data: 'dir', symlink: true },
      { name: 'link/evil.txt', data: 'x' },
    ],
    mentions: 'link/evil.txt',
  },
  {
    title: 'targets archives/',
    code: 'ARCHIVE_TARGETS_ARCHIVES',
    entries: [{ name: 'archives/evil.zip', data: 'x' }],
    mentions: 'archives/evil.zip',
  },
  {
    title: 'replaces archives itself',
    code: 'ARCHIVE_TARGETS_ARCHIVES',
    entries: [{ name: 'archives', data: '/', symlink: true }],
  },
  {
    title: 'encrypted entry',
    code: 'ARCHIVE_ENCRYPTED',
    entries: [
      { name: 'ok.txt', data: 'x' },
      { name: 'locked.txt', data: 'ciphertext', flags: 1, deflate: false },
    ],
    mentions: 'locked.txt',
  },
  {
    title: 'duplicate entry',
    code: 'ARCHIVE_DUPLICATE_ENTRY',
    entries: [
      { name: 'twice.txt', data: 'a' },
      { name: 'twice.txt', data: 'b' },
    ],
    mentions: 'twice.txt',
  },
  {
    title: 'file and directory with one name',
    code: 'ARCHIVE_DUPLICATE_ENTRY',
    entries: [
      { name: 'x', data: 'a' },
      { name: 'x/y', data: 'b' },
    ],
  },
  {
    title: 'compression ratio bomb',
    code: 'ARCHIVE_TOO_LARGE',
    entries: [{ name: 'zeros.bin', zeros: 20 << 20 }],
    limits: { maxRatio: 100 },
    mentions: 'zeros.bin',
  },
  {
    title: 'total size bomb',
    code: 'ARCHIVE_TOO_LARGE',
    entries: [
      { name: 'a.bin', zeros: 3 << 20 },
      { name: 'b.bin', zeros: 3 << 20 },
    ],
    limits: { maxTotalBytes: 5 << 20 },
  },
  {
    title: 'too many entries',
    code: 'ARCHIVE_TOO_LARGE',
    entries: [
      { name: 'a', data: '' },
      { name: 'b', data: '' },
      { name: 'c', data: '' },
    ],
    limits: { maxEntries: 2 },
  },
];

describe('restore refuses hostile archives before touching anything', () => {
  let root: string;
  let runDir: string;
  let before: Awaited<ReturnType<typeof treeState>>;
  let rootBefore: string[];

  beforeAll(async () => {
    root = await tempDir();
    runDir = path.join(root, 'run');
    await fs.mkdir(path.join(runDir, 'archives'), { recursive: true });
    await fs.mkdir(path.join(runDir, 'data'));
    await fs.writeFile(path.join(runDir, 'data/keep.txt'), 'original');
    await fs.writeFile(path.join(runDir, 'archives/existing.zip'), 'not really a zip');
    await fs.symlink('data/keep.txt', path.join(runDir, 'link'));
    before = await treeState(runDir, { mtimes: true });
    rootBefore = (await fs.readdir(root)).sort();
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it.each(cases)('$title → $code', async ({ code, entries, limits, mentions, title }) => {
    const zip = path.join(root, `${title.replace(/\W+/g, '-')}.zip`);
    pythonZip(zip, entries);
    const err = await restoreArchive({ runDir, archivePath: zip, limits }).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err).toMatchObject({ code });
    if (mentions) expect(err!.message).toContain(mentions);
    expect(err!.message.split('\n')).toHaveLength(1);
    await fs.rm(zip);
    // Run untouched (no pre-restore snapshot either), nothing new beside it.
    expect(await treeState(runDir, { mtimes: true })).toEqual(before);
    expect((await fs.readdir(root)).sort()).toEqual(rootBefore);
    await expect(fs.lstat('/tmp/evil.txt')).rejects.toThrow();
    await expect(fs.lstat(path.join(root, 'outside'))).rejects.toThrow();
  });

  it('strips setuid/setgid bits', async () => {
    const zip = path.join(root, 'suid.zip');
    pythonZip(zip, [{ name: 'tool', data: '#!/bin/sh\n', mode: 0o106755 }]);
    const target = path.join(root, 'suid-run');
    await fs.mkdir(target);
    await restoreArchive({ runDir: target, archivePath: zip, preRestoreSnapshot: false });
    expect((await fs.stat(path.join(target, 'tool'))).mode & 0o7777).toBe(0o755);
    await fs.rm(target, { recursive: true });
    await fs.rm(zip);
  });

  it('accepts "./"-prefixed names as written by some tools', async () => {
    const zip = path.join(root, 'dot.zip');
    pythonZip(zip, [
      { name: './', data: '' },
      { name: './dot/', data: '' },
      { name: './dot/x.txt', data: 'x' },
      { name: 'top.txt', data: 't' },
    ]);
    const target = path.join(root, 'dot-run');
    await fs.mkdir(target);
    await restoreArchive({ runDir: target, archivePath: zip, preRestoreSnapshot: false });
    expect(Object.keys(await treeState(target)).sort()).toEqual(['dot', 'dot/x.txt', 'top.txt']);
    await fs.rm(target, { recursive: true });
    await fs.rm(zip);
  });

  it('accepts internal links, including into sub-folders', async () => {
    const zip = path.join(root, 'internal.zip');
    pythonZip(zip, [
      { name: 'a/b/file.txt', data: 'x' },
      { name: 'a/up', data: '../a/b/file.txt', symlink: true },
      { name: 'top', data: 'a/b', symlink: true },
    ]);
    const target = path.join(root, 'internal-run');
    await fs.mkdir(target);
    await restoreArchive({ runDir: target, archivePath: zip, preRestoreSnapshot: false });
    expect(await fs.readFile(path.join(target, 'a/up'), 'utf8')).toBe('x');
    expect(await fs.readlink(path.join(target, 'top'))).toBe('a/b');
    await fs.rm(target, { recursive: true });
    await fs.rm(zip);
  });
});
