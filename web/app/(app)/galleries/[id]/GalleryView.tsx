'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorMessage } from '@/lib/api';
import { formatBytes, formatTime } from '@/lib/format';
import { useChannel } from '@/lib/socket';
import { ErrorBanner, Field, Loading, Notice, PageHeader, ProgressBar, StatusBadge } from '@/components/ui';

interface Archive {
  id: string;
  version: number;
  status: string;
  image_count: number;
  size: number | null;
  sha256: string | null;
  error: string | null;
  operation_id: string | null;
  email_sent: boolean;
  created_at: string;
  completed_at: string | null;
}
interface Gallery {
  id: string;
  title: string;
  owner: string;
  has_password: boolean;
  image_count: number;
  archive_status: string;
  channel: string;
  images: { id: string; name: string; size: number; sha256: string; content_type: string }[];
  clients: {
    id: string;
    email: string;
    name: string | null;
    notify_on_archive: boolean;
    last_email: { status: string; error: string | null; at: string } | null;
  }[];
  archive: Archive | null;
  archives: Archive[];
}
interface UploadItem {
  key: string;
  name: string;
  size: number;
  loaded: number;
  state: 'queued' | 'uploading' | 'done' | 'failed';
  error?: string;
}

const STATUS_TEXT: Record<string, string> = {
  none: 'Not published yet',
  pending: 'Waiting for a worker',
  processing: 'Being zipped',
  ready: 'Ready to download',
  outdated: 'Images changed since the last archive: publish again',
  failed: 'The archive failed: publish again to regenerate it',
};

