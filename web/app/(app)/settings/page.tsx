'use client';
import { useSearchParams } from 'next/navigation';
import { Suspense, useState } from 'react';
import { api, errorMessage } from '@/lib/api';
import { useMe } from '@/lib/session';
import { ErrorBanner, Field, Notice, PageHeader } from '@/components/ui';

function ChangePassword() {
  const me = useMe();
  const forced = useSearchParams().get('forced') === '1' || me.mustChangePassword;
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    if (next !== confirm) return setError('The new passwords do not match.');
    setBusy(true);
    try {
      await api('/api/auth/password', {
        method: 'POST',
        json: { current_password: current, new_password: next },
      });
      setDone(true);
      setCurrent('');
      setNext('');
      setConfirm('');
      if (forced) location.assign('/runs');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <PageHeader title="Settings" />
      <section className="card max-w-md space-y-4" aria-labelledby="pw-title">
        <h2 id="pw-title" className="text-lg font-semibold">
          Change password
        </h2>
        {forced && !done && (
          <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
            You must choose a new password before you continue.
          </p>
        )}
        {done && <Notice>Your password was changed.</Notice>}
        <ErrorBanner error={error} />
        <form onSubmit={(e) => void submit(e)} className="space-y-3">
          <Field label="Current password" id="current">
            <input
              id="current"
              type="password"
              className="input"
              autoComplete="current-password"
              required
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          </Field>
          <Field label="New password" id="new" hint="At least 10 characters, not your username.">
            <input
              id="new"
              type="password"
              className="input"
              autoComplete="new-password"
              minLength={10}
              required
              value={next}
              onChange={(e) => setNext(e.target.value)}
            />
          </Field>
          <Field label="Repeat new password" id="confirm">
            <input
              id="confirm"
              type="password"
              className="input"
              autoComplete="new-password"
              minLength={10}
              required
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
            />
          </Field>
          <button type="submit" className="btn-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Change password'}
          </button>
        </form>
      </section>
    </>
  );
}

export default function SettingsPage() {
  return (
    <Suspense>
      <ChangePassword />
    </Suspense>
  );
}
