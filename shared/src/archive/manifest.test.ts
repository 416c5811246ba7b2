import { ManifestParser, parseManifest } from './manifest';

const text =
  [
    JSON.stringify({
      format: 'arkive-manifest',
      version: 1,
      createdAt: '2026-11-21T00:00:00Z',
      kind: 'snapshot',
    }),
    JSON.stringify({ p: 'données/été.csv', t: 'f', s: 3, m: 0o644, mt: 1, h: 'a'.repeat(64) }),
    JSON.stringify({ p: '漢字', t: 'd', s: 0, m: 0o755, mt: 2 }),
    JSON.stringify({ end: true, fileCount: 1, entryCount: 2, totalBytes: 3 }),
  ].join('\n') + '\n';

describe('ManifestParser', () => {
  it('gives the same result however the bytes are split, even inside UTF-8 sequences', () => {
    const whole = parseManifest(text);
    expect([...whole.entries.keys()]).toEqual(['données/été.csv', '漢字']);
    expect(whole.entries.get('données/été.csv')).toEqual({
      p: 'données/été.csv',
      t: 'f',
      s: 3,
      m: 0o644,
      mt: 1,
      h: 'a'.repeat(64),
    });
    expect(whole.entries.get('漢字')).toEqual({ p: '漢字', t: 'd', s: 0, m: 0o755, mt: 2 });
    expect(whole.entries.get('missing')).toBeUndefined();
    const bytes = Buffer.from(text, 'utf8');
    for (const step of [1, 2, 3, 7, 64]) {
      const p = new ManifestParser();
      for (let i = 0; i < bytes.length; i += step) p.push(bytes.subarray(i, i + step));
      expect(p.end()).toEqual(whole);
    }
  });

  it('refuses truncated, duplicated and miscounted manifests', () => {
    const lines = text.trimEnd().split('\n');
    expect(() => parseManifest(lines.slice(0, 3).join('\n'))).toThrow(/truncated/);
    expect(() => parseManifest([lines[0], lines[1], lines[1], lines[3]].join('\n'))).toThrow(/duplicated/);
    expect(() => parseManifest([lines[0], lines[1], lines[3]].join('\n'))).toThrow(/count does not match/);
    expect(() => parseManifest('{"format":"other","version":1}\n{}\n')).toThrow(/unknown format/);
    const badHash = lines[1].replace('a'.repeat(64), 'zz');
    expect(() => parseManifest([lines[0], badHash, lines[2], lines[3]].join('\n'))).toThrow(
      /entry 1 is invalid/,
    );
  });
});
