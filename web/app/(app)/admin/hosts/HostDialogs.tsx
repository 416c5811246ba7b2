'use client';
import { useState } from 'react';
import { ConfirmDialog, Field, Modal } from '@/components/ui';
import { formatTime } from '@/lib/format';
import type { HostDetail } from './types';

/** "Turn off": says that every run is backed up first and the host stays draining if one fails. */
export function TurnOffDialog({
  host,
  onConfirm,
  onCancel,
}: {
  host: HostDetail;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <ConfirmDialog
      title={`Turn off host ${host.id}?`}
      confirmLabel={`Back up and turn off ${host.id}`}
      onConfirm={onConfirm}
      onCancel={onCancel}
    >
      <p>
        <strong>{host.id}</strong> is set draining at once: no new runs are placed on it. Then every run on it
        that changed since its last backup is backed up ({host.stale_runs} of {host.run_list.length} now).
      </p>
      <p>
        Only when every backup succeeded is the host marked <strong>off</strong>. If one fails, the host stays
        draining and the page says which runs failed; nothing is lost.
      </p>
    </ConfirmDialog>
  );
}

/** "Force off": lists the runs whose changes exist only on the host and asks for the host id. */
export function ForceOffDialog({
  host,
  onConfirm,
  onCancel,
}: {
  host: HostDetail;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const [typed, setTyped] = useState('');
  const atRisk = host.run_list.filter((r) => r.stale);
  return (
    <Modal title={`Force host ${host.id} off?`} onClose={onCancel} describedBy="force-what">
      <div id="force-what" className="space-y-2 text-sm text-slate-700">
        <p>The host is marked off at once, without backing anything up.</p>
        {atRisk.length === 0 ? (
          <p>Every run on it was backed up after its last edit: nothing should be lost.</p>
        ) : (
          <>
            <p className="font-medium text-red-800">
              What may be lost: {atRisk.length} {atRisk.length === 1 ? 'run' : 'runs'} changed after
              {atRisk.length === 1 ? ' its' : ' their'} last backup:
            </p>
            <ul className="max-h-48 list-disc overflow-y-auto pl-5" aria-label="Runs that may lose changes">
              {atRisk.map((r) => (
                <li key={r.runid}>
                  <strong>{r.runid}</strong>:{' '}
                  {r.last_backup_at
                    ? `last backup ${formatTime(r.last_backup_at)}, last edit ${formatTime(r.last_edited_at)}`
                    : 'never backed up'}
                </li>
              ))}
            </ul>
          </>
        )}
        <Field label={`Type ${host.id} to confirm`} id="confirm-host">
          <input
            id="confirm-host"
            className="input"
            autoComplete="off"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </Field>
      </div>
      <div className="mt-6 flex flex-wrap justify-end gap-2">
        <button type="button" className="btn-secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="btn-danger" disabled={typed !== host.id} onClick={onConfirm}>
          Force {host.id} off
        </button>
      </div>
    </Modal>
  );
}
