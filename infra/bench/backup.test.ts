import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runQuickSuite } from './quick-suite';

/**
 * The backup benchmark on a 2 MB run, two rounds: real CLI, restic and tar. Checks the report's
 * shape, the interleaving and the fairness set-up (no timings are asserted).
 */
const have = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

(have('restic') && have('zstd') ? describe : describe.skip)('npm run bench -- backup --quick', () => {
  let tmp: string;
  let report: {
    busy: boolean;
    busyReasons: string[];
    quick: boolean;
    repeat: number;
    kdf: { kdf: string; N: number };
    run: { files: number; bytes: number };
    target: { dir: string; fsType: string };
    order: { round: number; phase: 'first' | 'again' | 'restore'; tool: string }[];
    commands: Record<'first' | 'again' | 'restore', Record<string, string>>;
    results: Record<
      string,
      Record<
        string,
        { seconds: { median: number; min: number; max: number; spread: number }; samples: unknown[] }
      >
    >;
    ratios: Record<string, Record<string, { perRound: number[]; median: number }>>;
    overhead: Record<string, { against: string; medianRatio: number; met: boolean }>;
    checks: { round: number; tool: string; files: number; diff?: string }[];
  };
  let stdout: string;

  beforeAll(() => {
    const run = runQuickSuite(
      'backup',
      ['--size-mb', '2', '--restores', 'arkive,restic-verify,tar'],
      400_000,
    );
    tmp = run.tmp;
    stdout = run.stdout;
    report = run.report as typeof report;
  }, 450_000);

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('interleaves the tools per phase, the start rotated each round', () => {
    const seq = (phase: string, round: number) =>
      report.order.filter((x) => x.phase === phase && x.round === round).map((x) => x.tool);
    expect(report.repeat).toBe(2);
    expect(seq('first', 0)).toEqual(['arkive', 'restic', 'tar']);
    expect(seq('first', 1)).toEqual(['restic', 'tar', 'arkive']);
    expect(seq('again', 1)).toEqual(['restic', 'tar', 'arkive']);
    expect(seq('restore', 0)).toEqual(['arkive', 'restic-verify', 'tar']);
    expect(seq('restore', 1)).toEqual(['restic-verify', 'tar', 'arkive']);
    expect(report.order.map((x) => `${x.round}:${x.phase}`)).toEqual(
      [0, 1].flatMap((r) => ['first', 'again', 'restore'].flatMap((p) => Array<string>(3).fill(`${r}:${p}`))),
    );
  });

  it('reports median and spread per tool, per-round ratios and the overhead over raw restic', () => {
    for (const phase of ['first', 'again', 'restore'])
      for (const [, x] of Object.entries(report.results[phase])) {
        expect(x.samples).toHaveLength(2);
        expect(x.seconds.min).toBeGreaterThan(0);
        expect(x.seconds.min).toBeLessThanOrEqual(x.seconds.median);
        expect(x.seconds.median).toBeLessThanOrEqual(x.seconds.max);
      }
    expect(report.ratios.first.restic.perRound).toHaveLength(2);
    expect(report.overhead.first.against).toBe('restic');
    expect(report.overhead.restore.against).toBe('restic-verify');
    expect(typeof report.overhead.again.met).toBe('boolean');
    expect(report.kdf.kdf).toBe('scrypt');
    expect(report.commands.first.arkive).toMatch(/index\.js --json backup .* --repo /);
    expect(report.commands.first.restic).toMatch(/restic backup --host arkive /);
    expect(report.commands.restore['restic-verify']).toMatch(
      /restic restore [0-9a-f]{64} --target .* --verify$/,
    );
  });

  it('checks every restored tree and says it is not a result', () => {
    expect(report.checks).toHaveLength(6);
    expect(report.checks.every((c) => c.files === report.run.files)).toBe(true);
    expect(report.checks.filter((c) => c.round === 0).every((c) => c.diff === 'identical')).toBe(true);
    expect(report.target.dir).toBe(path.join(tmp, 'target'));
    expect(report.quick).toBe(true);
    expect(stdout).toContain('NOT A RESULT: --quick');
    expect(fs.readFileSync(path.join(tmp, 'results', 'backup-quick.md'), 'utf8')).toContain('## Commands');
  });
});
