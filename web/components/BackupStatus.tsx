import type { RunBackupStatus } from '@arkive/shared/contracts';
import { formatAge, formatTime } from '@/lib/format';

const STYLE: Record<RunBackupStatus['state'], string> = {
  fresh: 'bg-green-50 text-green-800 border-green-200',
  stale: 'bg-amber-50 text-amber-900 border-amber-300',
  never: 'bg-slate-50 text-slate-700 border-slate-300',
};
const LABEL: Record<RunBackupStatus['state'], string> = {
  fresh: 'backed up',
  stale: 'edited since backup',
  never: 'never backed up',
};

/** A run's backup state: last backup (age), fresh / stale / never, and its region. */
export function BackupStatus({ status }: { status: RunBackupStatus | undefined }) {
  if (!status) return <>—</>;
  return (
    <span className="inline-flex flex-wrap items-center gap-1" data-backup-state={status.state}>
      <span
        className={`rounded border px-1.5 py-0.5 text-xs ${STYLE[status.state]}`}
        title={
          status.state === 'stale'
            ? 'The run changed after its last backup: changes since the last backup would be lost'
            : undefined
        }
      >
        {LABEL[status.state]}
      </span>
      {status.last_backup_at && (
        <span className="text-xs text-slate-600" title={formatTime(status.last_backup_at)}>
          {formatAge(status.last_backup_at)}
        </span>
      )}
      <span className="text-xs text-slate-500">· {status.region}</span>
    </span>
  );
}
