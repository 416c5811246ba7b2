'use client';
import { useState } from 'react';
import { api, errorMessage } from '@/lib/api';
import { ErrorBanner, Field, Notice } from '@/components/ui';

const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * "Copy to other runs" (POST /api/copy): paths of this run into one folder of each destination run.
 * Each path lands at <folder>/<its last segment>; what exists there already fails that copy unless
 * "replace" is ticked. Destinations on a host that is down get theirs when it starts (within 7 days).
 */
export function CopyForm({ runid, onStarted }: { runid: string; onStarted: () => void }) {
  const [paths, setPaths] = useState('');
  const [dests, setDests] = useState('');
  const [folder, setFolder] = useState('');
  const [force, setForce] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [started, setStarted] = useState<string | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setStarted(null);
    const p = lines(paths);
    const d = lines(dests);
    if (p.length === 0) return setError('Name at least one path of this run to copy.');
    if (d.length === 0) return setError('Name at least one run to copy into.');
    if (!folder.trim()) return setError('Name the folder the copies go into in each run.');
    setBusy(true);
    try {
      const r = await api<{ copies: unknown[] }>('/api/copy', {
        method: 'POST',
        json: {
          src: { runid, paths: p },
          dests: d.map((dest) => ({ runid: dest, path: folder.trim() })),
          ...(force ? { options: { force: true } } : {}),
        },
      });
      setStarted(
        `Copying ${p.length} ${p.length === 1 ? 'path' : 'paths'} into ${r.copies.length} ${r.copies.length === 1 ? 'run' : 'runs'}: follow them in the list below.`,
      );
      setPaths('');
      setDests('');
      onStarted();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-3 border-t border-slate-200 pt-3" noValidate>
      <h3 className="font-medium">Copy to other runs</h3>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {started && <Notice>{started}</Notice>}
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          label="Paths in this run"
          id="copy-paths"
          hint="One per line, relative to the run, e.g. handout/hw1.txt"
        >
          <textarea
            id="copy-paths"
            className="input font-mono"
            rows={3}
            value={paths}
            onChange={(e) => setPaths(e.target.value)}
          />
        </Field>
        <Field
          label="Destination runs"
          id="copy-dests"
          hint="One run id per line; you must be a collaborator on each"
        >
          <textarea
            id="copy-dests"
            className="input font-mono"
            rows={3}
            value={dests}
            onChange={(e) => setDests(e.target.value)}
          />
        </Field>
      </div>
      <Field
        label="Folder in each destination"
        id="copy-folder"
        hint="Each path lands in it under its last name"
      >
        <input
          id="copy-folder"
          className="input font-mono"
          autoComplete="off"
          value={folder}
          onChange={(e) => setFolder(e.target.value)}
        />
      </Field>
      <label className="flex items-start gap-2 text-sm">
        <input
          type="checkbox"
          className="mt-1"
          checked={force}
          onChange={(e) => setForce(e.target.checked)}
        />
        <span>
          Replace what already exists there (otherwise that copy fails with <code>DESTINATION_EXISTS</code>{' '}
          and nothing in it changes)
        </span>
      </label>
      <button type="submit" className="btn-primary" disabled={busy}>
        {busy ? 'Starting…' : 'Copy'}
      </button>
    </form>
  );
}
