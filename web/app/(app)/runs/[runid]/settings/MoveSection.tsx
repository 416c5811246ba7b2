'use client';
import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage, itemsOf } from '@/lib/api';
import { formatBytes } from '@/lib/format';
import { ConfirmDialog, ErrorBanner, Field, ProgressBar } from '@/components/ui';

interface HostItem {
  id: string;
  name: string;
  region: string;
  status: 'online' | 'offline' | 'draining' | 'off';
  free_bytes: number | null;
}

interface MoveOp {
  id: string;
  status: string;
  stage: string | null;
  progressPercent: number;
  currentOperation: string | null;
  error: string | null;
}

/** Why a host cannot take the run now, or null when it can. */
function refusal(h: HostItem, current: HostItem | undefined): string | null {
  if (h.id === current?.id) return 'the run is here';
  if (h.status === 'off') return 'turned off';
  if (h.status === 'draining') return 'draining';
  if (current && h.region !== current.region) return `region ${h.region}, not ${current.region}`;
  return null;
}

/**
 * "Move to another host": a picker of the hosts (status and free space; the run's own host, hosts
 * turned off, draining or of another region disabled), the archives/ choice with its warning, a
 * confirmation, then the move's live progress with a link to its operation page.
 */
export function MoveSection({ runid }: { runid: string }) {
  const base = `/api/runs/${encodeURIComponent(runid)}`;
  const [hosts, setHosts] = useState<HostItem[]>([]);
  const [hostId, setHostId] = useState<string | null>(null);
  const [dest, setDest] = useState('');
  const [includeArchives, setIncludeArchives] = useState(false);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [op, setOp] = useState<MoveOp | null>(null);

  const load = useCallback(async () => {
    try {
      const [run, list] = await Promise.all([
        api<{ host_id: string }>(base),
        api<{ items: HostItem[] }>('/api/hosts'),
      ]);
      setHostId(run.host_id);
      setHosts(itemsOf<HostItem>(list));
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [base]);
  useEffect(() => void load(), [load]);

  // Live progress: the operation's row, read every second until it ends.
  const opId = op?.id;
  const ended = op ? ['succeeded', 'failed', 'cancelled', 'expired'].includes(op.status) : false;
  useEffect(() => {
    if (!opId || ended) return;
    const t = setInterval(() => {
      api<MoveOp>(`/api/operations/${opId}`)
        .then((o) => {
          setOp(o);
          if (o.status === 'succeeded' || o.status === 'failed') void load();
        })
        .catch(() => undefined);
    }, 1000);
    return () => clearInterval(t);
  }, [opId, ended, load]);

  const current = hosts.find((h) => h.id === hostId);
  const chosen = hosts.find((h) => h.id === dest);
  const ask = () => {
    if (!chosen) return setInvalid('Choose the destination host first.');
    const why = refusal(chosen, current);
    if (why) return setInvalid(`Host ${chosen.id} cannot take the run: ${why}.`);
    setInvalid(null);
    setConfirming(true);
  };
  const move = async () => {
    setConfirming(false);
    setError(null);
    try {
      const r = await api<{ operationId: string }>(`${base}/move`, {
        method: 'POST',
        json: { destHostId: dest, includeArchives },
      });
      setOp({
        id: r.operationId,
        status: 'queued',
        stage: null,
        progressPercent: 0,
        currentOperation: 'Queued',
        error: null,
      });
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <section aria-labelledby="move-h" className="card mb-6 space-y-3">
      <h2 id="move-h" className="text-lg font-semibold">
        Move to another host
      </h2>
      <p className="text-sm text-slate-700">
        The run is on host <strong>{hostId ?? '…'}</strong>
        {current ? ` (region ${current.region})` : ''}. A move goes through the run&apos;s backups: it backs
        the run up when it changed since its last backup, restores it on the destination, checks it there and
        only then removes it here. The run is locked meanwhile. A destination that is offline gets it when it
        starts.
      </p>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {op ? (
        <div role="status" className="space-y-2 text-sm">
          <p>
            Moving <strong>{runid}</strong> to <strong>{dest}</strong>: {op.status}
            {op.currentOperation ? ` — ${op.currentOperation}` : ''}
          </p>
          <ProgressBar percent={op.progressPercent} label="Move progress" />
          {op.error && <p className="text-red-800">{op.error}</p>}
          <Link href={`/operations/${op.id}`} className="font-medium text-blue-700 hover:underline">
            Follow the move on its operation page
          </Link>
        </div>
      ) : (
        <>
          <Field label="Destination host" id="move-dest">
            <select
              id="move-dest"
              className="input"
              value={dest}
              onChange={(e) => {
                setDest(e.target.value);
                setInvalid(null);
              }}
            >
              <option value="">Choose a host…</option>
              {hosts.map((h) => {
                const why = refusal(h, current);
                const free =
                  h.free_bytes === null ? 'free space unknown' : `${formatBytes(h.free_bytes)} free`;
                return (
                  <option key={h.id} value={h.id} disabled={why !== null}>
                    {h.name} — {h.status}, {free}
                    {why ? ` (${why})` : ''}
                  </option>
                );
              })}
            </select>
          </Field>
          <label className="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              checked={includeArchives}
              onChange={(e) => setIncludeArchives(e.target.checked)}
            />
            <span>
              Include local snapshots in <code>archives/</code>
            </span>
          </label>
          <p
            id="move-warning"
            className="rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900"
          >
            Local snapshots in <code>archives/</code> are <strong>not moved</strong> unless you include them:
            without that choice they are deleted with the copy on this host. The backup history is kept either
            way.
          </p>
          {invalid && (
            <p role="alert" className="text-sm text-red-800">
              {invalid}
            </p>
          )}
          <button type="button" className="btn-primary" onClick={ask}>
            Move to another host…
          </button>
        </>
      )}
      {confirming && chosen && (
        <ConfirmDialog
          title={`Move run ${runid} to ${chosen.id}?`}
          confirmLabel={`Move to ${chosen.id}`}
          onConfirm={() => void move()}
          onCancel={() => setConfirming(false)}
        >
          <p>
            {runid} moves from {hostId} to {chosen.id} ({chosen.status}). It is locked until the move is done.
          </p>
          <p>
            {includeArchives ? (
              <>
                Its local snapshots in <code>archives/</code> move with it.
              </>
            ) : (
              <strong>
                Its local snapshots in archives/ are NOT moved: they are deleted with the copy on {hostId}.
              </strong>
            )}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
