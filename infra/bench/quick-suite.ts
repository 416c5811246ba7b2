import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Runs `npm run bench -- <suite> --quick <args>` (as run.js) on data, targets and results in a new
 * temp folder; returns its stdout, the parsed `<suite>-quick.json` and where the results went. For
 * the suites' own tests: they prove the harness (order, statistics, report), never a speed.
 */
export function runQuickSuite(suite: string, args: string[], timeoutMs: number) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `arkive-bench-${suite}-test-`));
  const results = path.join(tmp, 'results');
  const r = spawnSync(
    process.execPath,
    [
      'infra/bench/run.js',
      suite,
      '--quick',
      ...args,
      '--data-dir',
      path.join(tmp, 'data'),
      '--target-dir',
      path.join(tmp, 'target'),
      '--results-dir',
      results,
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs },
  );
  if (r.status !== 0) throw new Error(`bench failed (${r.status}): ${r.stderr}`);
  return {
    tmp,
    stdout: r.stdout,
    results,
    report: JSON.parse(fs.readFileSync(path.join(results, `${suite}-quick.json`), 'utf8')) as unknown,
  };
}
