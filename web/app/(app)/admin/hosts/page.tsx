'use client';
import { Fragment, useCallback, useEffect, useState } from 'react';
import { Empty, ErrorBanner, Loading, PageHeader } from '@/components/ui';
import { api, errorMessage, itemsOf } from '@/lib/api';
import { formatTime } from '@/lib/format';
import { useMe } from '@/lib/session';
import { HostDetails } from './HostDetails';
import { HostStatusBadge, secondsAgo, SpaceBar } from './HostStatus';
import type { Host } from './types';

/** Hosts for administrators: status, space, heartbeat, runs; per host its runs' backups and the off switches. */
export default function HostsPage() {
  const me = useMe();
  const [hosts, setHosts] = useState<Host[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [now, setNow] = useState(() => Date.now());
  const load = useCallback(() => {
    api('/api/hosts')
      .then((b) => {
        setHosts(itemsOf<Host>(b));
        setError(null);
      })
      .catch((e: unknown) => setError(errorMessage(e)));
  }, []);
  useEffect(() => {
    load();
    const poll = setInterval(load, 5000);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => (clearInterval(poll), clearInterval(tick));
  }, [load]);
  if (!me.isAdmin) return <ErrorBanner error="This page is for administrators." />;
  const toggle = (id: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  return (
    <>
      <PageHeader title="Hosts" />
      <p className="mb-4 text-sm text-slate-600">
        Every host that ran workers. <strong>Drain</strong> stops new runs being placed on a host;{' '}
        <strong>Turn off</strong> backs up every run on it that changed since its last backup, then marks it
        off; <strong>Force off</strong> marks it off at once and says what may be lost.
      </p>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {hosts === null ? (
        <Loading />
      ) : hosts.length === 0 ? (
        <Empty title="No hosts yet">A host appears when its workers start.</Empty>
      ) : (
        <div className="card overflow-x-auto p-0" data-testid="hosts-table">
          <table className="data-table">
            <caption className="sr-only">Hosts</caption>
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Status</th>
                <th scope="col">Region</th>
                <th scope="col">Space</th>
                <th scope="col">Version</th>
                <th scope="col">Last heartbeat</th>
                <th scope="col">Runs</th>
                <th scope="col">
                  <span className="sr-only">Details</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {hosts.map((h) => (
                <Fragment key={h.id}>
                  <tr data-host={h.id}>
                    <td className="font-medium">
                      {h.id}
                      {h.runs_root && <div className="text-xs font-normal text-slate-500">{h.runs_root}</div>}
                    </td>
                    <td>
                      <HostStatusBadge status={h.status} />
                    </td>
                    <td>{h.region}</td>
                    <td>
                      <SpaceBar free={h.free_bytes} total={h.total_bytes} />
                    </td>
                    <td>{h.version ?? '—'}</td>
                    <td className="whitespace-nowrap" title={formatTime(h.last_heartbeat_at)}>
                      {secondsAgo(h.last_heartbeat_at, now)}
                    </td>
                    <td>{h.runs}</td>
                    <td className="text-right">
                      <button
                        type="button"
                        className="btn-secondary"
                        aria-expanded={open.has(h.id)}
                        aria-controls={`host-${h.id}-details`}
                        onClick={() => toggle(h.id)}
                      >
                        {open.has(h.id) ? 'Hide' : 'Details'}
                        <span className="sr-only"> of {h.id}</span>
                      </button>
                    </td>
                  </tr>
                  {open.has(h.id) && (
                    <tr id={`host-${h.id}-details`}>
                      <td colSpan={8} className="bg-slate-50">
                        <HostDetails id={h.id} onChanged={load} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
