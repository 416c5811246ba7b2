'use client';
import { use, useCallback, useEffect, useState } from 'react';
import { api } from '@/lib/api';
import { Bytes } from '@/components/Bytes';
import { OperationView } from '@/components/OperationView';
import type { JobView } from '@arkive/shared/contracts';

type Job = JobView;

/** Folder archive job detail (PRD §6.5): the operation view plus the cold-storage fields of GET /api/jobs/:id. */
export default function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = use(params);
  const [job, setJob] = useState<Job | null>(null);
  const loadJob = useCallback(() => {
    api<Job>(`/api/jobs/${id}`)
      .then(setJob)
      .catch(() => undefined);
  }, [id]);
  useEffect(loadJob, [loadJob]);
  return (
    <OperationView
      id={id}
      title={(op) => `Job: ${job?.folder_name ?? op.scopeId}`}
      // The operation view re-reads its row on every status line: the job's fields follow (live).
      onLoaded={loadJob}
      extra={() =>
        job && (
          <>
            <dt className="font-medium text-slate-600">Source</dt>
            <dd className="break-all">{job.source_path}</dd>
            <dt className="font-medium text-slate-600">Destination</dt>
            <dd className="break-all">{job.globus_destination_path ?? '—'}</dd>
            <dt className="font-medium text-slate-600">Format</dt>
            <dd>
              A plain 7z archive despite the <code>.tar.7z</code> name (no tar inside). Open it by hand with{' '}
              <code>7z x {job.folder_name}.tar.7z</code>, or use Folders → Restore from cold storage.
            </dd>
            <dt className="font-medium text-slate-600">Folder size</dt>
            <dd>
              <Bytes value={job.folder_size_bytes} />
            </dd>
            <dt className="font-medium text-slate-600">Archive size</dt>
            <dd>
              <Bytes value={job.archive_size_bytes} />
            </dd>
            {job.sha256 && (
              <>
                <dt className="font-medium text-slate-600">SHA-256</dt>
                <dd className="break-all font-mono text-xs">{job.sha256}</dd>
              </>
            )}
            <dt className="font-medium text-slate-600">Retries</dt>
            <dd>{job.retry_count}</dd>
          </>
        )
      }
    />
  );
}
