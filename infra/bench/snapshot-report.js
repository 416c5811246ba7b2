/**
 * The snapshot suite's report: a table on stdout, bench-results/snapshot-<corpus>.json (everything,
 * samples and exact commands included) and a short snapshot-<corpus>.md.
 */
const fs = require('node:fs');
const path = require('node:path');

const LABEL = {
  arkive: 'Arkive',
  'arkive-base': 'Arkive baseline (--baseline)',
  zip: 'zip -r -1',
  '7z': '7z -tzip -mx1 -mmt=on',
  archiver: 'node archiver (level 1)',
  unzip: 'unzip (our archive)',
  '7z-restore': '7z x (our archive)',
  'unzip-own': 'unzip (own archive)',
  '7z-own': '7z x (own archive)',
};
const label = (phase, tool) =>
  phase === 'restore' && tool === '7z'
    ? LABEL['7z-restore']
    : phase === 'restore' && tool === 'arkive'
      ? 'Arkive (our archive, verified)'
      : LABEL[tool] || tool;

const f = (x, d = 2) => (x == null || Number.isNaN(x) ? '–' : x.toFixed(d));

function lines(report) {
  const out = [];
  const c = report.corpus;
  out.push(
    `corpus ${c.name}: ${c.files} files, ${(c.bytes / 1e6).toFixed(1)} MB; target ${report.target.dir} (${report.target.fsType}); ` +
      `${report.repeat} interleaved rounds; engine ${report.engine}; load average ${report.host.loadavgStart[0].toFixed(1)} → ${report.host.loadavgEnd[0].toFixed(1)} on ${report.host.cpus} cores`,
  );
  out.push('');
  out.push(
    '| phase | tool | median s | min–max s | IQR s | MAD s | spread | max RSS MB | user+sys s | output MB |',
  );
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const phase of ['snapshot', 'restore'])
    for (const [tool, r] of Object.entries(report.results[phase])) {
      const s = r.seconds;
      out.push(
        `| ${phase} | ${label(phase, tool)} | ${f(s.median)} | ${f(s.min)}–${f(s.max)} | ${f(s.iqr)} | ${f(s.mad)} | ${f(s.spread * 100, 0)} % | ${f(r.maxRssMb, 0)} | ${f(r.userS + r.sysS, 1)} | ${r.outputBytes ? f(r.outputBytes / 1e6, 1) : ''} |`,
      );
    }
  out.push('');
  for (const phase of ['snapshot', 'restore'])
    for (const [tool, q] of Object.entries(report.ratios[phase]))
      out.push(
        `- ${phase}: Arkive vs ${label(phase, tool)}: ${f(q.median)}× (per-round ratios ${f(q.min)}–${f(q.max)}; their time / ours, > 1 = Arkive faster)`,
      );
  for (const [tool, q] of Object.entries(report.outputSizeVs))
    out.push(
      `- output: Arkive ${f(Math.abs(q - 1) * 100, 1)} % ${q >= 1 ? 'larger' : 'smaller'} than ${label('snapshot', tool)}`,
    );
  for (const phase of ['snapshot', 'restore']) {
    for (const tool of ['arkive', 'arkive-base']) {
      const ph = report.results[phase][tool]?.phasesMs;
      if (ph)
        out.push(
          `- ${label(phase, tool)} ${phase} phases (median ms since its process started): ${Object.entries(ph)
            .sort((a, b) => a[1] - b[1])
            .map(([k, v]) => `${k} ${v.toFixed(0)}`)
            .join(', ')}`,
        );
    }
  }
  out.push(`- verification: ${report.verification}`);
  out.push('');
  out.push(
    report.busy
      ? `NOT A RESULT: machine busy (${report.busyReasons.join('; ')})`
      : `A result: every spread ≤ ${f(report.maxSpread * 100, 0)} % of its median and the load average ≤ the cores`,
  );
  return out;
}

function writeReport(report, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `snapshot-${report.corpus.name}`);
  fs.writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
  const body = lines(report);
  const cmds = [];
  for (const phase of ['snapshot', 'restore'])
    for (const [tool, line] of Object.entries(report.commands[phase]))
      cmds.push(`- ${phase} ${label(phase, tool)}: \`${line}\``);
  fs.writeFileSync(
    `${base}.md`,
    [
      `# snapshot suite, corpus ${report.corpus.name} (${report.date})`,
      '',
      ...body,
      '',
      '## Commands',
      '',
      ...cmds,
      '',
    ].join('\n'),
  );
  for (const l of body) console.log(l);
  console.log(`written ${base}.json and .md`);
}

module.exports = { writeReport };
