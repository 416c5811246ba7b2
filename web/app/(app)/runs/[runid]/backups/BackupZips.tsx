'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { isTerminalEvent, type Accepted, type ArkiveEvent } from '@arkive/shared/contracts';
import { api, errorMessage } from '@/lib/api';
import { formatBytes, formatTime } from '@/lib/format';
import { useChannel } from '@/lib/socket';
import { ErrorBanner, ProgressBar } from '@/components/ui';

interface ZipRow {
  id: string;
  backup_id: string;
  short_id: string;
  paths: string[] | null;
  size: number;
  files: number;
  created_at: string;
  expires_at: string;
  download_url: string;
}

function percentOf(e: ArkiveEvent): number | undefined {
  if (typeof e.percent === 'number') return e.percent;
  if (e.progress && e.progress.total > 0) return (e.progress.current / e.progress.total) * 100;
  return undefined;
}

/**
 * ZIPs of backups: `start(backupId, paths?)` asks for one (POST .../backups/:id/zip), follows its
 * progress on the run's channel, and `view` lists the ready ones with their download links.
 */
export function useBackupZips(base: string, runid: string) {
  const [zips, setZips] = useState<ZipRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ percent?: number; message: string } | null>(null);
  const tracked = useRef<string | null>(null);
  const load = useCallback(async () => {
    try {
      setZips((await api<{ items: ZipRow[] }>(`${base}/backups/zips`)).items);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [base]);
  useEffect(() => {
    void load();
  }, [load]);
  const live = useChannel(
    `${runid}:archive`,
    (e) => {
      if (e.operationId !== tracked.current) return;
      if (isTerminalEvent(e.type)) {
        tracked.current = null;
        setProgress(null);
        if (e.type === 'EXCEPTION' || e.type === 'CANCELLED') setError(e.message);
        void load();
        return;
      }
      setProgress((p) => ({ percent: percentOf(e) ?? p?.percent, message: e.message }));
    },
    () => void load(),
  );
  const start = async (backupId: string, paths?: string[]) => {
    setError(null);
    try {
      const res = await api<Accepted>(`${base}/backups/${backupId}/zip`, {
        method: 'POST',
        json: paths?.length ? { paths } : {},
      });
      tracked.current = res.operationId;
      setProgress({ percent: 0, message: 'Queued' });
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const view = (
    <section aria-labelledby="zips-h" className="my-4 space-y-2" data-testid="backup-zips">
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {progress && (
        <div className="space-y-1" aria-live="polite" data-testid="zip-progress">
          <ProgressBar percent={progress.percent} label="ZIP progress" />
          <p className="text-sm text-slate-600">
            {progress.message} {live !== 'live' && <span className="text-slate-400">({live})</span>}
          </p>
        </div>
      )}
      {zips.length > 0 && (
        <>
          <h2 id="zips-h" className="text-sm font-semibold text-slate-700">
            ZIPs ready to download
          </h2>
          <ul className="space-y-1 text-sm">
            {zips.map((z) => (
              <li key={z.id}>
                <a className="font-medium text-blue-700 hover:underline" href={z.download_url} download>
                  Download ZIP of {z.short_id}
                  {z.paths ? ` (${z.paths.join(', ')})` : ''}
                </a>{' '}
                <span className="text-slate-500">
                  {z.files} files · {formatBytes(z.size)} · until {formatTime(z.expires_at)}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
  return { start, view, busy: progress !== null };
}
