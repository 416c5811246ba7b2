'use client';
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  isTerminalEvent,
  type Accepted,
  type ActiveOperation,
  type ArchiveItem,
  type ArkiveEvent,
  type RunArchives,
  runRestoreSpec,
  runSnapshotSpec,
} from '@arkive/shared/contracts';
import { api, ApiError, errorMessage } from '@/lib/api';
import { formatTime } from '@/lib/format';
import { useMe } from '@/lib/session';
import { useChannel } from '@/lib/socket';
import { stageLabel } from '@/lib/operations';
import { EventLog, type LogLine } from '@/components/EventLog';
import { ConfirmDialog, Empty, ErrorBanner, Field, Loading, PageHeader, ProgressBar } from '@/components/ui';
import { Bytes } from '@/components/Bytes';
import { RetentionPanel } from './RetentionPanel';
import { eventPercent, OperationProgress, type LiveProgress } from '@/components/OperationProgress';
import { explainError } from '@/lib/errors';
import type { Operation } from '@/lib/operations';
import { CopyHash } from '@/components/CopyHash';
import { RunHealthPanel } from '@/components/RunHealth';
import { useRun } from './run-context';

export type ArchiveRow = ArchiveItem;
type ActiveOp = Pick<ActiveOperation, 'id'> & Partial<ActiveOperation>;
const WRITE_ROLES = new Set(['collaborator', 'owner']);

/** The overall percent of an event; a stage's own current/total restarts per stage and is never used. */
const percentOf = (e: ArkiveEvent): number | undefined => eventPercent(e);
/** The run channel carries snapshots and restores: a restore's stages are its own. */
const kindOfStage = (stage: string) =>
  runRestoreSpec.stages.some((s) => s.name === stage) ? runRestoreSpec.kind : runSnapshotSpec.kind;

