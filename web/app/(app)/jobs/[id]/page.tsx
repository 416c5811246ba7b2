'use client';
import { use, useEffect, useState } from 'react';
import { api } from '@/lib/api';
import { formatBytes } from '@/lib/format';
import { OperationView } from '@/components/OperationView';
import type { JobView } from '@arkive/shared/contracts';

type Job = JobView;

/** Folder archive job detail (PRD §6.5): the operation view plus the cold-storage fields of GET /api/jobs/:id. */
export default function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = use(params);
  const [job, setJob] = useState<Job | null>(null);
  useEffect(() => {
    api<Job>(`/api/jobs/${id}`)
      .then(setJob)
      .catch(() => setJob(null));
  }, [id]);
  return (
    <OperationView
      id={id}
      title={(op) => `Job: ${job?.folder_name ?? op.scopeId}`}
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
            <dd>{formatBytes(job.folder_size_bytes)}</dd>
            <dt className="font-medium text-slate-600">Archive size</dt>
            <dd>{formatBytes(job.archive_size_bytes)}</dd>
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
