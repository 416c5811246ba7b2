/**
 * The backup suite's statistics and report: per tool and phase the median, min–max, IQR, MAD and
 * spread of the wall time; per peer the per-round ratios ours / theirs; Arkive's overhead over raw
 * restic against the < 10 % target; a table on stdout, bench-results/backup[-quick].json
 * (everything: samples, order, exact commands) and .md.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { summarize } = require('./bench-stats');
const { label } = require('./backup-tools');

const PHASE = { first: 'first backup', again: 'unchanged re-backup', restore: 'restore' };
/** The raw restic each phase's overhead is measured against (restore: with --verify, as ours verifies). */
const TARGET_PEER = { first: 'restic', again: 'restic', restore: 'restic-verify' };
const TARGET = 1.1;

function analyse(samples, added, o, loadStart, loadEnd, phases) {
  const busyReasons = [];
  const cpus = os.availableParallelism();
  if (loadStart[0] > cpus)
    busyReasons.push(`load average ${loadStart[0].toFixed(1)} at start > ${cpus} cores`);
  if (loadEnd[0] > cpus) busyReasons.push(`load average ${loadEnd[0].toFixed(1)} at the end > ${cpus} cores`);
  const results = {};
  const ratios = {};
  for (const phase of phases) {
    results[phase] = {};
    for (const [tool, xs] of Object.entries(samples[phase])) {
      const s = summarize(xs.map((x) => x.seconds));
      results[phase][tool] = {
        seconds: s,
        maxRssMb: Math.max(...xs.map((x) => x.maxRssMb)),
        cpuS: summarize(xs.map((x) => x.userS + x.sysS)).median,
        samples: xs,
        ...(added[phase]?.[tool] ? { bytesWritten: summarize(added[phase][tool]).median } : {}),
      };
      if (s.spread > o.maxSpread)
        busyReasons.push(
          `${PHASE[phase]} ${tool}: spread ${(s.spread * 100).toFixed(0)} % of the median > ${(o.maxSpread * 100).toFixed(0)} %`,
        );
    }
    // Per-round ratios ours / theirs of the same round (1.10 = Arkive 10 % slower).
    ratios[phase] = {};
    const ours = new Map((samples[phase].arkive ?? []).map((x) => [x.round, x.seconds]));
    for (const [tool, xs] of Object.entries(samples[phase])) {
      if (tool === 'arkive') continue;
      const perRound = xs.map((x) => ours.get(x.round) / x.seconds);
      const s = summarize(perRound);
      ratios[phase][tool] = { perRound, min: s.min, median: s.median, max: s.max };
    }
  }
  const overhead = {};
  for (const phase of phases) {
    const q = ratios[phase][TARGET_PEER[phase]];
    if (!q) continue;
    overhead[phase] = {
      against: TARGET_PEER[phase],
      medianRatio: q.median,
      range: [q.min, q.max],
      medianSeconds: results[phase].arkive.seconds.median - results[phase][TARGET_PEER[phase]].seconds.median,
      met: q.median < TARGET,
    };
  }
  return {
    busy: busyReasons.length > 0,
    busyReasons,
    results,
    ratios,
    overhead,
    targetRule: `ours / raw restic < ${TARGET}`,
  };
}

const f = (x, d = 2) => (x == null || Number.isNaN(x) ? '–' : x.toFixed(d));

function lines(report) {
  const out = [];
  const r = report.run;
  out.push(
    `run ${r.files} files, ${(r.bytes / 1e6).toFixed(1)} MB (seed ${r.seed}); target ${report.target.dir} (${report.target.fsType}); ` +
      `${report.repeat} interleaved rounds; ${report.restic}; key ${report.kdf.kdf} N=${report.kdf.N}; ` +
      `load average ${report.host.loadavgStart[0].toFixed(1)} → ${report.host.loadavgEnd[0].toFixed(1)} on ${report.host.cpus} cores; ${f(report.durationS / 60, 1)} min`,
  );
  out.push('');
  out.push(
    '| phase | tool | median s | min–max s | IQR s | MAD s | spread | max RSS MB | CPU s | written MB |',
  );
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [phase, tools] of Object.entries(report.results))
    for (const [tool, x] of Object.entries(tools)) {
      const s = x.seconds;
      out.push(
        `| ${PHASE[phase]} | ${label(phase, tool)} | ${f(s.median)} | ${f(s.min)}–${f(s.max)} | ${f(s.iqr)} | ${f(s.mad)} | ${f(s.spread * 100, 0)} % | ${f(x.maxRssMb, 0)} | ${f(x.cpuS, 1)} | ${x.bytesWritten != null ? f(x.bytesWritten / 1e6, 1) : ''} |`,
      );
    }
  out.push('');
  for (const [phase, peers] of Object.entries(report.ratios))
    for (const [tool, q] of Object.entries(peers))
      out.push(
        `- ${PHASE[phase]}: Arkive / ${label(phase, tool)} = ${f(q.median)}× (per-round ${f(q.min)}–${f(q.max)}; ours / theirs, < 1 = Arkive faster)`,
      );
  out.push('');
  for (const [phase, v] of Object.entries(report.overhead))
    out.push(
      `- overhead over raw restic, ${PHASE[phase]} (vs ${label(phase, v.against)}): ${f((v.medianRatio - 1) * 100, 1)} % ` +
        `(per-round ${f((v.range[0] - 1) * 100, 1)} to ${f((v.range[1] - 1) * 100, 1)} %; ${f(v.medianSeconds)} s): ${v.met ? 'under' : 'NOT under'} the 10 % target`,
    );
  out.push(`- verification: ${report.verification}`);
  out.push(`- fairness: ${report.fairness}`);
  out.push('');
  out.push(
    report.quick
      ? 'NOT A RESULT: --quick (64 MB) proves the suite works'
      : report.busy
        ? `NOT A RESULT: machine busy (${report.busyReasons.join('; ')})`
        : `A result: every spread ≤ ${f(report.maxSpread * 100, 0)} % of its median and the load average ≤ the cores`,
  );
  return out;
}

function writeReport(report, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, report.quick ? 'backup-quick' : 'backup');
  fs.writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
  const body = lines(report);
  const cmds = [];
  for (const [phase, tools] of Object.entries(report.commands))
    for (const [tool, line] of Object.entries(tools))
      cmds.push(`- ${PHASE[phase]}, ${label(phase, tool)}: \`${line}\``);
  fs.writeFileSync(
    `${base}.md`,
    [`# backup suite (${report.date})`, '', ...body, '', '## Commands (first round)', '', ...cmds, ''].join(
      '\n',
    ),
  );
  for (const l of body) console.log(l);
  console.log(`written ${base}.json and .md`);
}

module.exports = { analyse, writeReport, TARGET_PEER };
