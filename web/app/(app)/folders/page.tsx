'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, apiWithHeaders, errorMessage } from '@/lib/api';
import { formatBytes, formatTime } from '@/lib/format';
import { Empty, ErrorBanner, Loading, Modal, PageHeader } from '@/components/ui';
import { Pagination } from '@/components/Pagination';
import { canRunFolderJobs, useMe } from '@/lib/session';

interface Folder {
  path: string;
  relative_path: string;
  name: string;
  level1: string;
  level2: string;
  size_bytes: number;
  modified_at: string;
  file_count: number;
  is_archived: boolean;
  has_job: boolean;
  job_id: string | null;
  job_status: string | null;
  destination_bucket: string;
  destination_key: string;
  state: 'ready' | 'in_progress' | 'archived' | 'failed';
  job_kind: string | null;
  job_percent: number | null;
  archive: {
    archived_at: string | null;
    archived_by: string | null;
    bucket: string;
    key: string;
    size_bytes: number;
    sha256: string;
    job_id: string | null;
  } | null;
  last_error: { job_id: string; kind: string; message: string | null; at: string | null } | null;
}

const STATE_LABEL: Record<Folder['state'], string> = {
  ready: 'Ready',
  in_progress: 'In progress',
  archived: 'Archived',
  failed: 'Failed',
};
const STATE_BADGE: Record<Folder['state'], string> = {
  ready: 'bg-slate-100 text-slate-800',
  in_progress: 'bg-blue-100 text-blue-800',
  archived: 'bg-green-100 text-green-800',
  failed: 'bg-red-100 text-red-800',
};
type SortKey = 'name' | 'size' | 'modified';
const PAGE = 25;

