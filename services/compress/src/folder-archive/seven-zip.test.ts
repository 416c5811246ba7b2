import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { classifyError, ToolMissingError } from '@arkive/shared';
import { sevenZipAdd, sevenZipTest } from './seven-zip';

test('without 7z on PATH the steps fail permanently with the install command, not a raw exit code', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-7z-missing-'));
  const saved = process.env.PATH;
  process.env.PATH = dir; // an empty directory: no 7z
  try {
    const add = sevenZipAdd(path.join(dir, 'a.7z'), dir, 'x').catch((e: unknown) => e);
    const tested = sevenZipTest(path.join(dir, 'a.7z')).catch((e: unknown) => e);
    for (const err of [await add, await tested]) {
      expect(err).toBeInstanceOf(ToolMissingError);
      expect((err as Error).message).toBe(
        '7z is not installed (needed for cold-storage archiving): apt-get install -y p7zip-full',
      );
      expect(classifyError(err)).toBe('permanent');
    }
  } finally {
    process.env.PATH = saved;
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('7z installed but its working directory missing: a permanent spawn error, not "not installed"', async () => {
  const err = await sevenZipAdd('/nonexistent/a.7z', '/nonexistent/arkive-cwd', 'x').catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'SEVEN_ZIP_SPAWN' });
  expect(classifyError(err)).toBe('permanent');
});
