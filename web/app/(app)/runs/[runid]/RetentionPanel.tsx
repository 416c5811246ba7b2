'use client';
import { useCallback, useEffect, useState } from 'react';
import type { RetentionPolicy, RunRetentionView } from '@arkive/shared/contracts';
import { api, errorMessage } from '@/lib/api';
import { formatTime } from '@/lib/format';
import { Bytes } from '@/components/Bytes';
import { ErrorBanner, Field, Notice } from '@/components/ui';

type Key = keyof RetentionPolicy;
const FIELDS: { key: Key; label: string; hint: string }[] = [
  { key: 'keepLast', label: 'Keep the last N snapshots', hint: '0 = no count limit' },
  { key: 'keepDays', label: 'Keep snapshots newer than (days)', hint: '0 = no age limit' },
  { key: 'preRestoreDays', label: 'Pre-restore snapshots expire after (days)', hint: '0 = kept for ever' },
];

/** The run's retention: the policy in words, the owner's form, "Apply now" and the deletion log. */
export function RetentionPanel({
  runid,
  isOwner,
  refreshKey,
  onApplied,
  onPolicy,
}: {
  runid: string;
  isOwner: boolean;
  /** Changes when the archive list changed (a deletion shows in the log). */
  refreshKey: number;
  onApplied: () => void;
  /** Tells the archive list when pre-restore snapshots expire (days; 0 = never). */
  onPolicy?: (preRestoreDays: number) => void;
}) {
  const base = `/api/runs/${encodeURIComponent(runid)}/retention`;
  const [view, setView] = useState<RunRetentionView | null>(null);
  const [form, setForm] = useState<Record<Key, string>>({ keepLast: '', keepDays: '', preRestoreDays: '' });
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const show = useCallback(
    (v: RunRetentionView) => {
      setView(v);
      onPolicy?.(v.policy.preRestoreDays);
      setForm({
        keepLast: v.overrides.keepLast?.toString() ?? '',
        keepDays: v.overrides.keepDays?.toString() ?? '',
        preRestoreDays: v.overrides.preRestoreDays?.toString() ?? '',
      });
    },
    [onPolicy],
  );
  useEffect(() => {
    api<RunRetentionView>(base)
      .then(show)
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [base, show, refreshKey]);

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const num = (v: string) => (v.trim() === '' ? null : Number(v));
      show(
        await api<RunRetentionView>(base, {
          method: 'PUT',
          json: {
            keepLast: num(form.keepLast),
            keepDays: num(form.keepDays),
            preRestoreDays: num(form.preRestoreDays),
          },
        }),
      );
      setNotice('Retention saved. The maintenance schedule applies it within a minute.');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const applyNow = async () => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const out = await api<{ deleted: { name: string }[]; skipped: string | null }>(`${base}/apply`, {
        method: 'POST',
      });
      setNotice(
        out.skipped
          ? `Retention not applied: ${out.skipped}.`
          : out.deleted.length
            ? `Retention deleted ${out.deleted.length} archive${out.deleted.length === 1 ? '' : 's'}: ${out.deleted.map((d) => d.name).join(', ')}.`
            : 'Retention applied: nothing to delete.',
      );
      onApplied();
      show(await api<RunRetentionView>(base));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="retention-title" className="card mt-6 space-y-3">
      <h2 id="retention-title" className="text-lg font-semibold">
        Retention
      </h2>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {notice && <Notice>{notice}</Notice>}
      {view && (
        <p className="text-sm text-slate-700" data-testid="retention-policy">
          This run&apos;s policy: <strong>{view.description}</strong>. The newest snapshot is always kept.
          Applied by the maintenance schedule every minute. Defaults: keep last {view.defaults.keepLast},
          newer than {view.defaults.keepDays} days, pre-restore {view.defaults.preRestoreDays} days (0 = no
          limit).
        </p>
      )}
      {view && isOwner && (
        <form
          onSubmit={(e) => void save(e)}
          className="flex flex-wrap items-end gap-3"
          aria-label="Retention policy"
        >
          {FIELDS.map((f) => (
            <div key={f.key} className="w-56">
              <Field
                label={f.label}
                id={`ret-${f.key}`}
                hint={`${f.hint}; empty = default (${view.defaults[f.key]})`}
              >
                <input
                  id={`ret-${f.key}`}
                  className="input"
                  type="number"
                  min={0}
                  step={1}
                  value={form[f.key]}
                  onChange={(e) => setForm((s) => ({ ...s, [f.key]: e.target.value }))}
                />
              </Field>
            </div>
          ))}
          <div className="mb-5 flex gap-2">
            <button type="submit" className="btn-primary" disabled={busy}>
              Save retention
            </button>
            <button type="button" className="btn-secondary" disabled={busy} onClick={() => void applyNow()}>
              Apply now
            </button>
          </div>
        </form>
      )}
      <h3 className="text-sm font-semibold text-slate-700">Recent archive deletions</h3>
      {view && view.recentDeletions.length === 0 ? (
        <p className="text-sm text-slate-500">No archive of this run has been deleted.</p>
      ) : (
        <ul className="space-y-1 text-sm" aria-label="Recent archive deletions">
          {view?.recentDeletions.map((d, i) => (
            <li key={`${d.name}-${i}`} className="break-all">
              <time dateTime={d.deletedAt}>{formatTime(d.deletedAt)}</time>: <code>{d.name}</code> ({d.kind},{' '}
              <Bytes value={d.size} />){' '}
              {d.reason === 'retention' ? `by retention (${d.detail})` : `deleted by ${d.detail}`}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
