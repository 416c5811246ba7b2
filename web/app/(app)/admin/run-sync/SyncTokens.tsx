'use client';
import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage, itemsOf } from '@/lib/api';
import { formatTime } from '@/lib/format';
import { ConfirmDialog, Empty, ErrorBanner, Field, Loading, StatusBadge } from '@/components/ui';

interface SyncToken {
  id: string;
  name: string;
  runs: string[];
  created_by: string | null;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  use_count: number;
  status: 'active' | 'revoked' | 'expired';
}

/** Sync tokens this host issues to other Arkive hosts (shown once at creation), with revoke. */
export function SyncTokens() {
  const [tokens, setTokens] = useState<SyncToken[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ name: '', runs: '', expires_in_days: '30' });
  const [issued, setIssued] = useState<string | null>(null);
  const load = useCallback(() => {
    api('/api/sync-tokens?limit=200')
      .then((b) => setTokens(itemsOf<SyncToken>(b)))
      .catch((e: unknown) => {
        setError(errorMessage(e));
        setTokens([]);
      });
  }, []);
  useEffect(load, [load]);
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const runs = form.runs
        .split(/[\s,]+/)
        .map((r) => r.trim())
        .filter(Boolean);
      const r = await api<{ token: string }>('/api/sync-tokens', {
        method: 'POST',
        json: {
          name: form.name.trim(),
          expires_in_days: Number(form.expires_in_days),
          ...(runs.length ? { runs } : {}),
        },
      });
      setIssued(r.token);
      setForm({ name: '', runs: '', expires_in_days: '30' });
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const [revoking, setRevoking] = useState<SyncToken | null>(null);
  const revoke = async (t: SyncToken) => {
    setRevoking(null);
    try {
      await api(`/api/sync-tokens/${t.id}`, { method: 'DELETE' });
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <section aria-labelledby="tokens-h" className="card space-y-4">
      <h2 id="tokens-h" className="text-lg font-semibold">
        Sync tokens (for hosts that import from this one)
      </h2>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {revoking && (
        <ConfirmDialog
          title={`Revoke the sync token "${revoking.name}"?`}
          confirmLabel="Revoke token"
          onConfirm={() => void revoke(revoking)}
          onCancel={() => setRevoking(null)}
        >
          <p>
            Hosts using <strong>{revoking.name}</strong> can no longer export runs from here. This cannot be
            undone: a new token must be issued and given to them.
          </p>
        </ConfirmDialog>
      )}
      {issued && (
        <div role="status" className="rounded border border-amber-300 bg-amber-50 p-3 text-sm">
          <p className="font-medium">Copy this token now: it is not shown again.</p>
          <code className="mt-1 block break-all font-mono">{issued}</code>
          <button type="button" className="btn-secondary mt-2" onClick={() => setIssued(null)}>
            Done
          </button>
        </div>
      )}
      <form onSubmit={(e) => void create(e)} className="grid gap-4 md:grid-cols-4">
        <Field label="Name" id="st-name">
          <input
            id="st-name"
            className="input"
            required
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
        </Field>
        <Field label="Runs" id="st-runs" hint="Comma-separated; empty = every run">
          <input
            id="st-runs"
            className="input"
            value={form.runs}
            onChange={(e) => setForm({ ...form, runs: e.target.value })}
          />
        </Field>
        <Field label="Expires in (days)" id="st-days">
          <input
            id="st-days"
            type="number"
            min={1}
            max={3650}
            className="input"
            required
            value={form.expires_in_days}
            onChange={(e) => setForm({ ...form, expires_in_days: e.target.value })}
          />
        </Field>
        <div className="flex items-end">
          <button type="submit" className="btn-primary">
            Issue token
          </button>
        </div>
      </form>
      {tokens === null ? (
        <Loading />
      ) : tokens.length === 0 ? (
        <Empty title="No sync tokens issued" />
      ) : (
        <table className="w-full text-left text-sm">
          <thead>
            <tr className="border-b text-slate-600">
              <th className="py-2 pr-3">Name</th>
              <th className="py-2 pr-3">Runs</th>
              <th className="py-2 pr-3">Status</th>
              <th className="py-2 pr-3">Expires</th>
              <th className="py-2 pr-3">Used</th>
              <th className="py-2 pr-3" />
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} className="border-b">
                <td className="py-2 pr-3">{t.name}</td>
                <td className="py-2 pr-3">{t.runs.length ? t.runs.join(', ') : 'all runs'}</td>
                <td className="py-2 pr-3">
                  <StatusBadge status={t.status} />
                </td>
                <td className="py-2 pr-3">{formatTime(t.expires_at)}</td>
                <td className="py-2 pr-3">
                  {t.use_count}× {t.last_used_at ? `(last ${formatTime(t.last_used_at)})` : ''}
                </td>
                <td className="py-2 pr-3">
                  {t.status === 'active' && (
                    <button type="button" className="btn-secondary" onClick={() => setRevoking(t)}>
                      Revoke<span className="sr-only"> {t.name}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
