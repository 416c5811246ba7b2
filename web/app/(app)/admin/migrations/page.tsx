'use client';
import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import type { MigrationScan } from '@arkive/shared/contracts';
import { api, errorMessage } from '@/lib/api';
import { MigrationPanel, VersionBadge } from '@/components/MigrationPanel';
import { Empty, ErrorBanner, Loading, PageHeader } from '@/components/ui';

/** Admin migration dashboard: the fleet scan (version, detected traits, planned migrations) and one run's actions + live log. */
export default function MigrationsDashboard() {
  const [scan, setScan] = useState<MigrationScan | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [onlyLegacy, setOnlyLegacy] = useState(true);
  const load = useCallback((refresh = false) => {
    setError(null);
    api<MigrationScan>(`/api/migrations/scan${refresh ? '?refresh=true' : ''}`)
      .then(setScan)
      .catch((e: unknown) => setError(errorMessage(e)));
  }, []);
  useEffect(() => load(), [load]);
  const runs = scan?.runs.filter((r) => !onlyLegacy || r.needsMigration) ?? [];
  return (
    <>
      <PageHeader title="Migrations">
        <label className="flex items-center gap-1 text-sm">
          <input type="checkbox" checked={onlyLegacy} onChange={(e) => setOnlyLegacy(e.target.checked)} />{' '}
          only runs that need a migration
        </label>
        <button type="button" onClick={() => load(true)} className="rounded-md border px-3 py-1.5 text-sm">
          Rescan
        </button>
      </PageHeader>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {!scan ? (
        <Loading label="Scanning runs…" />
      ) : (
        <>
          <p className="mb-2 text-sm text-slate-600">
            {scan.runs.length} runs scanned at {new Date(scan.scannedAt).toLocaleString()}
            {scan.cached ? ' (cached)' : ''}; target version {scan.current_version}.
          </p>
          {runs.length === 0 ? (
            <Empty title="No runs need a migration" />
          ) : (
            <table className="mb-6 w-full text-left text-sm">
              <thead>
                <tr className="border-b text-slate-500">
                  <th className="py-1">Run</th>
                  <th>Version</th>
                  <th>Detected traits / planned migrations</th>
                  <th>Last</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {runs.map((r) => (
                  <tr key={r.runid} className={`border-b ${selected === r.runid ? 'bg-slate-100' : ''}`}>
                    <td className="py-1 pr-3">
                      <Link
                        className="hover:underline"
                        href={`/runs/${encodeURIComponent(r.runid)}/migration`}
                      >
                        {r.runid}
                      </Link>
                      {r.is_fixture && <span className="ml-2 text-xs text-purple-700">fixture</span>}
                    </td>
                    <td className="pr-3">
                      <VersionBadge version={r.version} needs={r.needsMigration} />
                    </td>
                    <td className="pr-3 font-mono text-xs">
                      {r.traits.join(' → ') || '—'}
                      {r.blockers.length > 0 && (
                        <div className="text-red-700">{r.blockers.length} blocker(s)</div>
                      )}
                      {r.error && <div className="text-red-700">{r.error}</div>}
                    </td>
                    <td className="pr-3">{r.last_status ?? '—'}</td>
                    <td>
                      <button
                        type="button"
                        className="text-sm underline"
                        onClick={() => setSelected(r.runid)}
                      >
                        Open
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {selected && <MigrationPanel key={selected} runid={selected} canAct />}
        </>
      )}
    </>
  );
}
