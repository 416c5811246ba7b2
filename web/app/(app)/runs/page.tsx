'use client';
import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage, itemsOf } from '@/lib/api';
import { formatTime } from '@/lib/format';
import { Empty, ErrorBanner, Field, Loading, Notice, PageHeader } from '@/components/ui';

interface RunRow {
  id?: string;
  runid?: string;
  role?: string;
  createdAt?: string;
  created_at?: string;
}

export default function RunsPage() {
  const [runs, setRuns] = useState<RunRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [newId, setNewId] = useState('');
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const load = useCallback(() => {
    api('/api/runs?limit=200')
      .then((b) => setRuns(itemsOf<RunRow>(b)))
      .catch((e: unknown) => {
        setError(errorMessage(e));
        setRuns([]);
      });
  }, []);
  useEffect(load, [load]);
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
      {runs === null ? (
        <Loading />
      ) : runs.length === 0 ? (
        <Empty title="No runs yet">Create one above, or ask a run owner to add you.</Empty>
      ) : (
        <div className="card overflow-x-auto p-0">
          <table className="data-table">
            <caption className="sr-only">Your runs</caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Your role</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => {
                const id = r.id ?? r.runid ?? '';
                return (
                  <tr key={id}>
                    <td>
                      <Link
                        className="font-medium text-blue-700 hover:underline"
                        href={`/runs/${encodeURIComponent(id)}`}
                      >
                        {id}
                      </Link>
                    </td>
                    <td>{r.role ?? '—'}</td>
                    <td>{formatTime(r.createdAt ?? r.created_at)}</td>
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
