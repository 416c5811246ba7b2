'use client';
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorMessage, itemsOf } from '@/lib/api';
import { formatTime } from '@/lib/format';
import {
  isIndeterminate,
  operationLink,
  operationTitle,
  stepIndicator,
  type Operation,
} from '@/lib/operations';
import { useChannel } from '@/lib/socket';
import { channels, OPERATION_STATUSES, operationUpdateDetailSchema } from '@arkive/shared/contracts';
import { Empty, ErrorBanner, Loading, PageHeader, ProgressBar } from '@/components/ui';

const QUEUE_LABELS: Record<string, string> = {
  'compress-folder': 'Copy / Compress',
  'upload-verify': 'Upload',
  compress: 'Run snapshots',
  restore: 'Restores',
};

interface QueueInfo {
  queued_jobs?: { job_id: string; folder_name: string; position: number }[];
}

export default function QueuePage() {
  const [ops, setOps] = useState<Operation[] | null>(null);
  const [positions, setPositions] = useState<Map<string, number>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const load = useCallback(async () => {
    try {
      const [list, queue] = await Promise.all([
        api('/api/operations?status=queued,running&limit=200'),
        api<QueueInfo>('/api/queue').catch(() => undefined),
      ]);
      setOps(itemsOf<Operation>(list));
      setPositions(new Map((queue?.queued_jobs ?? []).map((j) => [j.job_id, j.position])));
    } catch (err) {
      setError(errorMessage(err));
      setOps((o) => o ?? []);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const reloadSoon = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void load(), 250);
  }, [load]);

  const live = useChannel(
    channels.operations(),
    (e, { replay }) => {
      if (replay) return;
      const pct =
        typeof e.percent === 'number'
          ? e.percent
          : e.progress && e.progress.total > 0
            ? (e.progress.current / e.progress.total) * 100
            : undefined;
      const parsed = operationUpdateDetailSchema.safeParse(e.detail);
      const detail = parsed.success ? parsed.data : undefined;
      const status = OPERATION_STATUSES.find((s) => s === detail?.status);
      let known = false;
      setOps(
        (list) =>
          list?.map((o) => {
            if (o.id !== e.operationId) return o;
            known = true;
            return {
              ...o,
              status: status ?? (e.type === 'PROGRESS' || e.type === 'STATUS' ? 'running' : o.status),
              stage: e.stage ?? o.stage,
              progressPercent: pct ?? o.progressPercent,
              currentOperation: e.type === 'LOG' ? o.currentOperation : e.message || o.currentOperation,
            };
          }) ?? list,
      );
      if (!known || e.type !== 'PROGRESS') reloadSoon();
    },
    () => void load(),
  );

  const cancel = async (op: Operation) => {
    setError(null);
    try {
      await api(`/api/operations/${op.id}/cancel`, { method: 'POST' });
      reloadSoon();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const running = (ops ?? []).filter((o) => o.status === 'running');
  const queued = (ops ?? [])
    .filter((o) => o.status === 'queued')
    .sort(
      (a, b) =>
        (positions.get(a.id) ?? Infinity) - (positions.get(b.id) ?? Infinity) ||
        a.createdAt.localeCompare(b.createdAt),
    );
  const byQueue = new Map<string, Operation[]>();
  for (const o of running) byQueue.set(o.queue, [...(byQueue.get(o.queue) ?? []), o]);

  return (
    <>
      <PageHeader title="Queue">
        <span
          className={`self-center text-xs ${live === 'live' ? 'text-green-700' : 'text-amber-700'}`}
          role="status"
        >
          {live === 'live' ? '● Live' : '○ Reconnecting…'}
        </span>
        <Link href="/history" className="btn-secondary">
          View history
        </Link>
      </PageHeader>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {ops === null ? (
        <Loading />
      ) : (
        <>
          <section aria-labelledby="current-title" className="mb-8">
            <h2 id="current-title" className="mb-3 text-lg font-semibold">
              Current operations
            </h2>
            {running.length === 0 ? (
              <Empty title="Nothing is running" />
            ) : (
              <div className="grid gap-4 md:grid-cols-2">
                {[...byQueue.entries()].map(([queue, list]) => (
                  <div key={queue} className="card space-y-4">
                    <h3 className="text-sm font-semibold uppercase tracking-wide text-slate-500">
                      {QUEUE_LABELS[queue] ?? queue}
                    </h3>
                    {list.map((o) => (
                      <div key={o.id} className="space-y-1">
                        <div className="flex flex-wrap items-baseline justify-between gap-2">
                          <Link href={operationLink(o)} className="font-medium text-blue-700 hover:underline">
                            {operationTitle(o)}
                          </Link>
                          <button type="button" className="btn-secondary" onClick={() => void cancel(o)}>
                            Cancel<span className="sr-only"> {operationTitle(o)}</span>
                          </button>
                        </div>
                        <p className="text-sm text-slate-700">{stepIndicator(o)}</p>
                        <ProgressBar
                          percent={isIndeterminate(o) ? undefined : o.progressPercent}
                          label={`Progress of ${operationTitle(o)}`}
                        />
                        {o.currentOperation && (
                          <p className="truncate text-xs text-slate-500">{o.currentOperation}</p>
                        )}
                      </div>
                    ))}
                  </div>
                ))}
              </div>
            )}
          </section>
          <section aria-labelledby="queued-title">
            <h2 id="queued-title" className="mb-3 text-lg font-semibold">
              Queue ({queued.length} {queued.length === 1 ? 'job' : 'jobs'})
            </h2>
            {queued.length === 0 ? (
              <Empty title="The queue is empty" />
            ) : (
              <div className="card overflow-x-auto p-0">
                <table className="data-table">
                  <caption className="sr-only">Queued jobs in order</caption>
                  <thead>
                    <tr>
                      <th scope="col">Position</th>
                      <th scope="col">Job</th>
                      <th scope="col">Created by</th>
                      <th scope="col">Queued at</th>
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {queued.map((o, i) => (
                      <tr key={o.id}>
                        <td>{positions.get(o.id) ?? i + 1}</td>
                        <td>
                          <Link href={operationLink(o)} className="text-blue-700 hover:underline">
                            {operationTitle(o)}
                          </Link>
                        </td>
                        <td>{o.createdBy ?? '—'}</td>
                        <td>{formatTime(o.createdAt)}</td>
                        <td className="text-right">
                          <button type="button" className="btn-secondary" onClick={() => void cancel(o)}>
                            Cancel<span className="sr-only"> {operationTitle(o)}</span>
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}
