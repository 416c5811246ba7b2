import { parseChannel } from './channels';

test('a run named like another channel family keeps its own live channels', () => {
  for (const runid of ['host', 'backup-repo', 'folder', 'gallery'])
    for (const topic of ['archive', 'migration', 'run_sync'] as const)
      expect(parseChannel(`${runid}:${topic}`)).toEqual({ kind: 'run', runid, topic });
});

test('host, repository, folder and gallery channels parse as themselves', () => {
  expect(parseChannel('host:h2')).toEqual({ kind: 'host', hostId: 'h2' });
  expect(parseChannel('backup-repo:local')).toEqual({ kind: 'backupRepo', repoId: 'local' });
  expect(parseChannel('folder:2f1c1d2e-aaaa-bbbb-cccc-123456789abc')).toEqual({
    kind: 'folder',
    operationId: '2f1c1d2e-aaaa-bbbb-cccc-123456789abc',
  });
  expect(parseChannel('gallery:g1:archive')).toEqual({ kind: 'gallery', galleryId: 'g1' });
  expect(parseChannel('host:../x')).toBeUndefined();
});
