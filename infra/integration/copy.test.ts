/**
 * Copy to many runs across hosts on one machine (issue 14, Phase 3): the real backup service per
 * host (its own HOST_ID and RUNS_ROOT; only the buckets under DATA_DIR are shared), the API
 * in-process. A destination on a host that is down waits for it and is applied when it starts.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import {
  enqueueOperation,
  listLevel,
  listSnapshots,
  resticRepoFor,
  runBackup,
  sweepCopies,
  type PendingCopy,
} from '@arkive/shared';
import { waitFor } from '@arkive/shared/test-support/harness';
import { startServiceHost } from './service-host';
import { createApiWorld, type ApiWorld } from '../../services/api/src/test-support/api-world';
import { makeUser, type TestUser } from '../../services/api/src/test-support/users';
import { maintenanceDutyNames } from '../../services/api/src/maintenance';

let api: ApiWorld;
let olga: TestUser, sam: TestUser;
const hosts = new Map<string, ChildProcess>();

beforeAll(async () => {
  api = await createApiWorld({
    BACKUP_PASSWORD: 'copy-integration',
    HOST_HEARTBEAT_SECONDS: '1',
    HOST_OFFLINE_SECONDS: '3',
  });
  olga = await makeUser(api, 'olga');
  sam = await makeUser(api, 'sam');
  await Promise.all([startHost('h1'), startHost('h2')]);
}, 120_000);
afterAll(async () => {
  for (const c of hosts.values()) c.kill('SIGKILL');
  await api.close();
});

const base = () => path.join(api.world.dataDir, 'hosts');
const runsRoot = (host: string) => path.join(base(), host, 'runs');
const runDir = (host: string, runid: string) => path.join(runsRoot(host), runid);
const repo = () => resticRepoFor(api.world.config, 'local');

async function startHost(host: string): Promise<void> {
  const child = await startServiceHost('backup', base(), host, api.world.env);
  hosts.set(host, child);
}

let n = 0;
/** A run on `host` with a handout folder (nested, a symlink, modes, an old mtime) and a binary file. */
async function placeRun(
  host: string,
  label: string,
  members: [TestUser, 'owner' | 'collaborator'][] = [[olga, 'owner']],
) {
  const runid = `${label}-${++n}`;
  const dir = runDir(host, runid);
  await fs.mkdir(path.join(dir, 'handout', 'data'), { recursive: true });
  await fs.writeFile(path.join(dir, 'handout', 'README.md'), `handout from ${runid}\n`);
  await fs.writeFile(path.join(dir, 'handout', 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o750 });
  await fs.chmod(path.join(dir, 'handout', 'run.sh'), 0o750);
  await fs.writeFile(path.join(dir, 'handout', 'data', 'big.bin'), Buffer.alloc(300_000, runid));
  await fs.symlink('data/big.bin', path.join(dir, 'handout', 'latest'));
  const past = new Date('2024-05-01T12:00:00.000Z');
  await fs.utimes(path.join(dir, 'handout', 'README.md'), past, past);
  await fs.writeFile(path.join(dir, 'notes.md'), `notes of ${runid}\n`);
  await api.world.prisma.run.create({
    data: {
      id: runid,
      hostId: host,
      createdBy: 'olga',
      members: { create: members.map(([u, role]) => ({ userId: u.id, role })) },
    },
  });
  return runid;
}

