'use client';
import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage, itemsOf } from '@/lib/api';
import { formatTime } from '@/lib/format';
import { Empty, ErrorBanner, Field, Loading, PageHeader, StatusBadge } from '@/components/ui';

interface GalleryRow {
  id: string;
  title: string;
  owner: string;
  has_password: boolean;
  image_count: number;
  archive_status: string;
  created_at: string;
}

export default function GalleriesPage() {
  const [rows, setRows] = useState<GalleryRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    api('/api/galleries?limit=200')
      .then((b) => setRows(itemsOf<GalleryRow>(b)))
      .catch((e: unknown) => {
        setError(errorMessage(e));
        setRows([]);
      });
  }, []);
  useEffect(load, [load]);
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { id } = await api<{ id: string }>('/api/galleries', {
        method: 'POST',
        json: { title: title.trim(), ...(password ? { password } : {}) },
      });
      location.assign(`/galleries/${id}`);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <>
      <PageHeader title="Galleries" />
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <form
        onSubmit={(e) => void create(e)}
        className="card mb-6 flex flex-wrap items-end gap-3"
        aria-label="Create gallery"
      >
        <div className="min-w-64 flex-1">
          <Field label="Title" id="gallery-title">
            <input
              id="gallery-title"
              className="input"
              required
              maxLength={200}
              value={title}
              onChange={(e) => setTitle(e.target.value)}
            />
          </Field>
        </div>
        <div className="min-w-48">
          <Field
            label="Download password (optional)"
            id="gallery-password"
            hint="Clients enter it before downloading."
          >
            <input
              id="gallery-password"
              className="input"
              type="password"
              minLength={4}
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </Field>
        </div>
        <button type="submit" className="btn-primary mb-5" disabled={busy}>
          Create gallery
        </button>
      </form>
      {rows === null ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty title="No galleries yet">Create one above, then upload images and publish it.</Empty>
      ) : (
        <div className="card overflow-x-auto p-0">
          <table className="data-table">
            <caption className="sr-only">Your galleries</caption>
            <thead>
              <tr>
                <th scope="col">Gallery</th>
                <th scope="col">Images</th>
                <th scope="col">Archive</th>
                <th scope="col">Owner</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((g) => (
                <tr key={g.id}>
                  <td>
                    <Link className="font-medium text-blue-700 hover:underline" href={`/galleries/${g.id}`}>
                      {g.title}
                    </Link>
                    {g.has_password && <span className="ml-2 text-xs text-slate-500">(password)</span>}
                  </td>
                  <td>{g.image_count}</td>
                  <td>
                    <StatusBadge status={g.archive_status} />
                  </td>
                  <td>{g.owner}</td>
                  <td>{formatTime(g.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
