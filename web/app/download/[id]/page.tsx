'use client';
import { use, useCallback, useEffect, useRef, useState } from 'react';

interface Info {
  id: string;
  title: string;
  photographer: string;
  has_password: boolean;
}

type State =
  | { kind: 'loading' }
  | { kind: 'missing' }
  | { kind: 'ready'; url: string }
  | { kind: 'preparing'; status: string }
  | { kind: 'idle'; error?: string };

const REFRESH_MS = 5000;

/**
 * The page a client opens from the e-mail (outside the signed-in app): with the e-mail's signed
 * link it offers the download at once; otherwise it asks for the gallery password when there is
 * one, and while the ZIP is being prepared it says so and checks again every few seconds.
 */
export default function PublicDownloadPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = use(params);
  const [info, setInfo] = useState<Info | null>(null);
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [password, setPassword] = useState('');
  const [signed, setSigned] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const check = useCallback(
    async (pw: string) => {
      clearTimeout(timer.current);
      const res = await fetch(`/api/galleries/${encodeURIComponent(id)}/download?mode=json`, {
        headers: { accept: 'application/json', ...(pw ? { 'x-gallery-password': pw } : {}) },
        credentials: 'same-origin',
      }).catch(() => null);
      if (!res) return setState({ kind: 'idle', error: 'Cannot reach the server; try again.' });
      const body = (await res.json().catch(() => ({}))) as {
        status?: string;
        url?: string;
        error?: { code?: string; message?: string };
      };
      if (res.status === 200 && body.url) return setState({ kind: 'ready', url: body.url });
      if (res.status === 202) {
        setState({ kind: 'preparing', status: body.status ?? 'pending' });
        timer.current = setTimeout(() => void check(pw), REFRESH_MS);
        return;
      }
      if (res.status === 404) return setState({ kind: 'missing' });
      setState({ kind: 'idle', error: body.error?.message ?? `The server answered ${res.status}` });
    },
    [id],
  );

  useEffect(() => {
    const q = new URLSearchParams(window.location.search);
    const archive = q.get('archive');
    const token = q.get('token');
    if (archive && token)
      setSigned(`/api/download/${encodeURIComponent(archive)}?token=${encodeURIComponent(token)}`);
    fetch(`/api/galleries/${encodeURIComponent(id)}/public`, { headers: { accept: 'application/json' } })
      .then(async (r) => {
        if (!r.ok) return setState({ kind: 'missing' });
        const i = (await r.json()) as Info;
        setInfo(i);
        if (archive && token) setState({ kind: 'idle' });
        else if (!i.has_password) void check('');
        else setState({ kind: 'idle' });
      })
      .catch(() => setState({ kind: 'idle', error: 'Cannot reach the server; try again.' }));
    return () => clearTimeout(timer.current);
  }, [id, check]);

  return (
    <main className="mx-auto max-w-lg p-8">
      {state.kind === 'missing' ? (
        <h1 className="text-xl font-semibold">This gallery does not exist (any more).</h1>
      ) : !info ? (
        <p role="status">Loading…</p>
      ) : (
        <div className="card">
          <h1 className="text-2xl font-semibold">{info.title}</h1>
          <p className="mb-4 text-sm text-slate-600">Photos by {info.photographer}</p>
          {signed && (
            <p className="mb-4">
              <a className="btn-primary" href={signed}>
                Download all photos
              </a>
            </p>
          )}
          {state.kind === 'ready' && (
            <p className="mb-4">
              <a className="btn-primary" href={state.url}>
                Download all photos (ZIP)
              </a>
            </p>
          )}
          {state.kind === 'preparing' && (
            <p role="status" aria-live="polite" className="mb-4 text-slate-700">
              Your download is being prepared ({state.status}). This page checks again every few seconds.
            </p>
          )}
          {info.has_password && state.kind !== 'ready' && state.kind !== 'preparing' && (
            <form
              className="space-y-3"
              aria-label="Gallery password"
              onSubmit={(e) => {
                e.preventDefault();
                void check(password);
              }}
            >
              <label htmlFor="gallery-password" className="block text-sm font-medium">
                {signed ? 'Or enter the gallery password for the latest version' : 'Password'}
              </label>
              <input
                id="gallery-password"
                type="password"
                className="input"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
              <button type="submit" className="btn-primary">
                Continue
              </button>
            </form>
          )}
          {state.kind === 'idle' && state.error && (
            <p role="alert" className="mt-3 text-sm text-red-700">
              {state.error}
            </p>
          )}
        </div>
      )}
    </main>
  );
}
