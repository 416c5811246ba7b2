'use client';
import { use, useCallback, useEffect, useRef, useState } from 'react';
import { isTerminalEvent, type Accepted, type ArkiveEvent } from '@arkive/shared/contracts';
import { api, errorMessage } from '@/lib/api';
import { formatBytes, formatTime } from '@/lib/format';
import { useMe } from '@/lib/session';
import { useChannel } from '@/lib/socket';
import { Empty, ErrorBanner, Loading, Modal, Notice, PageHeader, ProgressBar } from '@/components/ui';
import { useBackupZips } from './BackupZips';

interface BackupRow {
  id: string;
  short_id: string;
  time: string;
  purpose: string;
  files: number;
  bytes: number;
  bytes_added: number;
  region: string;
}
interface BackupList {
  items: BackupRow[];
  total: number;
  last_backup_at: string | null;
  last_edited_at: string | null;
  stale: boolean;
  warning: string | null;
  region: string;
  run_directory_present: boolean;
}
interface TreeItem {
  name: string;
  path: string;
  type: string;
  size: number;
  mtime: string;
}
interface Plan {
  added: string[];
  replaced: string[];
  removed: string[];
  unchanged: number;
  bytes: number;
  files: number;
}
const WRITE_ROLES = new Set(['collaborator', 'owner']);

function percentOf(e: ArkiveEvent): number | undefined {
  if (typeof e.percent === 'number') return e.percent;
  if (e.progress && e.progress.total > 0) return (e.progress.current / e.progress.total) * 100;
  return undefined;
}