export default function FoldersPage() {
  const router = useRouter();
  const me = useMe();
  const mayAct = canRunFolderJobs(me);
  const [confirm, setConfirm] = useState<{ action: 'archive' | 'retrieve'; folder: Folder } | null>(null);
  const [folders, setFolders] = useState<Folder[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'name', desc: false });
  const [page, setPage] = useState(1);
  const [busy, setBusy] = useState<string | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const [scannedAt, setScannedAt] = useState<string | null>(null);
  const poll = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** The API answers from its scan cache; with refresh it rescans in the background (X-Folder-Scan: scanning) and we poll until idle. */
  const load = useCallback(async (refresh = false) => {
    if (poll.current) clearTimeout(poll.current);
    if (refresh) setRefreshing(true);
    try {
      const { body, headers } = await apiWithHeaders<Folder[]>(
        `/api/folders?include_archived=true${refresh ? '&refresh=true' : ''}`,
      );
      setFolders(body);
      setScannedAt(headers.get('x-folder-scanned-at'));
      if (headers.get('x-folder-scan') === 'scanning') {
        setRefreshing(true);
        poll.current = setTimeout(() => void load(), 1000);
      } else {
        setRefreshing(false);
      }
    } catch (err) {
      setError(errorMessage(err));
      setFolders((f) => f ?? []);
      setRefreshing(false);
    }
  }, []);
  useEffect(
    () => () => {
      if (poll.current) clearTimeout(poll.current);
    },
    [],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const list = (folders ?? []).filter(
      (f) =>
        !needle || f.name.toLowerCase().includes(needle) || f.relative_path.toLowerCase().includes(needle),
    );
    const cmp = (a: Folder, b: Folder) =>
      sort.key === 'name'
        ? a.name.localeCompare(b.name)
        : sort.key === 'size'
          ? a.size_bytes - b.size_bytes
          : a.modified_at.localeCompare(b.modified_at);
    return list.sort((a, b) => (sort.desc ? -cmp(a, b) : cmp(a, b)));
  }, [folders, q, sort]);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const visible = shown.slice((page - 1) * PAGE, page * PAGE);
  const archive = async (f: Folder) => {
    setConfirm(null);
    setBusy(f.relative_path);
    setError(null);
    try {
      await api('/api/jobs', { method: 'POST', json: { folder_path: f.relative_path } });
      router.push('/queue');
    } catch (err) {
      setError(errorMessage(err));
      setBusy(null);
    }
  };
  const retrieve = async (f: Folder) => {
    setConfirm(null);
    setBusy(f.relative_path);
    setError(null);
    try {
      const op = await api<{ operationId: string }>('/api/folders/retrieve', {
        method: 'POST',
        json: { folder_path: f.relative_path },
      });
      router.push(`/operations/${op.operationId}`);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(null);
    }
  };
  const header = (key: SortKey, label: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button
        type="button"
        className="font-semibold hover:underline"
        onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : key !== 'name' }))}
      >
        {label} {sort.key === key ? (sort.desc ? '▼' : '▲') : ''}
      </button>
    </th>
  );
  return (
    <>
      <PageHeader title="Folders">
        <button type="button" className="btn-secondary" onClick={() => void load(true)} disabled={refreshing}>
          {refreshing ? 'Rescanning…' : 'Refresh folders'}
        </button>
      </PageHeader>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {!mayAct && (
        <p className="mb-4 text-sm text-slate-600" data-testid="role-note">
          Moving folders to cold storage and restoring them needs the operator or admin role; ask an
          administrator.
        </p>
      )}
      {confirm?.action === 'archive' && (
        <Modal
          title={`Move ${confirm.folder.name} to cold storage?`}
          onClose={() => setConfirm(null)}
          describedBy="cold-what"
        >
          <div id="cold-what" className="space-y-2 text-sm text-slate-700">
            <p>
              <strong>{confirm.folder.relative_path}</strong> ({formatBytes(confirm.folder.size_bytes)},{' '}
              {confirm.folder.file_count} {confirm.folder.file_count === 1 ? 'file' : 'files'}) is copied,
              compressed with 7z, tested and uploaded to bucket{' '}
              <strong>{confirm.folder.destination_bucket}</strong> as{' '}
              <strong className="break-all">{confirm.folder.destination_key}</strong>.
            </p>
            <p className="font-medium text-red-800">
              The source will be emptied after the copy is verified: only a marker file stays in the folder.
              You can restore it from cold storage later.
            </p>
          </div>
          <div className="mt-4 flex justify-end gap-2">
            <button type="button" className="btn-secondary" onClick={() => setConfirm(null)}>
              Cancel
            </button>
            <button type="button" className="btn-danger" onClick={() => void archive(confirm.folder)}>
              Move to cold storage and empty the source
            </button>
          </div>
        </Modal>
      )}
      {confirm?.action === 'retrieve' && confirm.folder.archive && (
        <Modal
          title={`Restore ${confirm.folder.name} from cold storage?`}
          onClose={() => setConfirm(null)}
          describedBy="retrieve-what"
        >
          <div id="retrieve-what" className="space-y-2 text-sm text-slate-700">
            <p>
              <strong className="break-all">
                {confirm.folder.archive.bucket}/{confirm.folder.archive.key}
              </strong>{' '}
              ({formatBytes(confirm.folder.archive.size_bytes)}) is downloaded, checked against its recorded
              size and SHA-256 and with 7z t, extracted beside <strong>{confirm.folder.relative_path}</strong>{' '}
              and swapped in; the marker file is removed. The object stays in the bucket.
            </p>
          </div>
          <div className="mt-4 flex justify-end gap-2">
            <button type="button" className="btn-secondary" onClick={() => setConfirm(null)}>
              Cancel
            </button>
            <button type="button" className="btn-primary" onClick={() => void retrieve(confirm.folder)}>
              Restore the folder from cold storage
            </button>
          </div>
        </Modal>
      )}
      <div className="mb-4 max-w-md">
        <label htmlFor="folder-search" className="block text-sm font-medium text-slate-700">
          Search
        </label>
        <input
          id="folder-search"
          type="search"
          className="input"
          placeholder="Folder name or path"
          value={q}
          onChange={(e) => (setQ(e.target.value), setPage(1))}
        />
      </div>
      {folders === null ? (
        <Loading label="Scanning folders…" />
      ) : shown.length === 0 ? (
        <Empty
          title={
            folders.length === 0 ? 'No folders found under the source root' : 'No folder matches your search'
          }
        />
      ) : (
        <>
          <p className="mb-2 text-sm text-slate-600" role="status">
            {shown.length} {shown.length === 1 ? 'folder' : 'folders'}
            {scannedAt && ` · scanned ${formatTime(scannedAt)}`}
            {refreshing && ' · rescanning…'}
          </p>
          <div className="card overflow-x-auto p-0">
            <table className="data-table">
              <caption className="sr-only">
                Folders under the source root and their cold-storage state
              </caption>
              <thead>
                <tr>
                  {header('name', 'Folder name')}
                  {header('size', 'Size')}
                  {header('modified', 'Modified')}
                  <th scope="col">Files</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {visible.map((f) => (
                  <tr key={f.relative_path}>
                    <td>
                      <div className="font-medium">{f.name}</div>
                      <div className="text-xs text-slate-500">
                        {f.level1} / {f.level2}
                      </div>
                    </td>
                    <td className="whitespace-nowrap">{formatBytes(f.size_bytes)}</td>
                    <td className="whitespace-nowrap">{formatTime(f.modified_at)}</td>
                    <td>{f.file_count}</td>
                    <td data-testid="folder-state">
                      <span
                        className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ${STATE_BADGE[f.state]}`}
                      >
                        {STATE_LABEL[f.state]}
                      </span>
                      {f.state === 'in_progress' && f.job_id && (
                        <div className="text-xs">
                          <Link
                            href={
                              f.job_kind === 'folder-archive'
                                ? `/jobs/${f.job_id}`
                                : `/operations/${f.job_id}`
                            }
                            className="text-blue-700 underline"
                          >
                            {f.job_kind === 'folder-retrieve' ? 'Restoring' : 'Moving to cold storage'}
                            {f.job_percent !== null ? ` · ${f.job_percent}%` : ''}
                          </Link>
                        </div>
                      )}
                      {f.state === 'archived' && f.archive && (
                        <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-2 text-xs text-slate-600">
                          <dt>Archived</dt>
                          <dd>
                            {f.archive.archived_at ? formatTime(f.archive.archived_at) : 'unknown date'} by{' '}
                            {f.archive.archived_by ?? 'unknown'}
                          </dd>
                          <dt>Object</dt>
                          <dd className="break-all">
                            {f.archive.bucket}/{f.archive.key}
                          </dd>
                          <dt>Size</dt>
                          <dd title={`${f.archive.size_bytes} bytes`}>{formatBytes(f.archive.size_bytes)}</dd>
                          <dt>SHA-256</dt>
                          <dd className="break-all font-mono" data-testid="archive-sha256">
                            {f.archive.sha256}
                          </dd>
                        </dl>
                      )}
                      {f.state === 'failed' && f.last_error && (
                        <div className="text-xs text-red-700">
                          {f.last_error.message ?? 'failed'}{' '}
                          <Link
                            href={
                              f.last_error.kind === 'folder-archive'
                                ? `/jobs/${f.last_error.job_id}`
                                : `/operations/${f.last_error.job_id}`
                            }
                            className="underline"
                          >
                            details
                          </Link>
                        </div>
                      )}
                    </td>
                    <td className="whitespace-nowrap text-right">
                      {!mayAct || f.state === 'in_progress' ? null : f.is_archived ? (
                        <button
                          type="button"
                          className="btn-secondary"
                          disabled={busy !== null || !f.archive}
                          onClick={() => setConfirm({ action: 'retrieve', folder: f })}
                        >
                          {busy === f.relative_path ? 'Queuing…' : 'Restore from cold storage'}
                          <span className="sr-only"> {f.name}</span>
                        </button>
                      ) : (
                        <button
                          type="button"
                          className="btn-primary"
                          disabled={busy !== null}
                          onClick={() => setConfirm({ action: 'archive', folder: f })}
                        >
                          {busy === f.relative_path ? 'Queuing…' : 'Move to cold storage'}
                          <span className="sr-only"> {f.name}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination page={page} pages={pages} onPage={setPage} />
        </>
      )}
    </>
  );
}
