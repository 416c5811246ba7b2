'use client';
import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import { isTerminalEvent } from '@arkive/shared/contracts';
import { api, errorMessage, itemsOf } from '@/lib/api';
import { formatBytes, formatTime } from '@/lib/format';
import { useMe } from '@/lib/session';
import { useChannel } from '@/lib/socket';
import { Empty, ErrorBanner, Field, Loading, PageHeader, ProgressBar, StatusBadge } from '@/components/ui';
import { SyncTokens } from './SyncTokens';

interface SyncRow {
  id: string;
  operation_id: string | null;
  runid: string;
  source_host: string;
  target_path: string;
  status: string;
  error: string | null;
  bytes: number | null;
  sha256: string | null;
  owner: string | null;
  created_by: string | null;
  created_at: string;
  finished_at: string | null;
  progress_percent: number | null;
}

interface Live {
  operationId: string;
  channel: string;
  runid: string;
  percent?: number;
  stage?: string;
  line?: string;
  bytes?: { current: number; total: number; rate?: number; etaSeconds?: number };
  done?: 'SYNC_COMPLETE' | 'EXCEPTION' | 'CANCELLED' | string;
  steps: string[];
}

const STEP_EVENTS = [
  'ENQUEUED',
  'DOWNLOADING',
  'CHECKSUM_OK',
  'REGISTERED',
  'SYNC_COMPLETE',
  'EXCEPTION',
  'CANCELLED',
];
const STATUSES = [
  '',
  'queued',
  'downloading',
  'verifying',
  'restoring',
  'registering',
  'retrying',
  'succeeded',
  'failed',
  'cancelled',
];
const empty = {
  source_host: '',
  runid: '',
  target_root: '',
  owner_email: '',
  auth_token: '',
  overwrite: false,
  from: 'latest',
};

function eta(s?: number): string {
  if (s === undefined || !Number.isFinite(s)) return '';
  return s >= 60 ? `${Math.floor(s / 60)}m ${Math.round(s % 60)}s left` : `${Math.round(s)}s left`;
}

