/**
 * Writes the sample fixture services/migration/fixtures/legacy-basic from a generated legacy run,
 * migrated by the real pipeline's steps: `TSX_TSCONFIG_PATH=services/migration/tsconfig.json npx tsx services/migration/src/test-support/make-sample-fixture.ts`.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createSnapshot } from '@arkive/shared';
import {
  inspectRun,
  migrateTraits,
  TRAITS,
  validateTraits,
  writeFixture,
  writeLegacyRun,
  writeRunVersion,
} from '@arkive/shared/migration';

async function main() {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-sample-'));
  const runid = 'legacy-basic';
  const dir = path.join(tmp, runid);
  await fs.mkdir(dir);
  await writeLegacyRun(dir, runid, { hillslopes: 6 });
  const pre = await createSnapshot({ runDir: dir, kind: 'pre-migration', outDir: path.join(tmp, 'out') });
  const run = { dir, runid };
  const inspection = await inspectRun(run, TRAITS, 1000);
  await migrateTraits(run, TRAITS, inspection.planned, () => undefined);
  await validateTraits(run, TRAITS);
  await writeRunVersion(dir, 1000);
  const post = await createSnapshot({ runDir: dir, kind: 'post-migration', outDir: path.join(tmp, 'out') });
  await writeFixture(path.resolve(__dirname, '..', '..', 'fixtures', runid), pre.path, post.path, {
    runid,
    current_version: 1000,
  });
  await fs.rm(tmp, { recursive: true, force: true });
}
void main();