export function RunDashboard({ runid }: { runid: string }) {
  const me = useMe();
  const { run, reload: reloadRun } = useRun();
  const base = `/api/runs/${encodeURIComponent(runid)}`;
  const [archives, setArchives] = useState<ArchiveRow[] | null>(null);
  const role = run.role;
  const [channel, setChannel] = useState<string | undefined>(run.channel);
  const [active, setActive] = useState<ActiveOp | null>(null);
  const [trackedOp, setTrackedOp] = useState<string | null>(null);
  const trackedRef = useRef<string | null>(null);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [percent, setPercentRaw] = useState<number | undefined>(undefined);
  /** The overall percent only grows while one operation runs (a new operation starts again at 0). */
  const setPercent = useCallback((p: number | undefined) => {
    setPercentRaw((prev) => (p === undefined ? prev : Math.max(prev ?? 0, p)));
  }, []);
  const [progress, setProgress] = useState<LiveProgress | null>(null);
  const [opInfo, setOpInfo] = useState<Pick<Operation, 'kind' | 'startedAt' | 'status' | 'stage'> | null>(
    null,
  );
  /** The run's last operation when it failed: its error in plain words and Retry. */
  const [failedOp, setFailedOp] = useState<Operation | null>(null);
  const track = useCallback((id: string) => {
    if (trackedRef.current !== id) {
      setLines([]);
      setPercentRaw(undefined);
      setProgress(null);
      setOpInfo(null);
    }
    trackedRef.current = id;
    setTrackedOp(id);
  }, []);
  const [finished, setFinished] = useState<{ type: string; message: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [label, setLabel] = useState('');
  /** The archive whose restore awaits confirmation; `empty`: it holds no files (the run would be emptied). */
  const [confirming, setConfirming] = useState<{ archive: ArchiveRow; empty: boolean } | null>(null);
  const [emptyConfirmed, setEmptyConfirmed] = useState(false);
  const confirm = (archive: ArchiveRow, empty: boolean) => {
    setEmptyConfirmed(false);
    setConfirming({ archive, empty });
  };
  const [submitting, setSubmitting] = useState(false);
  const [deleting, setDeleting] = useState<ArchiveRow | null>(null);
  const [listVersion, setListVersion] = useState(0);
  const [preRestoreDays, setPreRestoreDays] = useState<number | null>(null);
  const expiry = (a: ArchiveRow) =>
    preRestoreDays
      ? formatTime(new Date(new Date(a.createdAt).getTime() + preRestoreDays * 86_400_000).toISOString())
      : null;

  /** Postgres is the truth: the archive list and the active operation come from the API. */
  const load = useCallback(async () => {
    try {
      const [list] = await Promise.all([api<RunArchives>(`${base}/archives`), reloadRun()]);
      setArchives(list.items);
      const op = list.activeOperation;
      setActive(op);
      if (op) {
        track(op.id);
        setPercent(op.progressPercent ?? undefined);
        setFinished(null);
        setFailedOp(null);
        void api<Operation>(`/api/operations/${op.id}`)
          .then((o) => setOpInfo({ kind: o.kind, startedAt: o.startedAt, status: o.status, stage: o.stage }))
          .catch(() => undefined);
      } else {
        // The run's newest operation: if it failed, the page says why and offers Retry.
        const last = await api<{ items: Operation[] }>(
          `/api/operations?scopeType=run&scopeId=${encodeURIComponent(runid)}&limit=1`,
        ).catch(() => ({ items: [] as Operation[] }));
        setFailedOp(last.items[0]?.status === 'failed' ? last.items[0] : null);
      }
      if (op?.channel) setChannel(op.channel);
    } catch (err) {
      setError(errorMessage(err));
      setArchives((a) => a ?? []);
    }
  }, [base, track, reloadRun, runid, setPercent]);
  useEffect(() => {
    void load();
  }, [load]);

  const live = useChannel(
    channel,
    (e, { replay }) => {
      const line: LogLine = {
        key: e.id ?? `${e.ts}-${Math.random()}`,
        ts: e.ts,
        type: e.type,
        message: e.message,
      };
      const cur = trackedRef.current;
      if (cur !== e.operationId) {
        // Follow a new operation when it starts (or the first one seen); ignore stragglers of older ones.
        const starts = e.type === 'ENQUEUED' || (!replay && !isTerminalEvent(e.type)) || cur === null;
        if (!starts) return;
        track(e.operationId);
        setLines(e.type === 'PROGRESS' ? [] : [line]);
        setPercent(e.type === 'ENQUEUED' ? 0 : undefined);
      } else if (e.type !== 'PROGRESS') {
        // PROGRESS moves the bar; only lines (the ones the stored log has too) go into the log.
        setLines((ls) => [...ls.slice(-499), line]);
      }
      const p = percentOf(e);
      if (p !== undefined) setPercent(p);
      if (e.progress) setProgress(e.progress);
      if (e.stage)
        setOpInfo((o) => {
          if (o && o.stage !== e.stage && !e.progress) setProgress(null);
          return {
            kind: o?.kind || kindOfStage(e.stage!),
            startedAt: o?.startedAt ?? (e.type === 'ENQUEUED' ? null : e.ts),
            status: 'running',
            stage: e.stage ?? null,
          };
        });
      if (replay) return;
      if (isTerminalEvent(e.type)) {
        if (e.type === 'ARCHIVE_COMPLETE' || e.type === 'RESTORE_COMPLETE') setPercent(100);
        setFinished({ type: e.type, message: e.message });
        setActive(null);
        setOpInfo((o) => (o ? { ...o, status: e.type === 'EXCEPTION' ? 'failed' : 'succeeded' } : o));
        void load();
      } else {
        setFinished(null);
        setActive((a) =>
          a && a.id === e.operationId
            ? {
                ...a,
                status: e.type === 'ENQUEUED' ? a.status : 'running',
                progressPercent: p ?? a.progressPercent,
                stage: e.stage ?? a.stage,
              }
            : { id: e.operationId, stage: e.stage, status: e.type === 'ENQUEUED' ? 'queued' : 'running' },
        );
      }
    },
    () => void load(),
  );

  const opKind = active?.kind ?? opInfo?.kind ?? undefined;
  const canWrite = me.isAdmin || (role !== undefined && WRITE_ROLES.has(role));
  const busy = active !== null || submitting;
  const health = run.health;
  const blocked = health?.snapshotBlockedReason ?? (run.exists ? null : 'The run directory is missing.');

  const createArchive = async (e: React.FormEvent) => {
    e.preventDefault();
    setSubmitting(true);
    setError(null);
    try {
      const res = await api<Accepted>(`${base}/archives`, {
        method: 'POST',
        json: label.trim() ? { label: label.trim() } : {},
      });
      setChannel(res.channel);
      setActive({ id: res.operationId, kind: 'run-snapshot', status: 'queued', stage: null });
      track(res.operationId);
      setFinished(null);
      setPercent(0);
      setLabel('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSubmitting(false);
    }
  };
  const restore = async (a: ArchiveRow, allowEmpty: boolean) => {
    setConfirming(null);
    setSubmitting(true);
    setError(null);
    try {
      const res = await api<Accepted>(`${base}/restore`, {
        method: 'POST',
        // allowEmpty only after the person confirmed the warning that the run will be emptied
        json: allowEmpty ? { archiveName: a.name, allowEmpty: true } : { archiveName: a.name },
      });
      setChannel(res.channel);
      setActive({ id: res.operationId, kind: 'run-restore', status: 'queued', stage: null });
      track(res.operationId);
      setFinished(null);
      setPercent(0);
    } catch (err) {
      // The server found no files in it (its file count was unknown here): ask again, with the warning.
      if (err instanceof ApiError && err.code === 'ARCHIVE_EMPTY' && !allowEmpty) confirm(a, true);
      else setError(errorMessage(err));
    } finally {
      setSubmitting(false);
    }
  };
  const retry = async (id: string) => {
    setError(null);
    try {
      await api(`/api/operations/${id}/retry`, { method: 'POST' });
      setFailedOp(null);
      track(id);
      setFinished(null);
      await load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const cancel = async () => {
    if (!active) return;
    try {
      await api(`/api/operations/${active.id}/cancel`, { method: 'POST' });
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const isOwner = me.isAdmin || role === 'owner';
  const deleteArchive = async (a: ArchiveRow) => {
    setDeleting(null);
    setError(null);
    try {
      await api(`${base}/archives/${encodeURIComponent(a.name)}`, { method: 'DELETE' });
      await load();
      setListVersion((v) => v + 1);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      // The row and its buttons are gone: focus the list's heading, not the page's start.
      document.getElementById('archives-title')?.focus();
    }
  };
  const actions = (a: ArchiveRow) => (
    <div className="flex flex-wrap justify-end gap-2">
      <a
        className="btn-secondary"
        href={a.downloadUrl ?? `${base}/archives/${encodeURIComponent(a.name)}/download`}
        download
      >
        Download<span className="sr-only"> {a.name}</span>
      </a>
      {canWrite && (
        <button
          type="button"
          className="btn-danger"
          disabled={busy || !run.exists}
          onClick={() => confirm(a, a.fileCount === 0)}
        >
          Restore<span className="sr-only"> {a.name}</span>
        </button>
      )}
      {isOwner && a.downloadable && (
        <button
          type="button"
          className="btn-secondary text-red-700"
          disabled={busy}
          onClick={() => setDeleting(a)}
        >
          Delete<span className="sr-only"> {a.name}</span>
        </button>
      )}
    </div>
  );
  /** The API's words for an archive's kind: snapshot, pre-restore, pre-migration. */
  const kindLabel = (k: string) => k;

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500">
        <Link href="/runs" className="hover:underline">
          Runs
        </Link>{' '}
        / {runid}
      </nav>
      <PageHeader title={`Archives of ${runid}`} />
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {health && <RunHealthPanel runid={runid} health={health} />}

      {canWrite && (
        <form
          onSubmit={(e) => void createArchive(e)}
          className="card mb-6 flex flex-wrap items-end gap-3"
          aria-label="Create archive"
        >
          <div className="min-w-64 flex-1">
            <Field label="Label (optional)" id="archive-label">
              <input
                id="archive-label"
                className="input"
                maxLength={100}
                value={label}
                onChange={(e) => setLabel(e.target.value)}
                placeholder="e.g. before calibration"
              />
            </Field>
          </div>
          <button
            type="submit"
            className="btn-primary"
            disabled={busy || blocked !== null}
            aria-describedby={blocked ? 'snapshot-blocked' : undefined}
          >
            Create archive
          </button>
          {blocked && (
            <p id="snapshot-blocked" className="w-full text-sm text-red-800">
              Snapshot unavailable: {blocked}
            </p>
          )}
        </form>
      )}

      <section aria-labelledby="status-title" className="card mb-6 space-y-3">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h2 id="status-title" className="text-lg font-semibold">
            Status
          </h2>
          <span className={`text-xs ${live === 'live' ? 'text-green-700' : 'text-amber-700'}`} role="status">
            {live === 'live'
              ? '● Live'
              : live === 'denied'
                ? 'Live updates not permitted'
                : '○ Reconnecting…'}
          </span>
        </div>
        {active && (
          <p className="text-sm text-slate-700">
            {active.status === 'queued'
              ? `Waiting in the queue to ${active.kind === 'run-restore' ? 'restore' : 'archive'}`
              : active.kind === 'run-restore'
                ? 'Restoring'
                : active.kind === 'run-snapshot'
                  ? 'Archiving'
                  : 'Working'}
            {active.status === 'running' && active.stage ? ` — ${stageLabel(active.stage, active.kind)}` : ''}
            …{' '}
            <Link className="text-blue-700 hover:underline" href={`/operations/${active.id}`}>
              details
            </Link>
          </p>
        )}
        {(active || trackedOp) &&
          (opKind ? (
            <OperationProgress
              kind={opKind}
              stage={active?.stage ?? opInfo?.stage}
              status={active ? (active.status ?? 'running') : (opInfo?.status ?? 'succeeded')}
              percent={percent}
              progress={active ? progress : null}
              startedAt={opInfo?.startedAt}
            />
          ) : (
            <ProgressBar percent={percent} label="Operation progress" />
          ))}
        {finished && (
          <div
            role="status"
            className={`rounded-md px-3 py-2 text-sm ${finished.type.endsWith('COMPLETE') ? 'bg-green-50 text-green-800' : 'bg-red-50 text-red-800'}`}
          >
            {finished.type === 'ARCHIVE_COMPLETE'
              ? 'Archive created. '
              : finished.type === 'RESTORE_COMPLETE'
                ? 'Restore finished. '
                : finished.type === 'CANCELLED'
                  ? 'Cancelled. '
                  : 'Failed: '}
            {finished.type === 'EXCEPTION' && finished.message}{' '}
            <Link
              href={`/runs/${encodeURIComponent(runid)}`}
              onClick={() => void load()}
              className="font-medium underline"
            >
              Back to run {runid}
            </Link>
          </div>
        )}
        {!active && !finished && failedOp && (
          <div role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
            <p className="font-semibold">
              The last {failedOp.kind === 'run-restore' ? 'restore' : 'snapshot'} failed:{' '}
              {explainError(failedOp.errorCode, failedOp.error).summary}
            </p>
            <p>{explainError(failedOp.errorCode, failedOp.error).next}</p>
            <p className="mt-1 text-xs">
              {explainError(failedOp.errorCode, failedOp.error).known && failedOp.error}{' '}
              <Link className="underline" href={`/operations/${failedOp.id}`}>
                details
              </Link>
            </p>
          </div>
        )}
        {!active && canWrite && failedOp?.retryable && (
          <button type="button" className="btn-primary" onClick={() => void retry(failedOp.id)}>
            Retry
          </button>
        )}
        <EventLog lines={lines} label="Operation messages" empty="No archive or restore has run yet." />
        {active && canWrite && (
          <button type="button" className="btn-secondary" onClick={() => void cancel()}>
            Cancel operation
          </button>
        )}
      </section>

      <section aria-labelledby="archives-title">
        <h2 id="archives-title" className="mb-3 text-lg font-semibold" tabIndex={-1}>
          Archives
        </h2>
        {archives === null ? (
          <Loading />
        ) : archives.length === 0 ? (
          <Empty title="No archives yet">
            {canWrite
              ? 'Create the first snapshot with “Create archive”.'
              : 'A collaborator or owner can create one.'}
          </Empty>
        ) : (
          <>
            <div className="card hidden overflow-x-auto p-0 sm:block">
              <table className="data-table">
                <caption className="sr-only">Archives of run {runid}</caption>
                <thead>
                  <tr>
                    <th scope="col">Archive</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Files</th>
                    <th scope="col">Size</th>
                    <th scope="col">Created</th>
                    <th scope="col">SHA-256</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {archives.map((a) => (
                    <tr key={a.name} data-archive={a.name}>
                      <td>
                        <div className="font-medium break-all">{a.name}</div>
                        {a.label && <div className="text-xs text-slate-500">{a.label}</div>}
                      </td>
                      <td className="whitespace-nowrap">
                        <span className="rounded bg-slate-100 px-1 text-xs">{kindLabel(a.kind)}</span>
                        {a.kind === 'pre-restore' && expiry(a) && (
                          <div className="text-xs text-slate-500">expires {expiry(a)}</div>
                        )}
                      </td>
                      <td>{a.fileCount?.toLocaleString('en-US') ?? '—'}</td>
                      <td className="whitespace-nowrap">
                        <Bytes value={a.size} />
                      </td>
                      <td className="whitespace-nowrap">{formatTime(a.createdAt)}</td>
                      <td>
                        {/* an archive file without a database row (copied in, made by the CLI) has no recorded hash */}
                        {a.sha256 ? (
                          <CopyHash hash={a.sha256} />
                        ) : (
                          <span className="text-xs text-slate-500">not recorded</span>
                        )}
                      </td>
                      <td className="whitespace-nowrap text-right">{actions(a)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <ul className="space-y-3 sm:hidden" aria-label={`Archives of run ${runid}`}>
              {archives.map((a) => (
                <li key={a.name} className="card space-y-2 text-sm" data-archive={a.name}>
                  <div className="font-medium break-all">{a.name}</div>
                  {a.label && <div className="text-xs text-slate-500">{a.label}</div>}
                  <div className="text-slate-600">
                    {kindLabel(a.kind)} · {a.fileCount?.toLocaleString('en-US') ?? '—'} files ·{' '}
                    <Bytes value={a.size} /> · {formatTime(a.createdAt)}
                    {a.kind === 'pre-restore' && expiry(a) && ` · expires ${expiry(a)}`}
                  </div>
                  {actions(a)}
                </li>
              ))}
            </ul>
          </>
        )}
        <RetentionPanel
          runid={runid}
          isOwner={isOwner}
          refreshKey={listVersion}
          onApplied={() => void load()}
          onPolicy={setPreRestoreDays}
        />
      </section>

      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete archive"
          onCancel={() => setDeleting(null)}
          onConfirm={() => void deleteArchive(deleting)}
        >
          <p>
            The {kindLabel(deleting.kind)} archive <strong className="break-all">{deleting.name}</strong> (
            <Bytes value={deleting.size} />,{' '}
            {deleting.fileCount?.toLocaleString('en-US') ?? 'unknown number of'} files) is removed from{' '}
            <code>archives/</code> of run <strong>{runid}</strong>.
          </p>
          <p>This cannot be undone. The deletion is recorded in the run&apos;s deletion log.</p>
        </ConfirmDialog>
      )}
      {confirming && (
        <ConfirmDialog
          title={`Restore ${confirming.archive.name}?`}
          onCancel={() => setConfirming(null)}
          cancelLabel="Keep current content"
          confirmLabel={confirming.empty ? 'Empty the run and restore' : 'Replace and restore'}
          disabled={confirming.empty && !emptyConfirmed}
          onConfirm={() => void restore(confirming.archive, confirming.empty && emptyConfirmed)}
        >
          {confirming.empty && (
            <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-red-800">
              <p className="font-semibold">This archive holds no files.</p>
              <p>
                Restoring it removes every file of run <strong>{runid}</strong> (everything except the{' '}
                <code>archives/</code> folder) and leaves the run empty.
              </p>
            </div>
          )}
          <p>
            Everything in run <strong>{runid}</strong> except the <code>archives/</code> folder will be
            replaced by the contents of this archive.
          </p>
          <p>
            The current content is kept first as a pre-restore snapshot under <code>archives/</code>, so you
            can go back to it.
          </p>
          {confirming.empty && (
            <label className="flex items-start gap-2 pt-1 font-medium text-red-800">
              <input
                type="checkbox"
                className="mt-1"
                checked={emptyConfirmed}
                onChange={(e) => setEmptyConfirmed(e.target.checked)}
              />
              <span>I understand that run {runid} will have no files after this restore</span>
            </label>
          )}
        </ConfirmDialog>
      )}
    </>
  );
}
