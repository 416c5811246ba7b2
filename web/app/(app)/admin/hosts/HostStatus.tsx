import { formatBytes } from '@/lib/format';
import type { Host } from './types';

const STYLE: Record<Host['status'], string> = {
  online: 'bg-green-100 text-green-800',
  offline: 'bg-slate-200 text-slate-700',
  draining: 'bg-amber-100 text-amber-900',
  off: 'bg-red-100 text-red-800',
};

export function HostStatusBadge({ status }: { status: Host['status'] }) {
  return (
    <span
      data-host-status={status}
      className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ${STYLE[status]}`}
    >
      {status}
    </span>
  );
}

/** Free of total space as a bar (used space filled). */
export function SpaceBar({ free, total }: { free: number | null; total: number | null }) {
  if (free === null || total === null || total <= 0) return <span className="text-slate-500">—</span>;
  const used = Math.max(0, Math.min(100, ((total - free) / total) * 100));
  return (
    <div className="min-w-32">
      <div
        role="meter"
        aria-label="Disk used"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(used)}
        className="h-2 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <div
          className={`h-full ${used > 90 ? 'bg-red-600' : used > 75 ? 'bg-amber-500' : 'bg-blue-600'}`}
          style={{ width: `${used}%` }}
        />
      </div>
      <p className="mt-0.5 text-xs text-slate-600">
        {formatBytes(free)} free of {formatBytes(total)}
      </p>
    </div>
  );
}

/** "12 s ago", "4 min ago" for a heartbeat. */
export function secondsAgo(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.floor(s / 60)} min ago`;
  if (s < 172800) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} days ago`;
}