/** The run's Backups tab: list with the stale warning, Back up now, browse, restore whole or chosen paths with a dry-run preview. */
export default function BackupsPage({ params }: { params: Promise<{ runid: string }> }) {
  const runid = decodeURIComponent(use(params).runid);
  const me = useMe();
  const base = `/api/runs/${encodeURIComponent(runid)}`;
  const [list, setList] = useState<BackupList | null>(null);
  const [role, setRole] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [tracked, setTracked] = useState<string | null>(null);
  const trackedRef = useRef<string | null>(null);
  const [progress, setProgress] = useState<{ percent?: number; message: string } | null>(null);
  const [browsing, setBrowsing] = useState<BackupRow | null>(null);
  const [restoring, setRestoring] = useState<{ backup: BackupRow; paths: string[] } | null>(null);
  const zips = useBackupZips(base, runid);

  const load = useCallback(async () => {
    try {
      const [b, run] = await Promise.all([
        api<BackupList>(`${base}/backups`),
        api<{ role?: string }>(base).catch(() => ({ role: undefined })),
      ]);
      setList(b);
      setRole(run.role);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [base]);
  useEffect(() => {
    void load();
  }, [load]);

  const follow = (operationId: string) => {
    trackedRef.current = operationId;
    setTracked(operationId);
    setProgress({ percent: 0, message: 'Queued' });
  };
  const live = useChannel(
    `${runid}:archive`,
    (e, { replay }) => {
      if (e.operationId !== trackedRef.current || replay) return;
      if (isTerminalEvent(e.type)) {
        trackedRef.current = null;
        setTracked(null);
        setProgress(null);
        if (e.type === 'EXCEPTION' || e.type === 'CANCELLED') setError(e.message);
        void load();
        return;
      }
      setProgress((p) => ({ percent: percentOf(e) ?? p?.percent, message: e.message }));
    },
    () => void load(),
  );

  const canWrite = me.isAdmin || (role !== undefined && WRITE_ROLES.has(role));
  const backUpNow = async () => {
    setError(null);
    try {
      const res = await api<Accepted>(`${base}/backups`, { method: 'POST', json: {} });
      follow(res.operationId);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <>
      <PageHeader title={`Backups of ${runid}`}>
        {canWrite && (
          <button
            type="button"
            onClick={() => void backUpNow()}
            disabled={tracked !== null}
            className="rounded bg-blue-600 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-50"
          >
            Back up now
          </button>
        )}
      </PageHeader>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {list && (
        <p className="mb-3 text-sm text-slate-600" data-testid="backup-status">
          Region <strong>{list.region}</strong> · last backup {formatTime(list.last_backup_at) || 'never'} ·
          last edit {formatTime(list.last_edited_at) || 'unknown'}
        </p>
      )}
      {list?.stale && list.warning && (
        <Notice>
          <span role="alert">{list.warning}</span>
        </Notice>
      )}
      {progress && (
        <div className="my-4 space-y-1" aria-live="polite">
          <ProgressBar percent={progress.percent} label="Backup or restore progress" />
          <p className="text-sm text-slate-600">
            {progress.message} {live !== 'live' && <span className="text-slate-400">({live})</span>}
          </p>
        </div>
      )}
      {zips.view}
      {!list ? (
        <Loading label="Loading backups…" />
      ) : list.items.length === 0 ? (
        <Empty title="No backups yet">Back up now to keep a deduplicated, encrypted copy of this run.</Empty>
      ) : (
        <table className="w-full text-left text-sm">
          <thead>
            <tr className="border-b text-slate-500">
              <th className="py-2">Time</th>
              <th>Snapshot</th>
              <th>Files</th>
              <th>Size</th>
              <th>Added</th>
              <th>Purpose</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.items.map((b) => (
              <tr key={b.id} className="border-b">
                <td className="py-2">{formatTime(b.time)}</td>
                <td className="font-mono">{b.short_id}</td>
                <td>{b.files}</td>
                <td>{formatBytes(b.bytes)}</td>
                <td>{formatBytes(b.bytes_added)}</td>
                <td>{b.purpose}</td>
                <td className="space-x-2 text-right">
                  <button
                    type="button"
                    className="text-blue-700 hover:underline"
                    onClick={() => setBrowsing(b)}
                  >
                    Browse
                  </button>
                  <button
                    type="button"
                    className="text-blue-700 hover:underline disabled:opacity-50"
                    disabled={zips.busy}
                    onClick={() => void zips.start(b.id)}
                  >
                    Download as ZIP
                  </button>
                  {canWrite && (
                    <button
                      type="button"
                      className="text-blue-700 hover:underline disabled:opacity-50"
                      disabled={tracked !== null}
                      onClick={() => setRestoring({ backup: b, paths: [] })}
                    >
                      Restore…
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {browsing && (
        <TreeBrowser
          base={base}
          backup={browsing}
          canWrite={canWrite}
          onClose={() => setBrowsing(null)}
          onRestore={(paths) => {
            setBrowsing(null);
            setRestoring({ backup: browsing, paths });
          }}
          onZip={(paths) => {
            setBrowsing(null);
            void zips.start(browsing.id, paths);
          }}
        />
      )}
      {restoring && (
        <RestoreDialog
          base={base}
          runid={runid}
          backup={restoring.backup}
          paths={restoring.paths}
          onClose={() => setRestoring(null)}
          onStarted={(id) => {
            setRestoring(null);
            follow(id);
          }}
        />
      )}
    </>
  );
}

function TreeBrowser({
  base,
  backup,
  canWrite,
  onClose,
  onRestore,
  onZip,
}: {
  base: string;
  backup: BackupRow;
  canWrite: boolean;
  onClose: () => void;
  onRestore: (paths: string[]) => void;
  onZip: (paths: string[]) => void;
}) {
  const [dir, setDir] = useState('');
  const [items, setItems] = useState<TreeItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  useEffect(() => {
    setItems(null);
    api<{ items: TreeItem[] }>(`${base}/backups/${backup.id}/tree?path=${encodeURIComponent(dir)}`)
      .then((b) => setItems(b.items))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [base, backup.id, dir]);
  const up = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
  const toggle = (p: string) =>
    setChosen((s) => {
      const n = new Set(s);
      if (n.has(p)) n.delete(p);
      else n.add(p);
      return n;
    });
  return (
    <Modal title={`Backup ${backup.short_id} — /${dir}`} onClose={onClose}>
      <ErrorBanner error={error} />
      {dir && (
        <button
          type="button"
          className="mb-2 text-sm text-blue-700 hover:underline"
          onClick={() => setDir(up)}
        >
          ↑ Up
        </button>
      )}
      {!items ? (
        <Loading label="Loading folder…" />
      ) : items.length === 0 ? (
        <p className="text-sm text-slate-500">This folder is empty.</p>
      ) : (
        <ul className="max-h-80 overflow-auto text-sm" aria-label="Folder content">
          {items.map((i) => (
            <li key={i.path} className="flex items-center gap-2 py-0.5">
              <input
                type="checkbox"
                aria-label={`Choose ${i.path}`}
                checked={chosen.has(i.path)}
                onChange={() => toggle(i.path)}
              />
              {i.type === 'dir' ? (
                <button
                  type="button"
                  className="text-blue-700 hover:underline"
                  onClick={() => setDir(i.path)}
                >
                  📁 {i.name}
                </button>
              ) : (
                <span>
                  {i.type === 'symlink' ? '🔗' : '📄'} {i.name}
                </span>
              )}
              <span className="ml-auto text-slate-500">
                {i.type === 'file' ? formatBytes(i.size) : ''} {formatTime(i.mtime)}
              </span>
            </li>
          ))}
        </ul>
      )}
      <div className="mt-4 flex justify-end gap-2">
        <button type="button" className="rounded border px-3 py-1.5 text-sm" onClick={onClose}>
          Close
        </button>
        <button
          type="button"
          disabled={chosen.size === 0}
          className="rounded border px-3 py-1.5 text-sm disabled:opacity-50"
          onClick={() => onZip([...chosen])}
        >
          Download {chosen.size || ''} chosen as ZIP
        </button>
        {canWrite && (
          <button
            type="button"
            disabled={chosen.size === 0}
            className="rounded bg-blue-600 px-3 py-1.5 text-sm text-white disabled:opacity-50"
            onClick={() => onRestore([...chosen])}
          >
            Restore {chosen.size || ''} chosen…
          </button>
        )}
      </div>
    </Modal>
  );
}

function RestoreDialog({
  base,
  runid,
  backup,
  paths,
  onClose,
  onStarted,
}: {
  base: string;
  runid: string;
  backup: BackupRow;
  paths: string[];
  onClose: () => void;
  onStarted: (operationId: string) => void;
}) {
  const [plan, setPlan] = useState<Plan | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const url = `${base}/backups/${backup.id}/restore`;
  const json = paths.length ? { paths } : {};
  useEffect(() => {
    api<{ plan: Plan }>(url, { method: 'POST', json: { ...(paths.length ? { paths } : {}), dryRun: true } })
      .then((b) => setPlan(b.plan))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [url, paths]);
  const start = async () => {
    try {
      const res = await api<Accepted>(url, { method: 'POST', json });
      onStarted(res.operationId);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const sample = (l: string[]) =>
    l.length > 8 ? `${l.slice(0, 8).join(', ')} and ${l.length - 8} more` : l.join(', ');
  return (
    <Modal
      title={`Restore ${paths.length ? paths.join(', ') : 'the whole run'} from ${backup.short_id}`}
      onClose={onClose}
      describedBy="restore-plan"
    >
      <ErrorBanner error={error} />
      {!plan ? (
        !error && <Loading label="Computing what the restore would change…" />
      ) : (
        <div id="restore-plan" className="space-y-1 text-sm" data-testid="restore-plan">
          <p>
            {plan.files} files ({formatBytes(plan.bytes)}) written; {plan.added.length} added,{' '}
            {plan.replaced.length} replaced, {plan.removed.length} removed, {plan.unchanged} unchanged.
          </p>
          {plan.replaced.length > 0 && <p>Replaced: {sample(plan.replaced)}</p>}
          {plan.removed.length > 0 && <p>Removed: {sample(plan.removed)}</p>}
          <p className="text-slate-600">
            The current content of {runid} is kept as a pre-restore archive; archives/ is never touched.
          </p>
          <label className="mt-2 flex items-center gap-2">
            <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />I
            understand what this restore changes
          </label>
        </div>
      )}
      <div className="mt-4 flex justify-end gap-2">
        <button type="button" className="rounded border px-3 py-1.5 text-sm" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          disabled={!plan || !confirmed}
          className="rounded bg-red-600 px-3 py-1.5 text-sm text-white disabled:opacity-50"
          onClick={() => void start()}
        >
          Restore
        </button>
      </div>
    </Modal>
  );
}
