'use client';
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorMessage } from '@/lib/api';
import { formatBytes, formatDuration, formatTime } from '@/lib/format';
import { isIndeterminate, stageLabel, type Operation } from '@/lib/operations';
import { useChannel } from '@/lib/socket';
import { kindSpec, stageIndex } from '@arkive/shared/contracts';
import { EventLog, type LogLine } from './EventLog';
import { ErrorBanner, Loading, PageHeader, StatusBadge } from './ui';
import { eventPercent, OperationProgress, type LiveProgress } from './OperationProgress';
import { explainError } from '@/lib/errors';

/** "Attempt 1 of 3" and whether another attempt will happen. */
function attemptText(op: Operation): string {
  const base = `${op.attempt} of ${op.maxAttempts}`;
  if (op.status === 'succeeded' || op.status === 'cancelled' || op.status === 'expired') return base;
  if (op.status === 'failed')
    return op.retryable
      ? `${base}: no more automatic attempts; Retry starts a new one`
      : `${base}: no more attempts`;
  if (op.attempt < op.maxAttempts)
    return `${base}: if this one fails, another attempt follows automatically (${op.maxAttempts - op.attempt} left)`;
  return `${base}: the last automatic attempt`;
}

interface LogRow {
  id: number;
  ts: string;
  level: string;
  message: string;
}
/** Operation detail (also the folder job detail): fields, progress, live logs, retry/cancel, .txt download. */
export function OperationView({
  id,
  extra,
  title,
  onLoaded,
}: {
  id: string;
  extra?: (op: Operation) => React.ReactNode;
  title?: (op: Operation) => string;
  /** Runs after each read of the row (a page with its own fields re-reads them: live detail fields). */
  onLoaded?: (op: Operation) => void;
}) {
  const [op, setOp] = useState<Operation | null>(null);
  const [logs, setLogs] = useState<LogLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<LiveProgress | null>(null);
  const onLoadedRef = useRef(onLoaded);
  onLoadedRef.current = onLoaded;
  const load = useCallback(async () => {
    try {
      const [o, l] = await Promise.all([
        api<Operation>(`/api/operations/${id}`),
        api<{ items: LogRow[] }>(`/api/operations/${id}/logs?limit=5000`),
      ]);
      // The overall percent never goes back on this page while the operation runs on, also across
      // a hand-off to its next queue (the row says `queued` there, with the percent it last stored,
      // which can be older than the live events this page already showed).
      const open = (s: string) => s === 'running' || s === 'queued';
      // The same holds for the stage: a row read while live events already moved on keeps the later one.
      setOp((prev) => {
        if (!(prev && prev.id === o.id && open(o.status) && open(prev.status))) return o;
        const spec = kindSpec(o.kind);
        const behind = spec && stageIndex(spec, o.stage) < stageIndex(spec, prev.stage);
        return {
          ...o,
          progressPercent: Math.max(prev.progressPercent, o.progressPercent),
          ...(behind ? { stage: prev.stage } : {}),
        };
      });
      onLoadedRef.current?.(o);
      setLogs(l.items.map((r) => ({ key: `db-${r.id}`, ts: r.ts, level: r.level, message: r.message })));
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reloadSoon = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void load(), 200);
  }, [load]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const active = op && (op.status === 'queued' || op.status === 'running');
  useChannel(
    active ? op.channel : undefined,
    (e, { replay }) => {
      if (e.operationId !== id) return;
      // Replayed events may be newer than the row this page loaded (it joined after loading):
      // read the row again rather than assume.
      if (replay) {
        if (e.type !== 'PROGRESS') reloadSoon();
        return;
      }
      if (e.type === 'LOG' || e.type === 'STATUS' || e.type === 'EXCEPTION') {
        setLogs((ls) => [
          ...ls,
          {
            key: e.id ?? `${e.ts}-${ls.length}`,
            ts: e.ts,
            level: e.type === 'EXCEPTION' ? 'ERROR' : 'INFO',
            message: e.message,
          },
        ]);
      }
      const pct = eventPercent(e);
      if (e.progress) setProgress(e.progress);
      else if (e.type === 'STATUS' && e.stage) setProgress((p) => (e.stage === op?.stage ? p : null));
      setOp((o) =>
        o
          ? {
              ...o,
              stage: e.stage ?? o.stage,
              progressPercent: Math.max(o.progressPercent, pct ?? 0),
              currentOperation: e.message || o.currentOperation,
            }
          : o,
      );
      // Progress is applied as it comes; a status line may mean a new state (started, handed to
      // another queue, retrying), so the row is read again: Postgres is the truth.
      if (e.type !== 'PROGRESS') reloadSoon();
    },
    () => void load(),
  );

  const retry = async () => {
    setError(null);
    try {
      await api(`/api/operations/${id}/retry`, { method: 'POST' });
      await load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const cancel = async () => {
    setError(null);
    try {
      await api(`/api/operations/${id}/cancel`, { method: 'POST' });
      await load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  if (!op) return error ? <ErrorBanner error={error} /> : <Loading />;
  const result = (op.result ?? {}) as Record<string, unknown>;
  const firstStage = kindSpec(op.kind)?.stages[0]?.name;
  const retryFromLater = !!op.retryStage && op.retryStage !== firstStage;
  const explained = explainError(op.errorCode, op.error);
  return (
    <>
      <PageHeader title={title ? title(op) : `${op.kind} · ${op.scopeId}`}>
        {active && op.cancellable && (
          <button type="button" className="btn-secondary" onClick={() => void cancel()}>
            Cancel
          </button>
        )}
        {op.retryable && (
          <button type="button" className="btn-primary" onClick={() => void retry()}>
            {retryFromLater ? `Retry from: ${stageLabel(op.retryStage, op.kind)}` : 'Retry'}
          </button>
        )}
      </PageHeader>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <section className="card mb-6" aria-label="Details">
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]">
          <dt className="font-medium text-slate-600">Status</dt>
          <dd>
            <StatusBadge status={op.status} />{' '}
            {active && op.stage && (
              <span className="ml-2 text-slate-600">{stageLabel(op.stage, op.kind)}</span>
            )}
          </dd>
          <dt className="font-medium text-slate-600">Kind</dt>
          <dd>{op.kind}</dd>
          <dt className="font-medium text-slate-600">Scope</dt>
          <dd>
            {op.scopeType === 'run' ? (
              <Link
                className="text-blue-700 hover:underline"
                href={`/runs/${encodeURIComponent(op.scopeId)}`}
              >
                run {op.scopeId}
              </Link>
            ) : (
              `${op.scopeType} ${op.scopeId}`
            )}
          </dd>
          <dt className="font-medium text-slate-600">Created</dt>
          <dd>
            {formatTime(op.createdAt)} {op.createdBy && `by ${op.createdBy}`}
          </dd>
          <dt className="font-medium text-slate-600">Started</dt>
          <dd>{formatTime(op.startedAt)}</dd>
          <dt className="font-medium text-slate-600">Ended</dt>
          <dd>{formatTime(op.finishedAt)}</dd>
          <dt className="font-medium text-slate-600">Duration</dt>
          <dd>{formatDuration(op.startedAt ?? op.createdAt, op.finishedAt)}</dd>
          <dt className="font-medium text-slate-600">Attempt</dt>
          <dd>{attemptText(op)}</dd>
          {!extra && typeof result.size === 'number' && (
            <>
              <dt className="font-medium text-slate-600">Archive size</dt>
              <dd>{formatBytes(result.size)}</dd>
            </>
          )}
          {extra?.(op)}
          {op.error && (
            <>
              <dt className="font-medium text-red-700">Error</dt>
              <dd className="whitespace-pre-wrap text-red-800">
                {explained.known ? (
                  <>
                    <p className="font-medium">{explained.summary}</p>
                    <p className="mt-1 text-red-900">{explained.next}</p>
                    <details className="mt-1 text-xs text-red-700">
                      <summary>Technical detail</summary>
                      {op.error}
                      {op.errorCode && <span className="ml-2">({op.errorCode})</span>}
                    </details>
                  </>
                ) : (
                  <>
                    {/* The server's message already says what happened and what to do. */}
                    {op.error}
                    {op.errorCode && <span className="ml-2 text-xs text-red-600">({op.errorCode})</span>}
                  </>
                )}
              </dd>
            </>
          )}
        </dl>
        {(active || kindSpec(op.kind)) && (
          <div className="mt-4">
            <OperationProgress
              kind={op.kind}
              stage={op.stage}
              status={op.status}
              percent={op.status === 'succeeded' ? 100 : op.progressPercent}
              progress={active ? progress : null}
              startedAt={op.startedAt}
              indeterminate={isIndeterminate(op)}
            />
          </div>
        )}
      </section>
      <section aria-labelledby="logs-title">
        <div className="mb-2 flex items-center justify-between">
          <h2 id="logs-title" className="text-lg font-semibold">
            Logs
          </h2>
          <a className="btn-secondary" href={`/api/operations/${id}/logs?format=txt`} download>
            Download logs (.txt)
          </a>
        </div>
        <EventLog lines={logs} label="Operation logs" empty="No log lines yet." />
      </section>
    </>
  );
}