/** path → type, mode, mtime and SHA-256 (or link target) of everything under `dir`. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string) => {
    for (const e of (await fs.readdir(d, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const p = path.join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      const st = await fs.lstat(p);
      if (e.isSymbolicLink()) out[r] = `link:${await fs.readlink(p)}`;
      else if (e.isDirectory()) {
        out[r] = `dir:${(st.mode & 0o7777).toString(8)}`;
        await walk(p, r);
      } else
        out[r] = `file:${(st.mode & 0o7777).toString(8)}:${Math.floor(st.mtimeMs / 1000)}:${createHash(
          'sha256',
        )
          .update(await fs.readFile(p))
          .digest('hex')}`;
    }
  };
  await walk(dir, '');
  return out;
}

const rows = (operationId: string) =>
  api.world.prisma.pendingCopy.findMany({ where: { operationId }, orderBy: { destRunId: 'asc' } });
const op = (id: string) => api.world.prisma.operation.findUniqueOrThrow({ where: { id } });
const copy = (body: object, who = olga) => request(api.app).post('/api/copy').set(who.auth).send(body);
const byDest = (rs: PendingCopy[]) => Object.fromEntries(rs.map((r) => [r.destRunId, r]));

async function until(operationId: string, pred: (rs: PendingCopy[]) => boolean, ms = 90_000) {
  return waitFor(
    async () => {
      const rs = await rows(operationId);
      return pred(rs) ? rs : null;
    },
    ms,
    200,
  );
}
const finished = (id: string, ms = 90_000) =>
  waitFor(
    async () => {
      const o = await op(id);
      return ['succeeded', 'failed', 'cancelled', 'expired'].includes(o.status) ? o : null;
    },
    ms,
    200,
  );

test('copy to 3 destinations, one on a host that is down: two apply at once, the third when its host starts; byte-identical; the snapshot is forgotten', async () => {
  const src = await placeRun('h1', 'src');
  const same = await placeRun('h1', 'same');
  const other = await placeRun('h2', 'other');
  const later = await placeRun('h3', 'later');
  const res = await copy({
    src: { runid: src, paths: ['handout', 'notes.md'] },
    dests: [same, other, later].map((runid) => ({ runid, path: 'from-teacher' })),
  }).expect(202);
  const { operationId } = res.body;
  expect(res.body.copies).toHaveLength(3);

  const first = byDest(await until(operationId, (rs) => rs.filter((r) => r.status === 'done').length === 2));
  expect(first[later].status).toBe('pending');
  // the parent rolls up its children: 2 of 3 done, waiting for the third
  const parent = await waitFor(async () => {
    const o = await op(operationId);
    return /2 of 3 done/.test(o.currentOperation ?? '') ? o : null;
  }, 20_000);
  expect(parent.status).toBe('running');
  expect(parent.progressPercent).toBeGreaterThan(40);
  expect(parent.progressPercent).toBeLessThan(100);
  // one snapshot of only the paths, tagged purpose:copy, kept while a destination waits
  const snaps = await listSnapshots(repo(), [`copy:${operationId}`]);
  expect(snaps).toHaveLength(1);
  expect(snaps[0].tags).toEqual(expect.arrayContaining(['purpose:copy', `copy-of:${src}`]));
  expect(snaps[0].tags).not.toContain(`run:${src}`);
  expect(first[other].snapshotId).toBe(snaps[0].id);
  // the host that is down has not been touched
  expect(await fs.readdir(runDir('h3', later))).not.toContain('from-teacher');

  const want = await tree(path.join(runDir('h1', src)));
  delete want['from-teacher'];
  const expectCopied = async (host: string, runid: string) => {
    const got = await tree(path.join(runDir(host, runid), 'from-teacher'));
    const expected = Object.fromEntries(
      Object.entries(want).filter(([k]) => k.startsWith('handout') || k === 'notes.md'),
    );
    expect(got).toEqual(expected);
    // nothing left behind: no temp folder in the destination
    expect((await fs.readdir(runDir(host, runid))).filter((e) => e.startsWith('.arkive-copy'))).toEqual([]);
  };
  await expectCopied('h1', same);
  await expectCopied('h2', other);

  // the same-host copy was a plain copy; the other host's a restore from the snapshot
  const applies = await api.world.prisma.operation.findMany({ where: { parentId: operationId } });
  const method = (runid: string) =>
    (applies.find((a) => a.scopeId === runid)?.result as { method?: string } | null)?.method;
  expect([method(same), method(other)]).toEqual(['plain-copy', 'restic']);
  expect(applies.find((a) => a.scopeId === later)).toMatchObject({ status: 'queued', hostId: 'h3' });

  // work on the waiting run queued meanwhile starts only once its copy is in place
  const backup = await enqueueOperation(
    api.deps,
    runBackup,
    { runid: later, purpose: 'manual' },
    { createdBy: 'olga' },
  );
  await startHost('h3');
  const done = await finished(operationId);
  expect(done.status).toBe('succeeded');
  expect(done.result).toMatchObject({ total: 3, done: 3, failed: 0, snapshotReused: false });
  await expectCopied('h3', later);
  expect((await finished(backup.operationId)).status).toBe('succeeded');
  const b = await api.world.prisma.backup.findFirstOrThrow({ where: { runId: later } });
  expect(await listLevel(repo(), b.snapshotId, 'from-teacher')).not.toBeNull();
  expect((await rows(operationId)).every((r) => r.status === 'done' && r.snapshotForgottenAt)).toBe(true);
  expect(await listSnapshots(repo(), [`copy:${operationId}`])).toHaveLength(0);
}, 240_000);

test('errorOnExist fails that copy with DESTINATION_EXISTS, the default refuses too, force replaces; the parent reports counts', async () => {
  const src = await placeRun('h1', 'src');
  const a = await placeRun('h2', 'a');
  const b = await placeRun('h2', 'b');
  for (const r of [a, b]) {
    await fs.mkdir(path.join(runDir('h2', r), 'in', 'notes.md'), { recursive: true });
    await fs.writeFile(path.join(runDir('h2', r), 'in', 'notes.md', 'old.txt'), 'old');
  }
  // a: errorOnExist; b: free target
  await fs.rm(path.join(runDir('h2', b), 'in'), { recursive: true });
  const strict = await copy({
    src: { runid: src, paths: ['notes.md'] },
    dests: [
      { runid: a, path: 'in' },
      { runid: b, path: 'in' },
    ],
    options: { errorOnExist: true },
  }).expect(202);
  const failed = await finished(strict.body.operationId);
  expect(failed.status).toBe('failed');
  expect(failed.errorCode).toBe('COPY_FAILED');
  expect(failed.error).toMatch(/1 of 2 copied, 1 failed/);
  const r1 = byDest(await rows(strict.body.operationId));
  expect(r1[a]).toMatchObject({ status: 'failed', errorCode: 'DESTINATION_EXISTS' });
  expect(r1[a].error).toMatch(/already exists.*errorOnExist/);
  expect(r1[b].status).toBe('done');
  expect(await fs.readFile(path.join(runDir('h2', b), 'in', 'notes.md'), 'utf8')).toBe(`notes of ${src}\n`);
  // the existing target is untouched; the failed copy keeps the snapshot for a retry until it expires
  expect(await fs.readFile(path.join(runDir('h2', a), 'in', 'notes.md', 'old.txt'), 'utf8')).toBe('old');
  expect(await listSnapshots(repo(), [`copy:${strict.body.operationId}`])).toHaveLength(1);

  const plain = await copy({
    src: { runid: src, paths: ['notes.md'] },
    dests: [{ runid: a, path: 'in' }],
  }).expect(202);
  await finished(plain.body.operationId);
  const r2 = (await rows(plain.body.operationId))[0];
  expect(r2).toMatchObject({ status: 'failed', errorCode: 'DESTINATION_EXISTS' });
  expect(r2.error).toMatch(/force: true to replace/);

  const forced = await copy({
    src: { runid: src, paths: ['notes.md'] },
    dests: [{ runid: a, path: 'in' }],
    options: { force: true },
  }).expect(202);
  expect((await finished(forced.body.operationId)).status).toBe('succeeded');
  expect(await fs.readFile(path.join(runDir('h2', a), 'in', 'notes.md'), 'utf8')).toBe(`notes of ${src}\n`);
  const applies = await api.world.prisma.operation.findMany({ where: { parentId: forced.body.operationId } });
  expect(applies[0].result).toMatchObject({ replaced: ['in/notes.md'] });
}, 180_000);

test('cancel and expiry end the rows and their waiting jobs, and the snapshot is forgotten; GET /api/copies shows them', async () => {
  expect(maintenanceDutyNames()).toContain('copies');
  const src = await placeRun('h1', 'src');
  const x = await placeRun('h4', 'x'); // h4 never starts
  const y = await placeRun('h4', 'y');
  const res = await copy({
    src: { runid: src, paths: ['handout'] },
    dests: [
      { runid: x, path: 'in' },
      { runid: y, path: 'in' },
    ],
  }).expect(202);
  const { operationId } = res.body;
  const waiting = await until(operationId, (rs) => rs.every((r) => r.snapshotId && r.applyOperationId));
  const snapshotId = waiting[0].snapshotId;
  expect(await listSnapshots(repo(), [`copy:${operationId}`])).toHaveLength(1);

  const rx = byDest(waiting)[x];
  const cancelled = await request(api.app).post(`/api/copies/${rx.id}/cancel`).set(olga.auth).expect(200);
  expect(cancelled.body.status).toBe('cancelled');
  expect(await op(rx.applyOperationId!)).toMatchObject({ status: 'cancelled' });
  // the other destination still needs the snapshot
  expect(await listSnapshots(repo(), [`copy:${operationId}`])).toHaveLength(1);

  // a week later y's host is still down: the maintenance duty expires it and forgets the snapshot
  const ry = byDest(waiting)[y];
  await api.world.prisma.pendingCopy.update({
    where: { id: ry.id },
    data: { expiresAt: new Date(Date.now() - 1000) },
  });
  const swept = await sweepCopies(api.deps);
  // the duty forgets the snapshot, unless the parent, woken by its last child's end, was first
  expect(swept).toMatchObject({ expired: 1 });
  expect(await op(ry.applyOperationId!)).toMatchObject({ status: 'expired' });
  const after = byDest(await rows(operationId));
  expect(after[x].status).toBe('cancelled');
  expect(after[y]).toMatchObject({ status: 'expired', errorCode: 'EXPIRED' });
  await waitFor(async () => (await listSnapshots(repo(), [`copy:${operationId}`])).length === 0, 20_000, 300);
  expect((await rows(operationId)).every((r) => r.snapshotForgottenAt)).toBe(true);
  expect(snapshotId).toBeTruthy();
  // the parent ends with the counts once its children have
  const parent = await finished(operationId);
  expect(parent.status).toBe('succeeded');
  expect(parent.result).toMatchObject({ total: 2, done: 0, cancelled: 1, expired: 1 });
  // nothing was ever written on the host that stayed down, and a second sweep has nothing to do
  expect(await sweepCopies(api.deps)).toEqual({ reconciled: 0, expired: 0, released: 0 });

  const list = await request(api.app).get(`/api/copies?runid=${src}`).set(olga.auth).expect(200);
  expect(list.body.items.map((c: { status: string }) => c.status).sort()).toEqual(['cancelled', 'expired']);
}, 180_000);

test("a fresh backup holding the paths is reused (and kept); a stranger cannot copy into or out of another's run", async () => {
  const src = await placeRun('h1', 'src');
  const dest = await placeRun('h2', 'dest');
  const theirs = await placeRun('h2', 'theirs', [[sam, 'owner']]);
  const deps = { ...api.deps };
  const backup = await enqueueOperation(
    deps,
    runBackup,
    { runid: src, purpose: 'manual' },
    { createdBy: 'olga' },
  );
  expect((await finished(backup.operationId)).status).toBe('succeeded');
  const b = await api.world.prisma.backup.findFirstOrThrow({ where: { runId: src } });
  const res = await copy({
    src: { runid: src, paths: ['handout/data'] },
    dests: [{ runid: dest, path: 'got' }],
  }).expect(202);
  const done = await finished(res.body.operationId);
  expect(done.status).toBe('succeeded');
  expect(done.result).toMatchObject({ snapshotReused: true, snapshotId: b.snapshotId });
  expect(await fs.readFile(path.join(runDir('h2', dest), 'got', 'data', 'big.bin'))).toEqual(
    await fs.readFile(path.join(runDir('h1', src), 'handout', 'data', 'big.bin')),
  );
  // the run's own backup is never forgotten by a copy
  expect((await listSnapshots(repo(), [`run:${src}`])).map((s) => s.id)).toContain(b.snapshotId);

  // a path missing on the source's host (which the API cannot look into) fails the copy and each destination
  const missing = await copy({
    src: { runid: src, paths: ['no-such'] },
    dests: [{ runid: dest, path: 'x' }],
  }).expect(202);
  expect(await finished(missing.body.operationId)).toMatchObject({
    status: 'failed',
    errorCode: 'PATH_NOT_FOUND',
  });
  expect((await rows(missing.body.operationId))[0]).toMatchObject({
    status: 'failed',
    errorCode: 'PATH_NOT_FOUND',
  });

  await copy({ src: { runid: src, paths: ['notes.md'] }, dests: [{ runid: theirs, path: 'x' }] }).expect(404);
  await copy({ src: { runid: theirs, paths: ['notes.md'] }, dests: [{ runid: dest, path: 'x' }] }).expect(
    404,
  );
  await copy(
    { src: { runid: theirs, paths: ['notes.md'] }, dests: [{ runid: dest, path: 'x' }] },
    sam,
  ).expect(404);
  expect(
    await api.world.prisma.pendingCopy.count({
      where: { OR: [{ srcRunId: theirs }, { destRunId: theirs }] },
    }),
  ).toBe(0);
}, 180_000);
