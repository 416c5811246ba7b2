'use client';
import type { RunHealth, RunView } from '@arkive/shared/contracts';
import { formatAge, formatTime } from '@/lib/format';
import { Bytes } from './Bytes';

/** "Missing", "Locked" or "OK" for a run, as a small badge. */
export function HealthBadge({ run }: { run: Pick<RunView, 'exists' | 'health' | 'lock'> }) {
  const h = run.health;
  const missing = h ? h.missing : !run.exists;
  const locked = h ? h.lockFiles.length + h.redisLocks.length > 0 : Boolean(run.lock?.locked);
  const [text, style] = missing
    ? ['Directory missing', 'bg-red-100 text-red-800']
    : locked
      ? ['Locked', 'bg-amber-100 text-amber-800']
      : ['OK', 'bg-green-100 text-green-800'];
  return (
    <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ${style}`} data-health={text}>
      {text}
    </span>
  );
}

function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-0.5 font-medium text-slate-800">{children}</dd>
    </div>
  );
}

/** The run page's health panel: what is on disk, who holds a lock and since when, archives and free space. */
export function RunHealthPanel({ runid, health }: { runid: string; health: RunHealth }) {
  const locked = health.lockFiles.length + health.redisLocks.length > 0;
  return (
    <section aria-labelledby="health-title" className="card mb-6 space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <h2 id="health-title" className="text-lg font-semibold">
          Health
        </h2>
        <HealthBadge run={{ exists: !health.missing, health, lock: null }} />
      </div>
      {health.missing && (
        <div
          role="alert"
          className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800"
        >
          <p className="font-semibold">The directory of run {runid} is missing on disk.</p>
          <p>
            Snapshots and restores are disabled until it exists again under RUNS_ROOT. If it was moved, move
            it back; the archives listed here may live elsewhere (a bucket) or be gone with it.
          </p>
        </div>
      )}
      {locked && (
        <div
          role="alert"
          className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900"
        >
          <p className="font-semibold">
            Run {runid} is locked: snapshots and restores wait until it is released.
          </p>
          <ul className="mt-1 list-disc pl-5">
            {health.lockFiles.map((l) => (
              <li key={l.path}>
                Lock file <code>{l.path}</code>
                {l.since && (
                  <>
                    {' '}
                    since <time dateTime={l.since}>{formatTime(l.since)}</time> ({formatAge(l.since)})
                  </>
                )}
              </li>
            ))}
            {health.redisLocks.map((l) => (
              <li key={l.field}>
                Redis lock <code>{l.field}</code> = <code>{l.value}</code> (hash <code>{runid}:locks</code>)
              </li>
            ))}
          </ul>
          <p className="mt-1">
            A lock is stale if no program is working on the run any more (for example it crashed). Check that
            nothing runs on it, then delete the lock file (<code>rm {runid}/&lt;path&gt;</code>) or the Redis
            field (<code>redis-cli HDEL {runid}:locks &lt;field&gt;</code>).
          </p>
        </div>
      )}
      <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
        <Stat label="Size">
          <Bytes value={health.sizeBytes} />
        </Stat>
        <Stat label="Files">{health.fileCount?.toLocaleString('en-US') ?? '—'}</Stat>
        <Stat label="Last snapshot">
          {health.lastSnapshot ? (
            <span title={formatTime(health.lastSnapshot.createdAt)}>
              {formatAge(health.lastSnapshot.createdAt)}
            </span>
          ) : (
            'never'
          )}
        </Stat>
        <Stat label="Archives">
          {health.archiveCount} (<Bytes value={health.archiveBytes} />)
        </Stat>
        <Stat label="archives/ on disk">
          <Bytes value={health.archivesDiskBytes} />
        </Stat>
        <Stat label="Free disk (RUNS_ROOT)">
          <Bytes value={health.diskFreeBytes} />
        </Stat>
      </dl>
    </section>
  );
}
