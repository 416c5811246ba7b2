'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, apiWithHeaders, errorMessage } from '@/lib/api';
import { formatBytes, formatTime } from '@/lib/format';
import { Empty, ErrorBanner, Loading, PageHeader, StatusBadge } from '@/components/ui';
import { Pagination } from '@/components/Pagination';

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
}
type SortKey = 'name' | 'size' | 'modified';
const PAGE = 25;

export default function FoldersPage() {
  const router = useRouter();
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
        `/api/folders${refresh ? '?refresh=true' : ''}`,
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
              <caption className="sr-only">Folders that can be archived</caption>
              <thead>
                <tr>
                  {header('name', 'Folder name')}
                  {header('size', 'Size')}
                  {header('modified', 'Modified')}
                  <th scope="col">Files</th>
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
                    <td className="whitespace-nowrap text-right">
                      {f.is_archived ? (
                        <StatusBadge status="completed" />
                      ) : f.has_job && f.job_id ? (
                        <Link href={`/jobs/${f.job_id}`} className="text-sm text-blue-700 underline">
                          {f.job_status ?? 'in progress'}
                        </Link>
                      ) : (
                        <button
                          type="button"
                          className="btn-primary"
                          disabled={busy !== null}
                          onClick={() => void archive(f)}
                        >
                          {busy === f.relative_path ? 'Adding…' : 'Archive'}
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