/** One file per request so each has its own progress bar (XHR upload progress; fetch has none). */
function uploadOne(galleryId: string, file: File, onProgress: (loaded: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/galleries/${galleryId}/images`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onerror = () => reject(new Error('Network error'));
    xhr.onload = () => {
      if (xhr.status === 201) return resolve();
      let msg = `The server answered ${xhr.status}`;
      try {
        msg = (JSON.parse(xhr.responseText) as { error?: { message?: string } }).error?.message ?? msg;
      } catch {
        /* not JSON */
      }
      reject(new Error(msg));
    };
    const form = new FormData();
    form.append('files', file, file.name);
    xhr.send(form);
  });
}

export function GalleryView({ id }: { id: string }) {
  const [g, setG] = useState<Gallery | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [uploads, setUploads] = useState<UploadItem[]>([]);
  const [dragging, setDragging] = useState(false);
  const [live, setLive] = useState<{ percent?: number; message?: string } | null>(null);
  const [email, setEmail] = useState('');
  const [clientName, setClientName] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const load = useCallback(() => {
    api<Gallery>(`/api/galleries/${id}`)
      .then(setG)
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [id]);
  useEffect(load, [load]);

  const status = useChannel(
    g?.channel,
    (e) => {
      if (e.type === 'PROGRESS' || e.type === 'STATUS') {
        const p = e.progress;
        const percent = (e.detail as { percent?: number } | undefined)?.percent;
        setLive({
          percent: percent ?? (p && p.total ? (p.current / p.total) * 100 : undefined),
          message: e.message,
        });
      }
      if (
        e.type === 'ENQUEUED' ||
        e.type === 'ARCHIVE_COMPLETE' ||
        e.type === 'EXCEPTION' ||
        e.type === 'CANCELLED'
      ) {
        if (e.type !== 'ENQUEUED') setLive(null);
        load();
      }
    },
    load,
  );

  const upload = async (files: File[]) => {
    const items: UploadItem[] = files.map((f, i) => ({
      key: `${Date.now()}-${i}-${f.name}`,
      name: f.name,
      size: f.size,
      loaded: 0,
      state: 'queued',
    }));
    setUploads((u) => [...items, ...u]);
    const update = (key: string, patch: Partial<UploadItem>) =>
      setUploads((u) => u.map((x) => (x.key === key ? { ...x, ...patch } : x)));
    // Two at a time: enough to fill the link, and each bar moves.
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const i = next++;
        update(items[i].key, { state: 'uploading' });
        try {
          await uploadOne(id, files[i], (loaded) => update(items[i].key, { loaded }));
          update(items[i].key, { state: 'done', loaded: files[i].size });
        } catch (err) {
          update(items[i].key, { state: 'failed', error: errorMessage(err) });
        }
      }
    };
    await Promise.all([worker(), worker()]);
    load();
  };

  const act = async (fn: () => Promise<unknown>, done?: string) => {
    setError(null);
    try {
      await fn();
      if (done) setNotice(done);
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  if (!g) return error ? <ErrorBanner error={error} /> : <Loading />;
  const a = g.archive;
  const canDownload = a && (a.status === 'completed' || a.status === 'outdated');
  return (
    <>
      <PageHeader title={g.title}>
        <button
          type="button"
          className="btn-primary"
          disabled={
            g.image_count === 0 || g.archive_status === 'pending' || g.archive_status === 'processing'
          }
          onClick={() => void act(() => api(`/api/galleries/${id}/publish`, { method: 'POST' }), 'Published')}
        >
          Publish
        </button>
        {canDownload && (
          <a className="btn-secondary" href={`/api/download/${a.id}`}>
            Download all
          </a>
        )}
      </PageHeader>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {notice && <Notice>{notice}</Notice>}

      <section className="card mb-6" aria-labelledby="archive-h">
        <h2 id="archive-h" className="mb-2 text-lg font-semibold">
          Archive <StatusBadge status={g.archive_status} />
        </h2>
        <p className="text-sm text-slate-600">{STATUS_TEXT[g.archive_status] ?? g.archive_status}</p>
        {(g.archive_status === 'pending' || g.archive_status === 'processing') && (
          <div className="mt-3">
            <ProgressBar percent={live?.percent} label="Archive progress" />
            <p className="mt-1 text-sm text-slate-600" aria-live="polite">
              {live?.message ?? 'Waiting…'} {status !== 'live' && `(${status})`}
            </p>
          </div>
        )}
        {a && (
          <dl className="mt-3 grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4">
            <dt className="text-slate-500">Version</dt>
            <dd>{a.version}</dd>
            <dt className="text-slate-500">Images</dt>
            <dd>{a.image_count}</dd>
            <dt className="text-slate-500">Size</dt>
            <dd>{formatBytes(a.size)}</dd>
            <dt className="text-slate-500">Finished</dt>
            <dd>{formatTime(a.completed_at)}</dd>
            {a.error && (
              <>
                <dt className="text-slate-500">Error</dt>
                <dd className="col-span-3 text-red-700">{a.error}</dd>
              </>
            )}
          </dl>
        )}
        {canDownload && (
          <button
            type="button"
            className="btn-secondary mt-3"
            onClick={() =>
              void act(async () => {
                const l = await api<{ page_url: string; expires_at: string }>(
                  `/api/galleries/${id}/archives/${a.id}/link`,
                  { method: 'POST' },
                );
                await navigator.clipboard?.writeText(l.page_url).catch(() => undefined);
                setNotice(`Link copied (valid until ${formatTime(l.expires_at)}): ${l.page_url}`);
              })
            }
          >
            Copy a client link
          </button>
        )}
      </section>

      <section className="card mb-6" aria-labelledby="images-h">
        <h2 id="images-h" className="mb-3 text-lg font-semibold">
          Images ({g.image_count})
        </h2>
        <div
          role="button"
          tabIndex={0}
          aria-label="Upload images: drop files here or press Enter to choose"
          className={`mb-4 rounded-lg border-2 border-dashed p-6 text-center text-sm ${dragging ? 'border-blue-500 bg-blue-50' : 'border-slate-300'}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            void upload([...e.dataTransfer.files]);
          }}
          onClick={() => fileInput.current?.click()}
          onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && fileInput.current?.click()}
        >
          Drop images here, or click to choose (JPEG, PNG, GIF, WebP, HEIC, AVIF, TIFF)
          <input
            ref={fileInput}
            type="file"
            multiple
            accept="image/*"
            className="hidden"
            onChange={(e) => {
              void upload([...(e.target.files ?? [])]);
              e.target.value = '';
            }}
          />
        </div>
        {uploads.length > 0 && (
          <ul className="mb-4 space-y-2" aria-label="Uploads">
            {uploads.map((u) => (
              <li key={u.key} className="text-sm">
                <div className="flex justify-between">
                  <span>{u.name}</span>
                  <span className={u.state === 'failed' ? 'text-red-700' : 'text-slate-500'}>
                    {u.state === 'failed' ? u.error : u.state === 'done' ? 'Uploaded' : formatBytes(u.loaded)}
                  </span>
                </div>
                {u.state !== 'failed' && (
                  <ProgressBar
                    percent={u.size ? (u.loaded / u.size) * 100 : 100}
                    label={`Upload of ${u.name}`}
                  />
                )}
              </li>
            ))}
          </ul>
        )}
        <ul className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-6">
          {g.images.map((img) => (
            <li key={img.id} className="group relative overflow-hidden rounded border border-slate-200">
              {/* A 400 px WebP made once with sharp (or the original, scaled here, for formats it cannot read). */}
              <img
                src={`/api/galleries/${id}/images/${img.id}/thumb`}
                alt={img.name}
                loading="lazy"
                className="aspect-square w-full object-cover"
              />
              <div className="flex items-center justify-between gap-1 p-1 text-xs">
                <span className="truncate" title={img.name}>
                  {img.name}
                </span>
                <button
                  type="button"
                  className="text-red-700 hover:underline"
                  aria-label={`Remove ${img.name}`}
                  onClick={() =>
                    void act(() => api(`/api/galleries/${id}/images/${img.id}`, { method: 'DELETE' }))
                  }
                >
                  ✕
                </button>
              </div>
            </li>
          ))}
        </ul>
      </section>

      <section className="card mb-6" aria-labelledby="clients-h">
        <h2 id="clients-h" className="mb-3 text-lg font-semibold">
          Clients
        </h2>
        <form
          className="mb-4 flex flex-wrap items-end gap-3"
          aria-label="Add client"
          onSubmit={(e) => {
            e.preventDefault();
            void act(async () => {
              await api(`/api/galleries/${id}/clients`, {
                method: 'POST',
                json: { email, ...(clientName ? { name: clientName } : {}) },
              });
              setEmail('');
              setClientName('');
            });
          }}
        >
          <Field label="E-mail" id="client-email">
            <input
              id="client-email"
              type="email"
              required
              className="input"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </Field>
          <Field label="Name (optional)" id="client-name">
            <input
              id="client-name"
              className="input"
              value={clientName}
              onChange={(e) => setClientName(e.target.value)}
            />
          </Field>
          <button type="submit" className="btn-secondary mb-5">
            Add client
          </button>
        </form>
        <table className="data-table">
          <caption className="sr-only">Clients notified when an archive is ready</caption>
          <thead>
            <tr>
              <th scope="col">Client</th>
              <th scope="col">Notify</th>
              <th scope="col">Last e-mail</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {g.clients.map((c) => (
              <tr key={c.id}>
                <td>{c.name ? `${c.name} <${c.email}>` : c.email}</td>
                <td>{c.notify_on_archive ? 'yes' : 'no'}</td>
                <td>
                  {c.last_email ? (
                    <span title={c.last_email.error ?? undefined}>
                      <StatusBadge
                        status={c.last_email.status === 'sent' ? 'succeeded' : 'failed'}
                        label={c.last_email.status === 'sent' ? 'sent' : 'not sent'}
                      />{' '}
                      {formatTime(c.last_email.at)}
                      {c.last_email.error && (
                        <span className="block text-xs text-red-700">{c.last_email.error}</span>
                      )}
                    </span>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="space-x-3 text-right">
                  {canDownload && (
                    <button
                      type="button"
                      className="text-blue-700 hover:underline"
                      onClick={() =>
                        void act(async () => {
                          const r = await api<{ status: string; error?: string }>(
                            `/api/galleries/${id}/archives/${a.id}/resend`,
                            { method: 'POST', json: { email: c.email } },
                          );
                          setNotice(
                            r.status === 'sent' ? `Sent to ${c.email}` : `Sending failed: ${r.error}`,
                          );
                        })
                      }
                    >
                      Resend
                    </button>
                  )}
                  <button
                    type="button"
                    className="text-red-700 hover:underline"
                    onClick={() =>
                      void act(() => api(`/api/galleries/${id}/clients/${c.id}`, { method: 'DELETE' }))
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="card" aria-labelledby="versions-h">
        <h2 id="versions-h" className="mb-3 text-lg font-semibold">
          Archive versions
        </h2>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">Images</th>
              <th scope="col">Size</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {g.archives.map((v) => (
              <tr key={v.id}>
                <td>
                  {v.status === 'completed' || v.status === 'outdated' ? (
                    <a className="text-blue-700 hover:underline" href={`/api/download/${v.id}`}>
                      v{v.version}
                    </a>
                  ) : (
                    `v${v.version}`
                  )}
                </td>
                <td>
                  <StatusBadge status={v.status} />
                </td>
                <td>{v.image_count}</td>
                <td>{formatBytes(v.size)}</td>
                <td>{formatTime(v.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
