import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runQuickSuite } from './quick-suite';

/**
 * The snapshot benchmark in --quick mode on a few MB: real tools, real archives, two rounds.
 * Checks the report's shape and the interleaving (no timings are asserted).
 */
const haveZip = spawnSync('sh', ['-c', 'command -v zip && command -v unzip']).status === 0;

(haveZip ? describe : describe.skip)('npm run bench -- snapshot --quick', () => {
  let tmp: string;
  let report: {
    busy: boolean;
    busyReasons: string[];
    repeat: number;
    corpus: { name: string; files: number; bytes: number };
    target: { dir: string; fsType: string };
    order: { round: number; phase: 'snapshot' | 'restore'; tool: string }[];
    commands: Record<'snapshot' | 'restore', Record<string, string>>;
    results: Record<
      'snapshot' | 'restore',
      Record<
        string,
        {
          seconds: { median: number; min: number; max: number; iqr: number; mad: number; spread: number };
          maxRssMb: number;
          samples: unknown[];
          outputBytes?: number;
        }
      >
    >;
    ratios: Record<
      'snapshot' | 'restore',
      Record<string, { perRound: number[]; min: number; median: number; max: number }>
    >;
    outputSizeVs: Record<string, number>;
    checks: { tool: string; files: number; manifestChecked?: boolean; diff?: string }[];
  };
  let stdout: string;

  beforeAll(() => {
    const run = runQuickSuite('snapshot', ['--tools', 'arkive,zip'], 240_000);
    tmp = run.tmp;
    stdout = run.stdout;
    report = run.report as typeof report;
  }, 300_000);

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('interleaves the tools: every round runs each once, the start rotated (A B, then B A)', () => {
    const seq = (phase: string, round: number) =>
      report.order.filter((x) => x.phase === phase && x.round === round).map((x) => x.tool);
    expect(report.repeat).toBe(2);
    expect(seq('snapshot', 0)).toEqual(['arkive', 'zip']);
    expect(seq('snapshot', 1)).toEqual(['zip', 'arkive']);
    expect(seq('restore', 0)).toEqual(['arkive', 'unzip', 'unzip-own']);
    expect(seq('restore', 1)).toEqual(['unzip', 'unzip-own', 'arkive']);
    // never A A: a round's snapshots come before its restores, and each tool appears once per round
    expect(report.order.map((x) => `${x.round}:${x.phase}`)).toEqual([
      ...Array<string>(2).fill('0:snapshot'),
      ...Array<string>(3).fill('0:restore'),
      ...Array<string>(2).fill('1:snapshot'),
      ...Array<string>(3).fill('1:restore'),
    ]);
  });

  it('reports median and spread per tool, per-round ratios and sizes', () => {
    for (const [phase, tools] of [
      ['snapshot', ['arkive', 'zip']],
      ['restore', ['arkive', 'unzip', 'unzip-own']],
    ] as const)
      for (const t of tools) {
        const r = report.results[phase][t];
        expect(r.samples).toHaveLength(2);
        expect(r.seconds.min).toBeGreaterThan(0);
        expect(r.seconds.min).toBeLessThanOrEqual(r.seconds.median);
        expect(r.seconds.median).toBeLessThanOrEqual(r.seconds.max);
        expect(r.seconds.iqr).toBeGreaterThanOrEqual(0);
        expect(r.seconds.mad).toBeGreaterThanOrEqual(0);
        expect(r.maxRssMb).toBeGreaterThan(1);
      }
    expect(report.ratios.snapshot.zip.perRound).toHaveLength(2);
    expect(report.ratios.restore.unzip.perRound).toHaveLength(2);
    expect(report.ratios.restore['unzip-own'].median).toBeGreaterThan(0);
    expect(report.results.snapshot.arkive.outputBytes).toBeGreaterThan(1000);
    expect(report.outputSizeVs.zip).toBeGreaterThan(0.5);
    expect(report.commands.snapshot.zip).toMatch(/^cd .* && zip -r -1 -q /);
    expect(report.commands.restore.unzip).toMatch(/unzip -q .*arkive-ref\.zip -d /);
  });

  it('states the target, the verification and whether the machine was busy', () => {
    expect(report.corpus.name).toBe('quick');
    expect(report.corpus.bytes).toBeGreaterThan(1e6);
    expect(report.corpus.bytes).toBeLessThan(20e6);
    expect(report.target.dir).toBe(path.join(tmp, 'target'));
    expect(report.target.fsType).toMatch(/\w/);
    const ours = report.checks.filter((c) => c.tool === 'arkive');
    expect(ours).toHaveLength(2);
    expect(ours.every((c) => c.manifestChecked === true && c.files === report.corpus.files)).toBe(true);
    expect(ours[0].diff).toBe('identical');
    expect(typeof report.busy).toBe('boolean');
    expect(report.busy).toBe(report.busyReasons.length > 0);
    expect(stdout).toContain(report.busy ? 'NOT A RESULT: machine busy (' : 'A result:');
    expect(fs.readFileSync(path.join(tmp, 'results', 'snapshot-quick.md'), 'utf8')).toContain('## Commands');
  });
});