/** Admin run-sync dashboard: import form with live progress, recent syncs with filters, sync tokens. */
export default function RunSyncPage() {
  const me = useMe();
  const [form, setForm] = useState(empty);
  const [formError, setFormError] = useState<string | null>(null);
  const [live, setLive] = useState<Live | null>(null);
  const [rows, setRows] = useState<SyncRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filters, setFilters] = useState({ status: '', runid: '', source_host: '' });

  const load = useCallback(() => {
    const q = new URLSearchParams({ limit: '50' });
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    api(`/api/run-sync?${q.toString()}`)
      .then((b) => setRows(itemsOf<SyncRow>(b)))
      .catch((e: unknown) => {
        setError(errorMessage(e));
        setRows([]);
      });
  }, [filters]);
  useEffect(load, [load]);

  useChannel(
    live && !live.done ? live.channel : undefined,
    (e) => {
      if (!live || e.operationId !== live.operationId) return;
      setLive((l) => {
        if (!l) return l;
        const next: Live = { ...l, line: e.message };
        if (typeof e.percent === 'number') next.percent = e.percent;
        if (e.stage) next.stage = e.stage;
        if (e.progress && e.progress.unit === 'bytes') next.bytes = e.progress;
        if (STEP_EVENTS.includes(e.type) && !l.steps.includes(e.type)) next.steps = [...l.steps, e.type];
        if (isTerminalEvent(e.type)) next.done = e.type;
        return next;
      });
      if (isTerminalEvent(e.type)) load();
    },
    load,
  );

  if (!me.isAdmin) return <ErrorBanner error="This page is for administrators." />;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setFormError(null);
    try {
      const body: Record<string, unknown> = {
        source_host: form.source_host.trim(),
        runid: form.runid.trim(),
        overwrite: form.overwrite,
        from: form.from,
      };
      if (form.target_root.trim()) body.target_root = form.target_root.trim();
      if (form.owner_email.trim()) body.owner_email = form.owner_email.trim();
      if (form.auth_token.trim()) body.auth_token = form.auth_token.trim();
      const r = await api<{ operationId: string; channel: string }>('/api/run-sync', {
        method: 'POST',
        json: body,
      });
      setLive({
        operationId: r.operationId,
        channel: r.channel,
        runid: form.runid.trim(),
        steps: ['ENQUEUED'],
      });
      setForm((f) => ({ ...f, auth_token: '' }));
      load();
    } catch (err) {
      setFormError(errorMessage(err));
    }
  };

  return (
    <>
      <PageHeader title="Run sync" />
      <section aria-labelledby="import-h" className="card mb-8 space-y-4">
        <h2 id="import-h" className="text-lg font-semibold">
          Import a run from another Arkive host
        </h2>
        <ErrorBanner error={formError} onDismiss={() => setFormError(null)} />
        <form onSubmit={(e) => void submit(e)} className="grid gap-4 md:grid-cols-2">
          <Field
            label="Source host"
            id="rs-host"
            hint="The source instance's base URL, e.g. https://arkive.example.org"
          >
            <input
              id="rs-host"
              className="input"
              required
              value={form.source_host}
              onChange={(e) => setForm({ ...form, source_host: e.target.value })}
            />
          </Field>
          <Field label="Run id" id="rs-runid">
            <input
              id="rs-runid"
              className="input"
              required
              value={form.runid}
              onChange={(e) => setForm({ ...form, runid: e.target.value })}
            />
          </Field>
          <Field
            label="Target root"
            id="rs-root"
            hint="Empty = RUNS_ROOT; otherwise one of RUN_SYNC_EXTRA_ROOTS"
          >
            <input
              id="rs-root"
              className="input"
              value={form.target_root}
              onChange={(e) => setForm({ ...form, target_root: e.target.value })}
            />
          </Field>
          <Field label="Owner e-mail" id="rs-owner" hint="The user with this name owns the run; else you do">
            <input
              id="rs-owner"
              type="email"
              className="input"
              value={form.owner_email}
              onChange={(e) => setForm({ ...form, owner_email: e.target.value })}
            />
          </Field>
          <Field label="Sync token" id="rs-token" hint="Issued by an admin of the source (arks_…)">
            <input
              id="rs-token"
              type="password"
              autoComplete="off"
              className="input"
              value={form.auth_token}
              onChange={(e) => setForm({ ...form, auth_token: e.target.value })}
            />
          </Field>
          <Field label="Export" id="rs-from">
            <select
              id="rs-from"
              className="input"
              value={form.from}
              onChange={(e) => setForm({ ...form, from: e.target.value })}
            >
              <option value="latest">the source&apos;s newest archive</option>
              <option value="snapshot">a fresh snapshot at the source</option>
            </select>
          </Field>
          <label className="flex items-center gap-2 text-sm md:col-span-2">
            <input
              type="checkbox"
              checked={form.overwrite}
              onChange={(e) => setForm({ ...form, overwrite: e.target.checked })}
            />
            Overwrite an existing run here (its current content is kept as a pre-restore snapshot; a locked
            run is always refused)
          </label>
          <div className="md:col-span-2">
            <button type="submit" className="btn-primary">
              Sync + register
            </button>
          </div>
        </form>
        {live && (
          <div aria-live="polite" className="space-y-2 rounded border border-slate-200 p-3">
            <p className="text-sm">
              Importing <strong>{live.runid}</strong> —{' '}
              <Link className="text-blue-700 hover:underline" href={`/operations/${live.operationId}`}>
                operation
              </Link>
              {live.done && <> · {live.done === 'SYNC_COMPLETE' ? 'done' : live.done}</>}
            </p>
            <ProgressBar
              label={`Import of ${live.runid}`}
              percent={live.done === 'SYNC_COMPLETE' ? 100 : live.percent}
            />
            {live.bytes && (
              <p className="text-xs text-slate-600">
                {formatBytes(live.bytes.current)} of {formatBytes(live.bytes.total)}
                {live.bytes.rate ? ` · ${formatBytes(live.bytes.rate)}/s` : ''} {eta(live.bytes.etaSeconds)}
              </p>
            )}
            <ol className="flex flex-wrap gap-2 text-xs" aria-label="Steps">
              {live.steps.map((s) => (
                <li
                  key={s}
                  className={`rounded px-2 py-0.5 ${s === 'EXCEPTION' ? 'bg-red-100 text-red-800' : 'bg-slate-100'}`}
                >
                  {s}
                </li>
              ))}
            </ol>
            {live.line && <p className="text-sm text-slate-700">{live.line}</p>}
          </div>
        )}
      </section>

      <section aria-labelledby="status-h" className="mb-8 space-y-3">
        <h2 id="status-h" className="text-lg font-semibold">
          Recent syncs
        </h2>
        <ErrorBanner error={error} onDismiss={() => setError(null)} />
        <div className="flex flex-wrap gap-3">
          <select
            aria-label="Status"
            className="input w-40"
            value={filters.status}
            onChange={(e) => setFilters({ ...filters, status: e.target.value })}
          >
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s || 'any status'}
              </option>
            ))}
          </select>
          <input
            aria-label="Run id"
            placeholder="run id"
            className="input w-48"
            value={filters.runid}
            onChange={(e) => setFilters({ ...filters, runid: e.target.value })}
          />
          <input
            aria-label="Source host"
            placeholder="source host"
            className="input w-64"
            value={filters.source_host}
            onChange={(e) => setFilters({ ...filters, source_host: e.target.value })}
          />
        </div>
        {rows === null ? (
          <Loading />
        ) : rows.length === 0 ? (
          <Empty title="No syncs yet" />
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead>
                <tr className="border-b text-slate-600">
                  <th className="py-2 pr-3">Run</th>
                  <th className="py-2 pr-3">Source</th>
                  <th className="py-2 pr-3">Status</th>
                  <th className="py-2 pr-3">Size</th>
                  <th className="py-2 pr-3">SHA-256</th>
                  <th className="py-2 pr-3">Owner</th>
                  <th className="py-2 pr-3">Started</th>
                  <th className="py-2 pr-3">Finished</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id} className="border-b align-top">
                    <td className="py-2 pr-3">
                      {r.status === 'succeeded' ? (
                        <Link
                          className="text-blue-700 hover:underline"
                          href={`/runs/${encodeURIComponent(r.runid)}/provenance`}
                        >
                          {r.runid}
                        </Link>
                      ) : (
                        r.runid
                      )}
                      <div className="text-xs text-slate-500">{r.target_path}</div>
                    </td>
                    <td className="py-2 pr-3">{r.source_host}</td>
                    <td className="py-2 pr-3">
                      {r.operation_id ? (
                        <Link href={`/operations/${r.operation_id}`}>
                          <StatusBadge status={r.status} />
                        </Link>
                      ) : (
                        <StatusBadge status={r.status} />
                      )}
                      {r.error && <div className="mt-1 max-w-xs text-xs text-red-700">{r.error}</div>}
                    </td>
                    <td className="py-2 pr-3">{formatBytes(r.bytes)}</td>
                    <td className="py-2 pr-3 font-mono text-xs">
                      {r.sha256 ? `${r.sha256.slice(0, 12)}…` : '—'}
                    </td>
                    <td className="py-2 pr-3">{r.owner ?? '—'}</td>
                    <td className="py-2 pr-3">{formatTime(r.created_at)}</td>
                    <td className="py-2 pr-3">{formatTime(r.finished_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <SyncTokens />
    </>
  );
}
