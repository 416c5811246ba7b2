'use client';
import Link from 'next/link';
import { use, useState } from 'react';
import { api, errorMessage } from '@/lib/api';
import { formatBytes } from '@/lib/format';
import { ErrorBanner, Field, Modal, PageHeader } from '@/components/ui';
import { MoveSection } from './MoveSection';
import { CopiesPanel } from './CopiesPanel';
import { BackupSettings } from './BackupSettings';

interface DeletionPlan {
  runid: string;
  directory_present: boolean;
  files: number;
  bytes: number;
  archives: number;
  archive_bytes: number;
  backups: number;
  message: string;
}

/**
 * Run settings: moving the run to another host; the run's copies; the danger zone (delete the run,
 * with what it removes said first and its name typed).
 */
export default function RunSettingsPage({ params }: { params: Promise<{ runid: string }> }) {
  const runid = decodeURIComponent(use(params).runid);
  const base = `/api/runs/${encodeURIComponent(runid)}`;
  const [plan, setPlan] = useState<DeletionPlan | null>(null);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [queued, setQueued] = useState<string | null>(null);
  const open = async () => {
    setError(null);
    try {
      setPlan(await api<DeletionPlan>(`${base}/deletion-plan`));
      setTyped('');
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const remove = async () => {
    setError(null);
    try {
      const r = await api<{ operationId: string }>(`${base}?confirm=${encodeURIComponent(runid)}`, {
        method: 'DELETE',
      });
      setPlan(null);
      setQueued(r.operationId);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <>
      <PageHeader title={`Settings of ${runid}`} />
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <MoveSection runid={runid} />
      <CopiesPanel runid={runid} />
      <BackupSettings />
      <section aria-labelledby="danger-h" className="card space-y-3 border-red-300">
        <h2 id="danger-h" className="text-lg font-semibold text-red-800">
          Danger zone
        </h2>
        {queued ? (
          <p role="status" className="text-sm">
            Deleting <strong>{runid}</strong> (operation <code>{queued}</code>). It disappears from your runs
            when it is done.{' '}
            <Link href="/runs" className="font-medium text-blue-700 hover:underline">
              Back to your runs
            </Link>
          </p>
        ) : (
          <>
            <p className="text-sm text-slate-700">
              Deleting the run removes its directory with every local snapshot in <code>archives/</code>, and
              its backups. Only the run&apos;s owner or an administrator can do it.
            </p>
            <button type="button" className="btn-danger" onClick={() => void open()}>
              Delete this run…
            </button>
          </>
        )}
      </section>
      {plan && (
        <Modal title={`Delete run ${runid}?`} onClose={() => setPlan(null)} describedBy="delete-what">
          <div id="delete-what" className="space-y-2 text-sm text-slate-700">
            <p>This removes, and cannot be undone:</p>
            <ul className="list-disc pl-5">
              <li>
                the run&apos;s directory: {plan.files} {plan.files === 1 ? 'file' : 'files'},{' '}
                {formatBytes(plan.bytes)}
                {plan.directory_present ? '' : ' (the directory is already gone)'}
              </li>
              <li>
                {plan.archives} {plan.archives === 1 ? 'archive' : 'archives'} (
                {formatBytes(plan.archive_bytes)}), with the directory&apos;s <code>archives/</code>
              </li>
              <li>
                {plan.backups} {plan.backups === 1 ? 'backup' : 'backups'}: forgotten now, their data removed
                at the repository&apos;s next prune
              </li>
            </ul>
            <Field label={`Type ${runid} to confirm`} id="confirm-runid">
              <input
                id="confirm-runid"
                className="input"
                autoComplete="off"
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
              />
            </Field>
          </div>
          <div className="mt-6 flex flex-wrap justify-end gap-2">
            <button type="button" className="btn-secondary" onClick={() => setPlan(null)}>
              Cancel
            </button>
            <button
              type="button"
              className="btn-danger"
              disabled={typed !== runid}
              onClick={() => void remove()}
            >
              Delete {runid} for good
            </button>
          </div>
        </Modal>
      )}
    </>
  );
}
