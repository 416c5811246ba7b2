'use client';
import { useEffect, useState } from 'react';
import { api, errorMessage } from '@/lib/api';
import { formatTime } from '@/lib/format';
import { useMe } from '@/lib/session';
import { BackupStatus } from '@/components/BackupStatus';
import { ConfirmDialog, ErrorBanner, Field } from '@/components/ui';
import { useRun } from '../run-context';

interface Repo {
  id: string;
  kind: 'local' | 's3';
  bucket: string | null;
  default: boolean;
}

/**
 * The run's backups in its settings: repository (region), last backup, fresh / stale. Administrators
 * can move future backups to another region (PATCH /api/runs/:runid/backup-repo); old snapshots stay.
 */
export function BackupSettings() {
  const { run, reload } = useRun();
  const me = useMe();
  const [repos, setRepos] = useState<Repo[] | null>(null);
  const [choice, setChoice] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const b = run.backup;
  useEffect(() => {
    if (!me.isAdmin) return;
    api<{ items: Repo[] }>('/api/backup-repos')
      .then((r) => setRepos(r.items))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [me.isAdmin]);
  const change = async () => {
    setConfirming(false);
    setError(null);
    try {
      const r = await api<{ warning: string | null; backupRepoId: string }>(
        `/api/runs/${encodeURIComponent(run.runid)}/backup-repo`,
        { method: 'PATCH', json: { backupRepoId: choice } },
      );
      setNotice(r.warning ?? `Backups of ${run.runid} go to ${r.backupRepoId}`);
      await reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <section aria-labelledby="backup-h" className="card mb-6 space-y-3" data-testid="backup-settings">
      <h2 id="backup-h" className="text-lg font-semibold">
        Backups
      </h2>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-slate-600">Region (repository)</dt>
        <dd data-testid="backup-region">
          <strong>{b.region}</strong>
          {!b.backupRepoId && (
            <span className="text-slate-500"> (this host&apos;s default, fixed by the first backup)</span>
          )}
        </dd>
        <dt className="text-slate-600">Last backup</dt>
        <dd>{b.last_backup_at ? formatTime(b.last_backup_at) : 'never'}</dd>
        <dt className="text-slate-600">State</dt>
        <dd>
          <BackupStatus status={b} />
        </dd>
      </dl>
      {notice && (
        <p role="status" className="rounded border border-amber-300 bg-amber-50 p-2 text-sm">
          {notice}
        </p>
      )}
      {me.isAdmin && repos && (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (choice && choice !== b.region) setConfirming(true);
          }}
        >
          <Field label="Move future backups to" id="backup-region-choice">
            <select
              id="backup-region-choice"
              className="input"
              value={choice}
              onChange={(e) => setChoice(e.target.value)}
            >
              <option value="">Choose a region…</option>
              {repos.map((r) => (
                <option key={r.id} value={r.id} disabled={r.id === b.region}>
                  {r.id} ({r.kind}
                  {r.bucket ? ` ${r.bucket}` : ''}){r.default ? ' — default' : ''}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit" className="btn-secondary" disabled={!choice || choice === b.region}>
            Change region…
          </button>
        </form>
      )}
      {confirming && (
        <ConfirmDialog
          title={`Move the backups of ${run.runid} to ${choice}?`}
          confirmLabel={`Use ${choice}`}
          onConfirm={() => void change()}
          onCancel={() => setConfirming(false)}
        >
          <p>New backups of this run go to the repository of region {choice}.</p>
          <p>
            <strong>Snapshots made so far stay in {b.region}</strong>: they are not copied, and are still
            listed and restorable from there. Refused while a backup, restore, prune or ZIP of the run is
            running.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
