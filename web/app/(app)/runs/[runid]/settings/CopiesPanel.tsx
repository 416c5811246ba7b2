'use client';
import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage, itemsOf } from '@/lib/api';
import { ErrorBanner, StatusBadge } from '@/components/ui';
import { CopyForm } from './CopyForm';

interface CopyRow {
  id: string;
  src_runid: string | null;
  paths: string[] | null;
  dest_runid: string | null;
  dest_path: string | null;
  status: string;
  error: string | null;
  expires_at: string;
}

/**
 * The run's copies (out of it and into it, GET /api/copies?runid=), with Cancel on those not applied
 * yet, and the form that copies paths of this run into other runs.
 */
export function CopiesPanel({ runid }: { runid: string }) {
  const [rows, setRows] = useState<CopyRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setRows(itemsOf<CopyRow>(await api(`/api/copies?runid=${encodeURIComponent(runid)}&limit=100`)));
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [runid]);
  useEffect(() => {
    void load();
  }, [load]);
  // while a copy is on its way, look again every few seconds
  const busy = rows?.some(
    (c) => c.status === 'applying' || (c.status === 'pending' && c.src_runid === runid),
  );
  useEffect(() => {
    if (!busy) return;
    const t = setInterval(() => void load(), 3000);
    return () => clearInterval(t);
  }, [busy, load]);
  const cancel = async (id: string) => {
    setError(null);
    try {
      await api(`/api/copies/${id}/cancel`, { method: 'POST' });
      await load();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <section aria-labelledby="copies-h" className="card mb-6 space-y-3">
      <h2 id="copies-h" className="text-lg font-semibold">
        Copies
      </h2>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {rows && rows.length === 0 && (
        <p className="text-sm text-slate-600">No copies out of or into this run.</p>
      )}
      {rows && rows.length > 0 && (
        <table className="w-full text-left text-sm">
          <thead>
            <tr>
              <th scope="col">Direction</th>
              <th scope="col">What</th>
              <th scope="col">Where</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => {
              const out = c.src_runid === runid;
              return (
                <tr key={c.id}>
                  <td>{out ? 'Out' : 'In'}</td>
                  <td>{c.paths?.join(', ') ?? 'paths of a run you cannot see'}</td>
                  <td>
                    {out ? `${c.dest_runid ?? 'a run you cannot see'}: ` : ''}
                    {c.dest_path !== null && <code>{c.dest_path}</code>}
                  </td>
                  <td>
                    <StatusBadge status={c.status} />
                    {c.error && <span className="ml-2 text-xs text-slate-600">{c.error}</span>}
                  </td>
                  <td>
                    {(c.status === 'pending' || c.status === 'failed') && (
                      <button
                        type="button"
                        className="btn-secondary"
                        aria-label={`Cancel the copy to ${c.dest_runid ?? 'that run'}`}
                        onClick={() => void cancel(c.id)}
                      >
                        Cancel
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <CopyForm runid={runid} onStarted={() => void load()} />
    </section>
  );
}
