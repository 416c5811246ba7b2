import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { createSnapshot, recordArchive, runPath, runSync, runSyncPayload } from '@arkive/shared';
import { describeServiceContract } from '@arkive/shared/test-support/service-contract';
import type { TestWorld } from '@arkive/shared/test-support/harness';
import { createApiWorld, type ApiWorld } from '../../services/api/src/test-support/api-world';
import { makeRun, makeUser, type TestUser } from '../../services/api/src/test-support/users';
import { contractProcessors } from '../../services/run-sync/src/test-support/contract-processors';
import { runTree } from './run-sync-support';

/** The run-sync kind through the job-contract suite, pulling from a second Arkive API on loopback. */
let source: ApiWorld;
let server: http.Server;
let sourceUrl: string;
let admin: TestUser;
let n = 0;

beforeAll(async () => {
  source = await createApiWorld();
  server = http.createServer(source.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  sourceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  admin = await makeUser(source, 'contract-src-admin', { isAdmin: true });
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await source?.close();
});

/** Everything the import may touch on the destination: the run, staging folders, downloads. */
async function capture(world: TestWorld, runid: string) {
  const root = world.config.runsRoot;
  const entries = (await fs.readdir(root).catch(() => [])).filter(
    (e) => e === runid || e.startsWith('.run-sync-') || e.startsWith(`.${runid}.`),
  );
  const dir = runPath(root, runid);
  return {
    entries: entries.sort(),
    run: await runTree(dir).catch(() => null),
    downloads: (await fs.readdir(path.join(world.config.storageRoot, 'run-sync')).catch(() => [])).sort(),
    registered: Boolean(await world.prisma.run.findUnique({ where: { id: runid } })),
  };
}

describeServiceContract({
  name: 'run sync',
  kind: runSync,
  processors: () => contractProcessors(),
  workerModule: path.join(
    __dirname,
    '..',
    '..',
    'services',
    'run-sync',
    'src',
    'test-support',
    'contract-processors.ts',
  ),
  async setup(world) {
    const runid = `contract-${++n}-${randomBytes(3).toString('hex')}`;
    await makeRun(source, runid, admin);
    const dir = runPath(source.world.config.runsRoot, runid);
    await fs.mkdir(path.join(dir, 'out'), { recursive: true });
    await fs.writeFile(path.join(dir, 'out', 'data.bin'), randomBytes(256 * 1024));
    await fs.writeFile(path.join(dir, 'notes.txt'), 'hello\n'.repeat(100));
    const snap = await createSnapshot({ runDir: dir });
    await recordArchive(source.world.prisma, {
      runId: runid,
      name: snap.name,
      label: null,
      size: snap.size,
      sha256: snap.sha256,
      fileCount: snap.fileCount,
      localPath: snap.path,
      kind: 'snapshot',
      operationId: null,
      createdBy: admin.username,
    });
    const token = (
      await request(source.app)
        .post('/api/sync-tokens')
        .set(admin.auth)
        .send({ name: 'contract', runs: [runid], expires_in_days: 1 })
        .expect(201)
    ).body.token as string;
    const syncId = randomUUID();
    await world.prisma.runSync.create({
      data: {
        id: syncId,
        runid,
        sourceHost: sourceUrl,
        targetPath: runPath(world.config.runsRoot, runid),
        authToken: token,
      },
    });
    return {
      payload: runSyncPayload.parse({
        syncId,
        runid,
        sourceHost: sourceUrl,
        targetRoot: world.config.runsRoot,
      }),
    };
  },
  capture: (world, payload) => capture(world, payload.runid),
  async expectComplete({ world, payload, result }) {
    const src = runPath(source.world.config.runsRoot, payload.runid);
    expect(await runTree(runPath(world.config.runsRoot, payload.runid))).toEqual(await runTree(src));
    expect(result.runid).toBe(payload.runid);
    expect(await world.prisma.run.findUnique({ where: { id: payload.runid } })).not.toBeNull();
  },
});
