#!/usr/bin/env node
/**
 * `node infra/bench/cpuprof-summary.js <dir> [top]`: summarize the V8 CPU profiles that
 * `npm run bench -- snapshot --cpu-prof <dir>` left (one file per process and thread): per file,
 * the sampled wall span, the time not idle, and the functions with the most self time (native
 * zlib/crypto calls show as the JS function that called them).
 */
const fs = require('node:fs');
const path = require('node:path');

function summarize(file, top) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
  }
  const byFn = new Map();
  let idle = 0;
  let total = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const name = cf.functionName || '(anonymous)';
    total += ms;
    if (name === '(idle)') {
      idle += ms;
      continue;
    }
    const where = cf.url ? `${path.basename(cf.url)}:${cf.lineNumber + 1}` : '';
    const key = `${name} ${where}`.trim();
    byFn.set(key, (byFn.get(key) ?? 0) + ms);
  }
  const fns = [...byFn.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    file: path.basename(file),
    spanMs: (p.endTime - p.startTime) / 1000,
    busyMs: total - idle,
    idleMs: idle,
    fns,
  };
}

function main() {
  const [dir, topArg] = process.argv.slice(2);
  const top = Number(topArg ?? 12);
  for (const f of fs
    .readdirSync(dir)
    .filter((x) => x.endsWith('.cpuprofile'))
    .sort()) {
    const s = summarize(path.join(dir, f), top);
    console.log(
      `\n${s.file}: span ${s.spanMs.toFixed(0)} ms, busy ${s.busyMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms`,
    );
    for (const [k, ms] of s.fns) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${k}`);
  }
}

if (require.main === module) main();
module.exports = { summarize };
