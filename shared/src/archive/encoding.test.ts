import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { createSnapshot } from './create';
import { chooseEncoding } from './encoding';
import { restoreArchive } from './restore';
import { run, tempDir } from './test-fixtures';
import { verifyArchive } from './verify';

function xorshift(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** Int16 random walk with drift: compressible binary whose byte statistics change every KiB. */
function drifting(n: number, seed = 7): Buffer {
  const next = xorshift(seed);
  const a = new Int16Array(Math.ceil(n / 2));
  let v = 0;
  for (let i = 0; i < a.length; i++) {
    v += (next() & 7) - 3;
    if (v > 30000) v = 0;
    a[i] = v;
  }
  return Buffer.from(a.buffer, 0, n);
}

/** Log-like lines drawn from a wide vocabulary: repeats far apart, zlib's defaults fit best. */
function vocabularyText(n: number, seed = 3): Buffer {
  const next = xorshift(seed);
  const words = Array.from({ length: 3000 }, () => (next() % 1e9).toString(36));
  const lines: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const l = `${i} ${words[next() % 3000]} ${words[next() % 3000]}=${next() % 1000} ${words[next() % 3000]}\n`;
    lines.push(l);
    len += l.length;
  }
  return Buffer.from(lines.join('')).subarray(0, n);
}

/** A CSV whose columns count up: its statistics drift too, small blocks win on it. */
function csvText(n: number): Buffer {
  const lines: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const l = `${i},sample-${i % 977},${((i * 7919) % 100003) / 100},${(i * 31) % 17}\n`;
    lines.push(l);
    len += l.length;
  }
  return Buffer.from(lines.join('')).subarray(0, n);
}

describe('chooseEncoding', () => {
  it('stores data that deflate cannot shrink', () => {
    expect(chooseEncoding(zlib, randomBytes(32 << 10), 2, 0.95)).toEqual({
      store: true,
      memLevel: 9,
      windowBits: 15,
    });
  });

  it('keeps zlib defaults for wide-vocabulary text and for samples too small to judge', () => {
    const defaults = { store: false, memLevel: 9, windowBits: 15 };
    expect(chooseEncoding(zlib, vocabularyText(32 << 10), 2, 0.95)).toEqual(defaults);
    expect(chooseEncoding(zlib, drifting(8 << 10), 2, 0.95)).toEqual(defaults);
    expect(chooseEncoding(zlib, Buffer.alloc(0), 2, 0.95).store).toBe(false);
  });

  it('decides from 32 KiB as the whole file would: the chosen settings are never the worse pair', () => {
    for (const [name, data] of [
      ['vocabulary text', vocabularyText(4 << 20)],
      ['counting csv', csvText(4 << 20)],
      ['drifting binary', drifting(4 << 20)],
    ] as const) {
      const enc = chooseEncoding(zlib, data.subarray(0, 32 << 10), 2, 0.95);
      const size = (memLevel: number, windowBits: number) =>
        zlib.deflateRawSync(data, { level: 2, memLevel, windowBits }).length;
      const chosen = size(enc.memLevel, enc.windowBits);
      const best = Math.min(size(9, 15), size(5, 12));
      expect([name, chosen <= best * 1.005]).toEqual([name, true]);
    }
  });

  it('picks small deflate blocks for drifting binary data, and they shrink the whole file', () => {
    const data = drifting(4 << 20);
    const enc = chooseEncoding(zlib, data.subarray(0, 32 << 10), 2, 0.95);
    expect(enc).toEqual({ store: false, memLevel: 5, windowBits: 12 });
    const normal = zlib.deflateRawSync(data, { level: 2 }).length;
    const chosen = zlib.deflateRawSync(data, {
      level: 2,
      memLevel: enc.memLevel,
      windowBits: enc.windowBits,
    });
    expect(chosen.length).toBeLessThan(normal * 0.92);
    expect(zlib.inflateRawSync(chosen).equals(data)).toBe(true);
  });
});

describe('snapshots of drifting binaries', () => {
  it('use small blocks in whole-file and chunked entries, and restore byte for byte', async () => {
    const root = await tempDir();
    const runDir = path.join(root, 'run-enc');
    await fs.mkdir(path.join(runDir, 'bin'), { recursive: true });
    const big = drifting(3 * (1 << 20) + 12345, 11); // several 1 MiB chunks
    const small = drifting(300 << 10, 12); // one worker task
    const text = csvText(200 << 10);
    await fs.writeFile(path.join(runDir, 'bin/big.dat'), big);
    await fs.writeFile(path.join(runDir, 'bin/small.dat'), small);
    await fs.writeFile(path.join(runDir, 'table.csv'), text);

    const snap = await createSnapshot({ runDir });
    const verbose = run('unzip', ['-v', snap.path]).stdout;
    const compressed = (name: string) => {
      const line = verbose.split('\n').find((l) => l.trim().endsWith(` ${name}`));
      if (!line) throw new Error(`${name} missing from unzip -v:\n${verbose}`);
      return Number(line.trim().split(/\s+/)[2]);
    };
    // Each entry is at least 8 % smaller than zlib's default blocks would make it.
    for (const [name, data] of [
      ['bin/big.dat', big],
      ['bin/small.dat', small],
    ] as const) {
      expect([name, compressed(name) < zlib.deflateRawSync(data, { level: 2 }).length * 0.92]).toEqual([
        name,
        true,
      ]);
    }
    expect(run('unzip', ['-tq', snap.path]).status).toBe(0);
    expect(run('7z', ['t', snap.path]).status).toBe(0);
    await verifyArchive(snap.path);

    await fs.writeFile(path.join(runDir, 'bin/big.dat'), 'changed');
    await restoreArchive({ runDir, archivePath: snap.path, preRestoreSnapshot: false });
    expect((await fs.readFile(path.join(runDir, 'bin/big.dat'))).equals(big)).toBe(true);
    expect((await fs.readFile(path.join(runDir, 'bin/small.dat'))).equals(small)).toBe(true);
    expect((await fs.readFile(path.join(runDir, 'table.csv'))).equals(text)).toBe(true);
    await fs.rm(root, { recursive: true, force: true });
  });
});
