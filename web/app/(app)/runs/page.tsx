'use client';
import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import type { RunView } from '@arkive/shared/contracts';
import { api, errorMessage, itemsOf } from '@/lib/api';
import { formatAge, formatTime } from '@/lib/format';
import { Empty, ErrorBanner, Field, Loading, Notice, PageHeader } from '@/components/ui';
import { Bytes } from '@/components/Bytes';
import { HealthBadge } from '@/components/RunHealth';
import { BackupStatus } from '@/components/BackupStatus';

const SORTS = [
  ['runid', 'Name'],
  ['created', 'Created'],
  ['size', 'Size'],
  ['files', 'Files'],
  ['lastSnapshot', 'Last snapshot'],
  ['archives', 'Archive size'],
] as const;

export default function RunsPage() {
  const [runs, setRuns] = useState<RunView[] | null>(null);
  const [q, setQ] = useState('');
  const [sort, setSort] = useState<string>('runid');
  const [order, setOrder] = useState<'asc' | 'desc'>('asc');
  const [error, setError] = useState<string | null>(null);
  const [newId, setNewId] = useState('');
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const load = useCallback(() => {
    const params = new URLSearchParams({ limit: '200', sort, order });
    if (q.trim()) params.set('q', q.trim());
    api(`/api/runs?${params.toString()}`)
      .then((b) => setRuns(itemsOf<RunView>(b)))
      .catch((e: unknown) => {
        setError(errorMessage(e));
        setRuns([]);
      });
  }, [q, sort, order]);
  useEffect(() => {
    const t = setTimeout(load, 200);
    return () => clearTimeout(t);
  }, [load]);
  const freeBytes = runs?.find((r) => r.health?.diskFreeBytes != null)?.health?.diskFreeBytes;
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const run = await api<{ runid: string; outcome?: 'created' | 'registered' }>('/api/runs', {
        method: 'POST',
        json: { runid: newId.trim() },
      });
      setCreated(
        run.outcome === 'registered'
          ? `Registered the existing directory ${run.runid}; you are its owner.`
          : `Created run ${run.runid} with an empty directory.`,
      );
      setNewId('');
      load();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <PageHeader title="Runs" />
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {created && <Notice>{created}</Notice>}
      <form
        onSubmit={(e) => void create(e)}
        className="card mb-6 flex flex-wrap items-end gap-3"
        aria-label="Create run"
      >
        <div className="min-w-64 flex-1">
          <Field
            label="New run id"
            id="runid"
            hint="Letters, digits, '.', '_' and '-'; starts with a letter or digit."
          >
            <input
              id="runid"
              className="input"
              required
              pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}"
              value={newId}
              onChange={(e) => setNewId(e.target.value)}
            />
          </Field>
        </div>
        <button type="submit" className="btn-primary mb-5" disabled={busy}>
          Create run
        </button>
      </form>
      <div className="mb-3 flex flex-wrap items-end gap-3" role="search" aria-label="Search and sort runs">
        <div className="min-w-48 flex-1">
          <Field label="Search runs" id="run-search">
            <input
              id="run-search"
              type="search"
              className="input"
              value={q}
              onChange={(e) => setQ(e.target.value)}
              placeholder="Part of a run id"
            />
          </Field>
        </div>
        <Field label="Sort by" id="run-sort">
          <select id="run-sort" className="input" value={sort} onChange={(e) => setSort(e.target.value)}>
            {SORTS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Order" id="run-order">
          <select
            id="run-order"
            className="input"
            value={order}
            onChange={(e) => setOrder(e.target.value === 'desc' ? 'desc' : 'asc')}
          >
            <option value="asc">Ascending</option>
            <option value="desc">Descending</option>
          </select>
        </Field>
        {freeBytes != null && (
          <p className="mb-2 text-sm text-slate-600">
            Free disk under RUNS_ROOT: <Bytes value={freeBytes} />
          </p>
        )}
      </div>
      {runs === null ? (
        <Loading />
      ) : runs.length === 0 ? (
        q.trim() ? (
          <Empty title={`No run matches “${q.trim()}”`}>Try another part of its name.</Empty>
        ) : (
          <Empty title="No runs yet">Create one above, or ask a run owner to add you.</Empty>
        )
      ) : (
        <div className="card overflow-x-auto p-0">
          <table className="data-table">
            <caption className="sr-only">Your runs</caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Health</th>
                <th scope="col">Size</th>
                <th scope="col">Files</th>
                <th scope="col">Last snapshot</th>
                <th scope="col">Archives</th>
                <th scope="col">Backup</th>
                <th scope="col">Your role</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => {
                const h = r.health;
                return (
                  <tr key={r.runid} data-run={r.runid}>
                    <td>
                      <Link
                        className="font-medium text-blue-700 hover:underline"
                        href={`/runs/${encodeURIComponent(r.runid)}`}
                      >
                        {r.runid}
                      </Link>
                    </td>
                    <td>
                      <HealthBadge run={r} />
                    </td>
                    <td className="whitespace-nowrap">
                      <Bytes value={h?.sizeBytes} />
                    </td>
                    <td>{h?.fileCount?.toLocaleString('en-US') ?? '—'}</td>
                    <td className="whitespace-nowrap">
                      {h?.lastSnapshot ? (
                        <span title={formatTime(h.lastSnapshot.createdAt)}>
                          {formatAge(h.lastSnapshot.createdAt)}
                        </span>
                      ) : (
                        'never'
                      )}
                    </td>
                    <td className="whitespace-nowrap">
                      {h ? (
                        <>
                          {h.archiveCount} · <Bytes value={h.archiveBytes} />
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td className="whitespace-nowrap">
                      <BackupStatus status={r.backup} />
                    </td>
                    <td>{r.role}</td>
                    <td className="whitespace-nowrap">{formatTime(r.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
