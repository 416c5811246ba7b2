'use client';
import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import { Bytes } from '@/components/Bytes';
import { ProgressBar, StatusBadge } from '@/components/ui';
import { api, errorMessage } from '@/lib/api';
import { formatAge, formatBytes, formatTime } from '@/lib/format';
import { stageLabel } from '@/lib/operations';
import { useChannel } from '@/lib/socket';
import { ForceOffDialog, TurnOffDialog } from './HostDialogs';
import type { HostDetail, TurnOff } from './types';

const ACTIVE = new Set(['queued', 'running']);

function TurnOffProgress({ t }: { t: TurnOff }) {
  const active = ACTIVE.has(t.status);
  const failed = t.runs.filter((r) => r.status === 'failed' || r.status === 'expired');
  return (
    <section
      aria-label="Turn-off"
      className="space-y-2 rounded-md border border-slate-200 p-3"
      data-turn-off={t.status}
    >
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <strong>Turn-off</strong> <StatusBadge status={t.status} />
        {active && <span>{stageLabel(t.stage, 'host-turn-off')}</span>}
        <Link href={`/operations/${t.operation_id}`} className="text-blue-700 hover:underline">
          operation log
        </Link>
      </div>
      {active && <ProgressBar percent={t.percent} label="Turn-off progress" />}
      <p className="text-sm" data-testid="turn-off-summary">
        {t.runs_done} of {t.runs_total} runs backed up ({formatBytes(t.bytes)})
        {t.message && active ? ` — ${t.message}` : ''}
      </p>
      {t.status === 'failed' && (
        <div role="alert" className="text-sm text-red-800">
          <p>{t.error}</p>
          {failed.length > 0 && <p>Failed runs: {failed.map((r) => r.runid).join(', ')}</p>}
        </div>
      )}
    </section>
  );
}

/** One host's details: its runs with backup state, moves and copies touching it, drain / turn off / force off. */
export function HostDetails({ id, onChanged }: { id: string; onChanged: () => void }) {
  const [host, setHost] = useState<HostDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'turn-off' | 'force-off' | null>(null);
  const [livePercent, setLivePercent] = useState<number | undefined>();
  const load = useCallback(() => {
    api<HostDetail>(`/api/hosts/${encodeURIComponent(id)}`)
      .then((h) => {
        setHost(h);
        if (!h.turn_off || !ACTIVE.has(h.turn_off.status)) setLivePercent(undefined);
      })
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [id]);
  useEffect(() => {
    load();
    const t = setInterval(load, 3000);
    return () => clearInterval(t);
  }, [load]);
  useChannel(
    `host:${id}`,
    (e, { replay }) => {
      if (replay) return;
      if (typeof e.percent === 'number') setLivePercent((p) => Math.max(p ?? 0, e.percent as number));
      load();
      onChanged();
    },
    load,
  );

  const act = async (path: string, json?: unknown, done?: (body: unknown) => void) => {
    setError(null);
    setNotice(null);
    setDialog(null);
    try {
      const body = await api(`/api/hosts/${encodeURIComponent(id)}/${path}`, {
        method: 'POST',
        json: json ?? {},
      });
      done?.(body);
    } catch (e) {
      setError(errorMessage(e));
    }
    load();
    onChanged();
  };
  if (!host) return error ? <p role="alert">{error}</p> : <p className="text-sm text-slate-500">Loading…</p>;
  const turnOff = host.turn_off && {
    ...host.turn_off,
    percent: Math.max(host.turn_off.percent, livePercent ?? 0),
  };
  const turningOff = turnOff !== null && ACTIVE.has(turnOff.status);
  return (
    <div className="space-y-4 py-2" data-host-details={host.id}>
      {error && (
        <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      )}
      {notice && (
        <p
          role="status"
          className="rounded border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900"
        >
          {notice}
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        {(host.status === 'online' || host.status === 'offline') && (
          <button type="button" className="btn-secondary" onClick={() => void act('drain')}>
            Drain
          </button>
        )}
        {(host.status === 'draining' || host.status === 'off') && !turningOff && (
          <button type="button" className="btn-secondary" onClick={() => void act('undrain')}>
            {host.status === 'off' ? 'Turn back on' : 'Undrain'}
          </button>
        )}
        {host.status !== 'off' && !turningOff && (
          <button type="button" className="btn-primary" onClick={() => setDialog('turn-off')}>
            Turn off
          </button>
        )}
        {host.status !== 'off' && (
          <button type="button" className="btn-danger" onClick={() => setDialog('force-off')}>
            Force off
          </button>
        )}
      </div>
      {turnOff && <TurnOffProgress t={turnOff} />}
      <section aria-label={`Runs on ${host.id}`}>
        <h3 className="mb-1 text-sm font-semibold">
          Runs ({host.run_list.length}
          {host.stale_runs ? `, ${host.stale_runs} not backed up since their last edit` : ''})
        </h3>
        {host.run_list.length === 0 ? (
          <p className="text-sm text-slate-500">No runs are placed on this host.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Last backup</th>
                  <th scope="col">Last edit</th>
                  <th scope="col">Size</th>
                </tr>
              </thead>
              <tbody>
                {host.run_list.map((r) => (
                  <tr key={r.runid} data-host-run={r.runid}>
                    <td>
                      <Link
                        href={`/runs/${encodeURIComponent(r.runid)}`}
                        className="text-blue-700 hover:underline"
                      >
                        {r.runid}
                      </Link>
                      {r.stale && (
                        <span className="ml-2 rounded bg-amber-100 px-1 text-xs text-amber-900">
                          not backed up since last edit
                        </span>
                      )}
                    </td>
                    <td className="whitespace-nowrap" title={formatTime(r.last_backup_at)}>
                      {r.last_backup_at ? formatAge(r.last_backup_at) : 'never'}
                    </td>
                    <td className="whitespace-nowrap" title={formatTime(r.last_edited_at)}>
                      {formatAge(r.last_edited_at)}
                    </td>
                    <td>
                      <Bytes value={r.size_bytes} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-label={`Moves and copies of ${host.id}`}>
        <h3 className="mb-1 text-sm font-semibold">Pending moves and copies</h3>
        {host.pending_transfers.length === 0 ? (
          <p className="text-sm text-slate-500">None.</p>
        ) : (
          <ul className="space-y-1 text-sm">
            {host.pending_transfers.map((t) => (
              <li key={t.operation_id}>
                <Link href={`/operations/${t.operation_id}`} className="text-blue-700 hover:underline">
                  {t.kind} of {t.runid}
                </Link>{' '}
                <StatusBadge status={t.status} /> {Math.round(t.percent)} %
                {t.message ? ` — ${t.message}` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>
      {dialog === 'turn-off' && (
        <TurnOffDialog host={host} onCancel={() => setDialog(null)} onConfirm={() => void act('turn-off')} />
      )}
      {dialog === 'force-off' && (
        <ForceOffDialog
          host={host}
          onCancel={() => setDialog(null)}
          onConfirm={() =>
            void act('force-off', { confirm: host.id }, (b) => setNotice((b as { message: string }).message))
          }
        />
      )}
    </div>
  );
}
