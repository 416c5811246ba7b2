import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkCopyPath, checkDistinctNames, copyTargets, entryInside, folderInside } from './paths';

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-copy-paths-'));
  await fs.mkdir(path.join(root, 'run', 'a', 'b'), { recursive: true });
  await fs.writeFile(path.join(root, 'run', 'a', 'b', 'f.txt'), 'x');
  await fs.mkdir(path.join(root, 'outside'));
  await fs.writeFile(path.join(root, 'outside', 'secret'), 's');
  await fs.symlink(path.join(root, 'outside'), path.join(root, 'run', 'out'));
  await fs.symlink('/nonexistent', path.join(root, 'run', 'dangling'));
  await fs.symlink('a/b', path.join(root, 'run', 'inner'));
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

test('checkCopyPath keeps relative paths (trailing slashes dropped) and refuses the rest with INVALID_PATH', () => {
  expect(checkCopyPath('a/b/', 'p')).toBe('a/b');
  expect(checkCopyPath('hw 1/ünï.txt', 'p')).toBe('hw 1/ünï.txt');
  for (const bad of ['', '/a', 'a/../b', '..', 'a//b', './a', 'a\\b', 'archives/x', 'a\0b', 7])
    expect(() => checkCopyPath(bad, 'p')).toThrow(
      expect.objectContaining({ code: 'INVALID_PATH', status: 400 }),
    );
});

test('each path lands at <dest>/<its last segment>; two paths with one name are refused', () => {
  expect(copyTargets(['a/b', 'c.txt'], 'in/box')).toEqual([
    { from: 'a/b', to: 'in/box/b' },
    { from: 'c.txt', to: 'in/box/c.txt' },
  ]);
  expect(() => checkDistinctNames(['x/b', 'y/b'])).toThrow(
    expect.objectContaining({ code: 'DUPLICATE_TARGET' }),
  );
});

test('entryInside: a symlink itself is an entry, a folder symlinked out of the run is not a way in', async () => {
  const run = path.join(root, 'run');
  expect(await entryInside(run, 'a/b/f.txt')).toBe('ok');
  expect(await entryInside(run, 'out')).toBe('ok'); // copied as a link
  expect(await entryInside(run, 'dangling')).toBe('ok');
  expect(await entryInside(run, 'inner/f.txt')).toBe('ok'); // a link inside the run
  expect(await entryInside(run, 'out/secret')).toBe('outside');
  expect(await entryInside(run, 'a/nope')).toBe('missing');
  expect(await entryInside(run, 'nope/deeper')).toBe('missing');
});

test('folderInside: a destination folder may be new, but not through a link out of the run', async () => {
  const run = path.join(root, 'run');
  expect(await folderInside(run, 'new/folder')).toBe(true);
  expect(await folderInside(run, 'a/b')).toBe(true);
  expect(await folderInside(run, 'out/new')).toBe(false);
  expect(await folderInside(run, 'out')).toBe(false);
});
