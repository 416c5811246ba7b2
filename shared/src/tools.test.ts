import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifyError } from './errors';
import { findTool, missingFeatureTools, requireTool, ToolMissingError } from './tools';

let bin: string;
beforeAll(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-tools-'));
  fs.writeFileSync(path.join(bin, '7z'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'restic'), 'not executable', { mode: 0o644 });
});
afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

test('findTool looks on PATH (executables only) and at a fixed path overridable by its env var', () => {
  expect(findTool('7z', { PATH: `/nonexistent${path.delimiter}${bin}` })).toBe(path.join(bin, '7z'));
  expect(findTool('restic', { PATH: bin })).toBeNull();
  expect(findTool('chromium', { PATH: bin, CHROMIUM_PATH: path.join(bin, '7z') })).toBe(path.join(bin, '7z'));
  expect(findTool('chromium', { PATH: bin, CHROMIUM_PATH: path.join(bin, 'nope') })).toBeNull();
});

test('a missing tool is a permanent 503 TOOL_MISSING that names the install command', () => {
  expect(requireTool('7z', { PATH: bin })).toBe(path.join(bin, '7z'));
  let err: unknown;
  try {
    requireTool('7z', { PATH: '' });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ToolMissingError);
  expect(err).toMatchObject({
    code: 'TOOL_MISSING',
    status: 503,
    message: '7z is not installed (needed for cold-storage archiving): apt-get install -y p7zip-full',
    details: { tool: '7z', package: 'p7zip-full' },
  });
  expect(classifyError(err)).toBe('permanent');
});

test('missingFeatureTools: one start-up warning per feature whose tool is missing', () => {
  expect(missingFeatureTools({ PATH: bin })).toEqual([
    'restic is not installed (needed for backups): apt-get install -y restic',
  ]);
});
