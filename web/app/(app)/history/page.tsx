'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage } from '@/lib/api';
import { formatDuration, formatTime } from '@/lib/format';
import { operationLink, operationTitle, type Operation } from '@/lib/operations';
import { Empty, ErrorBanner, Loading, Modal, Notice, PageHeader, StatusBadge } from '@/components/ui';
import { useMe } from '@/lib/session';
import { Pagination } from '@/components/Pagination';

const FILTERS = [
  { key: 'succeeded', label: 'Completed' },
  { key: 'failed', label: 'Failed' },
  { key: 'cancelled', label: 'Cancelled' },
  { key: 'expired', label: 'Expired' },
] as const;
const PAGE = 25;

export default function HistoryPage() {
  const router = useRouter();
  const me = useMe();
  const [confirmClear, setConfirmClear] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set(FILTERS.map((f) => f.key)));
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ items: Operation[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = useCallback(() => {
    const statuses = [...selected].join(',');
    if (!statuses) {
      setData({ items: [], total: 0 });
      return;
    }
    api<{ items: Operation[]; total: number }>(
      `/api/operations?status=${statuses}&limit=${PAGE}&offset=${(page - 1) * PAGE}`,
    )
      .then(setData)
      .catch((e: unknown) => {
        setError(errorMessage(e));
        setData({ items: [], total: 0 });
      });
  }, [selected, page]);
  useEffect(load, [load]);
  const toggle = (k: string) => {
    setPage(1);
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(k)) n.delete(k);
      else n.add(k);
      return n;
    });
  };
  const clearCompleted = async () => {
    setConfirmClear(false);
    setError(null);
    try {
      const res = await api<{ hidden_count: number }>('/api/jobs/completed', { method: 'DELETE' });
      setNotice(
        `Cleared ${res.hidden_count} finished ${res.hidden_count === 1 ? 'job' : 'jobs'} from the list; their records are kept.`,
      );
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <>
      <PageHeader title="History">
        {me.isAdmin && (
          <button type="button" className="btn-secondary" onClick={() => setConfirmClear(true)}>
            Clear completed
          </button>
        )}
      </PageHeader>
      {confirmClear && (
        <Modal title="Clear completed jobs?" onClose={() => setConfirmClear(false)} describedBy="clear-what">
          <p id="clear-what" className="text-sm text-slate-700">
            Completed and cancelled jobs leave this list. Nothing is deleted: the records of every job
            (including the ones that emptied a source folder) and their logs stay in the database.
          </p>
          <div className="mt-4 flex justify-end gap-2">
            <button type="button" className="btn-secondary" onClick={() => setConfirmClear(false)}>
              Keep them listed
            </button>
            <button type="button" className="btn-primary" onClick={() => void clearCompleted()}>
              Hide completed jobs
            </button>
          </div>
        </Modal>
      )}
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {notice && <Notice>{notice}</Notice>}
      <fieldset className="mb-4 flex flex-wrap items-center gap-4">
        <legend className="sr-only">Filter by status</legend>
        <span className="text-sm font-medium text-slate-700" aria-hidden="true">
          Filter:
        </span>
        <button
          type="button"
          className="text-sm text-blue-700 underline"
          onClick={() => (setPage(1), setSelected(new Set(FILTERS.map((f) => f.key))))}
        >
          All
        </button>
        {FILTERS.map((f) => (
          <label key={f.key} className="flex items-center gap-1 text-sm">
            <input type="checkbox" checked={selected.has(f.key)} onChange={() => toggle(f.key)} />
            {f.label}
          </label>
        ))}
      </fieldset>
      {data === null ? (
        <Loading />
      ) : data.items.length === 0 ? (
        <Empty title="No finished operations match">
          Change the filter, or start an archive from a run or the folder browser.
        </Empty>
      ) : (
        <>
          <div className="card overflow-x-auto p-0">
            <table className="data-table">
              <caption className="sr-only">Finished operations, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Operation</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created by</th>
                  <th scope="col">Finished</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((o) => (
                  <tr
                    key={o.id}
                    className="cursor-pointer hover:bg-slate-50"
                    onClick={() => router.push(operationLink(o))}
                  >
                    <td>
                      <Link
                        href={operationLink(o)}
                        className="text-blue-700 hover:underline"
                        onClick={(e) => e.stopPropagation()}
                      >
                        {operationTitle(o)}
                      </Link>
                      {o.error && <div className="max-w-md truncate text-xs text-red-700">{o.error}</div>}
                    </td>
                    <td>
                      <StatusBadge status={o.status} />
                    </td>
                    <td>{o.createdBy ?? '—'}</td>
                    <td className="whitespace-nowrap">{formatTime(o.finishedAt)}</td>
                    <td className="whitespace-nowrap">
                      {formatDuration(o.startedAt ?? o.createdAt, o.finishedAt)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination page={page} pages={Math.ceil(data.total / PAGE)} onPage={setPage} />
        </>
      )}
    </>
  );
}
