'use client';
import { useCallback, useEffect, useState } from 'react';
import { isTerminalEvent, type RunMigrationStatus } from '@arkive/shared/contracts';
import { api, errorMessage } from '@/lib/api';
import { useChannel } from '@/lib/socket';
import { EventLog, type LogLine } from '@/components/EventLog';
import { ConfirmDialog, ErrorBanner, Loading } from '@/components/ui';

const ACTIONS = [
  { mode: 'validate', label: 'Validate only' },
  { mode: 'dry-run', label: 'Dry run' },
  { mode: 'migrate', label: 'Run migration' },
] as const;

/** "needs migration" or "current", with the version. */
export function VersionBadge({ version, needs }: { version: number; needs: boolean }) {
  return (
    <span
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ${needs ? 'bg-amber-100 text-amber-900' : 'bg-green-100 text-green-800'}`}
    >
      version {version}
      {needs ? ' · needs migration' : ' · current'}
    </span>
  );
}

/**
 * One run's migration state (version, traits, planned order, last migration), the actions
 * Validate only / Dry run / Run migration / Restore last pre-migration archive, and the live log
 * of `<runid>:migration`. The state is re-read after every terminal event and reconnect.
 */
export function MigrationPanel({ runid, canAct }: { runid: string; canAct: boolean }) {
  const base = `/api/runs/${encodeURIComponent(runid)}`;
  const [status, setStatus] = useState<RunMigrationStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    api<RunMigrationStatus>(`${base}/migration`)
      .then((s) => setStatus(s))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [base]);
  useEffect(load, [load]);
  const live = useChannel(
    `${runid}:migration`,
    (e) => {
      setLines((l) =>
        [...l, { key: e.id ?? `${e.ts}-${l.length}`, ts: e.ts, type: e.type, message: e.message }].slice(
          -500,
        ),
      );
      if (isTerminalEvent(e.type)) load();
    },
    load,
  );
  const [confirming, setConfirming] = useState<'migrate' | 'restore' | null>(null);
  const start = async (mode: string) => {
    setConfirming(null);
    setError(null);
    setBusy(true);
    try {
      await api(`${base}/migration`, { method: 'POST', json: { mode } });
      load();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const restore = async (archiveName: string) => {
    setConfirming(null);
    setError(null);
    try {
      await api(`${base}/restore`, { method: 'POST', json: { archiveName } });
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  if (!status) return error ? <ErrorBanner error={error} /> : <Loading />;
  const active = status.active !== null || busy;
  return (
    <section aria-label={`Migration of ${runid}`} className="space-y-4">
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {confirming === 'migrate' && (
        <ConfirmDialog
          title={`Migrate ${runid}?`}
          confirmLabel={`Migrate ${runid}`}
          onConfirm={() => void start('migrate')}
          onCancel={() => setConfirming(null)}
        >
          <p>
            The run is brought to version {status.current_version}. A pre-migration snapshot is taken first
            and any failure restores it; the run is locked while it runs.
          </p>
        </ConfirmDialog>
      )}
      {confirming === 'restore' && status.last?.archive_before && (
        <ConfirmDialog
          title={`Restore ${runid} from ${status.last.archive_before}?`}
          confirmLabel="Replace the run's content"
          onConfirm={() => status.last?.archive_before && void restore(status.last.archive_before)}
          onCancel={() => setConfirming(null)}
        >
          <p>
            Everything in <strong>{runid}</strong> except <code>archives/</code> is replaced with{' '}
            <strong>{status.last.archive_before}</strong>. The current content is kept as a pre-restore
            archive first.
          </p>
        </ConfirmDialog>
      )}
      <div className="flex flex-wrap items-center gap-3">
        <VersionBadge version={status.version} needs={status.needs_migration} />
        <span className="text-sm text-slate-600">target version {status.current_version}</span>
        <span className="text-xs text-slate-500">live: {live}</span>
      </div>
      <table className="w-full text-left text-sm">
        <thead>
          <tr className="border-b text-slate-500">
            <th className="py-1">Trait</th>
            <th>Detected</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {status.traits.map((t) => (
            <tr key={t.id} className="border-b align-top">
              <td className="py-1 pr-3">
                <div className="font-mono">{t.id}</div>
                <div className="text-xs text-slate-500">{t.description}</div>
              </td>
              <td className="pr-3">{t.detected ? 'yes' : 'no'}</td>
              <td className="font-mono text-xs">
                {t.detected ? JSON.stringify(t.details) : ''}
                {t.blockers.map((b) => (
                  <div key={b} className="text-red-700">
                    blocker: {b}
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="text-sm">
        Planned migrations:{' '}
        {status.planned.length ? (
          <span className="font-mono">{status.planned.join(' → ')}</span>
        ) : (
          'none (a migration only stamps the version)'
        )}
      </p>
      {status.last && (
        <p className="text-sm text-slate-600">
          Last migration: {status.last.status ?? '—'} at {new Date(status.last.at).toLocaleString()}
          {status.last.message ? ` — ${status.last.message}` : ''}
          {status.last.archive_before ? ` (before: ${status.last.archive_before}` : ''}
          {status.last.archive_after
            ? `, after: ${status.last.archive_after})`
            : status.last.archive_before
              ? ')'
              : ''}
        </p>
      )}
      {canAct && (
        <div className="flex flex-wrap gap-2">
          {ACTIONS.map((a) => (
            <button
              key={a.mode}
              type="button"
              disabled={active}
              onClick={() => (a.mode === 'migrate' ? setConfirming('migrate') : void start(a.mode))}
              className="rounded-md bg-slate-800 px-3 py-1.5 text-sm text-white disabled:opacity-50"
            >
              {a.label}
            </button>
          ))}
          <button
            type="button"
            disabled={active || !status.last?.archive_before}
            onClick={() => setConfirming('restore')}
            className="rounded-md border border-slate-400 px-3 py-1.5 text-sm disabled:opacity-50"
          >
            Restore last pre-migration archive
          </button>
        </div>
      )}
      <EventLog lines={lines} label={`Migration log of ${runid}`} empty="No migration has run yet." />
    </section>
  );
}
