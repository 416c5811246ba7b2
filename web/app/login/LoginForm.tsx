'use client';
import { useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { api, errorMessage } from '@/lib/api';
import { toMe } from '@/lib/session';
import { ErrorBanner, Field } from '@/components/ui';
import { safeNextUrl } from './safe-next';

export function LoginForm() {
  const params = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = await api('/api/auth/login', { method: 'POST', json: { username, password } });
      const me = toMe(body);
      location.assign(
        me.mustChangePassword ? '/settings?forced=1' : safeNextUrl(params.get('next'), location.origin),
      );
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <form
      onSubmit={(e) => void submit(e)}
      className="card w-full max-w-sm space-y-4"
      aria-labelledby="login-title"
    >
      <h1 id="login-title" className="text-2xl font-semibold">
        Log in to Arkive
      </h1>
      <ErrorBanner error={error} />
      <Field label="Username" id="username">
        <input
          id="username"
          name="username"
          className="input"
          autoComplete="username"
          required
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
      </Field>
      <Field label="Password" id="password">
        <input
          id="password"
          name="password"
          type="password"
          className="input"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </Field>
      <button type="submit" className="btn-primary w-full" disabled={busy}>
        {busy ? 'Logging in…' : 'Log in'}
      </button>
    </form>
  );
}
