/**
 * Seeded benchmark run: ~20k small text files, a few hundred binaries (half incompressible),
 * a few large files. Scales with sizeMb. Generated once per (seed, size) under /tmp/arkive-bench.
 */
const fs = require('node:fs');
const path = require('node:path');

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function randomBytes(next, n) {
  const words = new Uint32Array(Math.ceil(n / 4));
  for (let i = 0; i < words.length; i++) words[i] = next();
  return Buffer.from(words.buffer, 0, n);
}

function makeTokens(next) {
  const syll = [
    'ka',
    'lo',
    'mi',
    'ne',
    'ru',
    'ta',
    'po',
    'si',
    'we',
    'do',
    'fa',
    'gi',
    'hu',
    'je',
    'zo',
    'ba',
  ];
  const tokens = [];
  for (let i = 0; i < 4096; i++) {
    const r = next();
    if (r % 3 === 0) tokens.push(syll[r & 15] + syll[(r >>> 4) & 15] + syll[(r >>> 8) & 15]);
    else tokens.push((((r >>> 3) % 100000) / 100).toFixed(2));
  }
  return tokens;
}

function textBytes(next, tokens, n) {
  const parts = [];
  let len = 0;
  let line = 0;
  while (len < n) {
    const r1 = next();
    const r2 = next();
    const s = `${line++},${tokens[r1 & 4095]},${tokens[(r1 >>> 12) & 4095]},${tokens[r2 & 4095]},${tokens[(r2 >>> 12) & 4095]},${(r2 >>> 24) & 31}\n`;
    parts.push(s);
    len += s.length;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}

function structuredBinary(next, n) {
  // Int16 random walk: compressible, but not text.
  const a = new Int16Array(Math.ceil(n / 2));
  let v = 0;
  for (let i = 0; i < a.length; i++) {
    v += ((next() & 7) - 3) | 0;
    if (v > 30000 || v < -30000) v = 0;
    a[i] = v;
  }
  return Buffer.from(a.buffer, 0, n);
}

function plan(sizeMb) {
  const total = sizeMb * 1024 * 1024;
  const scale = sizeMb / 1024;
  return {
    small: { count: Math.max(50, Math.round(20000 * scale)), bytes: Math.round(total * 0.2) },
    binaries: { count: Math.max(6, Math.round(300 * scale)), bytes: Math.round(total * 0.45) },
    large: { count: 4, bytes: Math.round(total * 0.35) },
  };
}

/** Create (or reuse) the run; returns its directory. */
function ensureRun(root, seed, sizeMb, log = console.error) {
  const dir = path.join(root, `run-s${seed}-${sizeMb}mb`);
  const marker = `${dir}.complete`;
  if (fs.existsSync(marker) && fs.existsSync(dir)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  log(`generating ${sizeMb} MiB benchmark run in ${dir} (seed ${seed}) ...`);
  const next = rng(seed);
  const tokens = makeTokens(next);
  const p = plan(sizeMb);
  const write = (rel, buf) => {
    const f = path.join(dir, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, buf);
  };
  const avgSmall = Math.floor(p.small.bytes / p.small.count);
  for (let i = 0; i < p.small.count; i++) {
    const size = Math.max(1, Math.floor(avgSmall * (0.2 + ((next() % 1000) / 1000) * 1.6)));
    write(`outputs/h${String(i % 200).padStart(3, '0')}/p${i}.txt`, textBytes(next, tokens, size));
  }
  const avgBin = Math.floor(p.binaries.bytes / p.binaries.count);
  for (let i = 0; i < p.binaries.count; i++) {
    const size = Math.max(1, Math.floor(avgBin * (0.5 + (next() % 1000) / 1000)));
    const incompressible = i % 2 === 0;
    write(
      `bin/${incompressible ? 'r' : 's'}${i}.dat`,
      incompressible ? randomBytes(next, size) : structuredBinary(next, size),
    );
  }
  const avgLarge = Math.floor(p.large.bytes / p.large.count);
  const kinds = ['text', 'random', 'structured', 'text'];
  for (let i = 0; i < p.large.count; i++) {
    const f = path.join(dir, `large/big${i}.${kinds[i] === 'text' ? 'csv' : 'bin'}`);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    const fd = fs.openSync(f, 'w');
    for (let done = 0; done < avgLarge;) {
      const n = Math.min(8 << 20, avgLarge - done);
      const buf =
        kinds[i] === 'text'
          ? textBytes(next, tokens, n)
          : kinds[i] === 'random'
            ? randomBytes(next, n)
            : structuredBinary(next, n);
      fs.writeSync(fd, buf);
      done += n;
    }
    fs.closeSync(fd);
  }
  fs.mkdirSync(path.join(dir, 'archives'), { recursive: true });
  fs.writeFileSync(marker, JSON.stringify({ seed, sizeMb, plan: p }));
  return dir;
}

/** 200,000 (or `count`) small text files of 0–400 bytes, 1,000 per folder: the per-entry cost. */
function ensureManyFiles(root, seed, count, log = console.error) {
  const dir = path.join(root, `many-s${seed}-${count}`);
  const marker = `${dir}.complete`;
  if (fs.existsSync(marker) && fs.existsSync(dir)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  log(`generating ${count} small files in ${dir} (seed ${seed}) ...`);
  const next = rng(seed);
  const tokens = makeTokens(next);
  for (let i = 0; i < count; i++) {
    const d = path.join(dir, `d${String(Math.floor(i / 1000)).padStart(3, '0')}`);
    if (i % 1000 === 0) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, `f${i}.txt`), textBytes(next, tokens, next() % 401));
  }
  fs.mkdirSync(path.join(dir, 'archives'), { recursive: true });
  fs.writeFileSync(marker, JSON.stringify({ seed, count }));
  return dir;
}

/**
 * One file of `sizeMb` MiB: a seeded sequence of 8 MiB blocks drawn from a pool of 24 (text,
 * structured binary, random; repeats are megabytes apart, beyond any deflate window), so a 20 GB
 * file is generated at disk speed.
 */
function ensureBigFile(root, seed, sizeMb, log = console.error) {
  const dir = path.join(root, `big-s${seed}-${sizeMb}mb`);
  const marker = `${dir}.complete`;
  if (fs.existsSync(marker) && fs.existsSync(dir)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  log(`generating one ${sizeMb} MiB file in ${dir} (seed ${seed}) ...`);
  const next = rng(seed);
  const tokens = makeTokens(next);
  const BLOCK = 8 << 20;
  const pool = [];
  for (let i = 0; i < 24; i++)
    pool.push(
      i % 3 === 0
        ? textBytes(next, tokens, BLOCK)
        : i % 3 === 1
          ? structuredBinary(next, BLOCK)
          : randomBytes(next, BLOCK),
    );
  fs.mkdirSync(dir, { recursive: true });
  const fd = fs.openSync(path.join(dir, 'big.dat'), 'w');
  const total = sizeMb * 1024 * 1024;
  for (let done = 0; done < total;) {
    const n = Math.min(BLOCK, total - done);
    fs.writeSync(fd, pool[next() % pool.length], 0, n);
    done += n;
  }
  fs.closeSync(fd);
  fs.mkdirSync(path.join(dir, 'archives'), { recursive: true });
  fs.writeFileSync(marker, JSON.stringify({ seed, sizeMb }));
  return dir;
}

module.exports = { ensureRun, ensureManyFiles, ensureBigFile };
