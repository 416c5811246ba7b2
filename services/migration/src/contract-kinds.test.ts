import path from 'node:path';
import { migrationSnapshot, runMigrationDryRun, runMigrationValidate, runPath } from '@arkive/shared';
import { describeServiceContract } from '@arkive/shared/test-support/service-contract';
import { migrationProcessors } from './processors';
import { archivesOf, legacyRun, runContent } from './test-support/runs';

// SIGKILL cases spawn a worker process each: slow on a busy machine.
jest.setTimeout(180000);

const workerModule = path.join(__dirname, 'test-support', 'contract-processors.ts');
const capture = async (world: Parameters<typeof legacyRun>[0], payload: { runid: string }) => {
  const dir = runPath(world.config.runsRoot, payload.runid);
  return { content: await runContent(dir), archives: await archivesOf(dir) };
};

describeServiceContract({
  name: 'migration validate',
  kind: runMigrationValidate,
  processors: () => migrationProcessors(),
  workerModule,
  setup: async (world) => ({ payload: { runid: (await legacyRun(world, { prefix: 'cv' })).runid } }),
  capture,
  expectComplete: ({ result }) => expect(result.planned).toHaveLength(3),
});

describeServiceContract({
  name: 'migration dry-run',
  kind: runMigrationDryRun,
  processors: () => migrationProcessors(),
  workerModule,
  setup: async (world) => ({ payload: { runid: (await legacyRun(world, { prefix: 'cd' })).runid } }),
  capture,
  expectComplete: ({ result }) => expect(result.ok).toBe(true),
});

describeServiceContract({
  name: 'migration snapshot',
  kind: migrationSnapshot,
  processors: () => migrationProcessors(),
  workerModule,
  setup: async (world) => ({
    payload: {
      runid: (await legacyRun(world, { prefix: 'cs' })).runid,
      archiveKind: 'pre-migration' as const,
    },
  }),
  capture,
  expectComplete: ({ result }) => expect(result.name).toMatch(/^pre-migration-.*\.zip$/),
});
