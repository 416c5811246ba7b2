'use client';
import { use, useEffect, useState } from 'react';
import type { Provenance } from '@arkive/shared/contracts';
import { api, errorMessage } from '@/lib/api';
import { formatBytes, formatTime } from '@/lib/format';
import { CopyHash } from '@/components/CopyHash';
import { Empty, ErrorBanner, Loading } from '@/components/ui';

/** Where an imported run came from: its .provenance.json, written by run sync. */
export default function ProvenancePage({ params }: { params: Promise<{ runid: string }> }) {
  const runid = decodeURIComponent(use(params).runid);
  const [prov, setProv] = useState<Provenance | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ provenance: Provenance | null }>(`/api/runs/${encodeURIComponent(runid)}/provenance`)
      .then((b) => setProv(b.provenance))
      .catch((e: unknown) => {
        setError(errorMessage(e));
        setProv(null);
      });
  }, [runid]);
  if (error) return <ErrorBanner error={error} />;
  if (prov === undefined) return <Loading />;
  if (prov === null)
    return (
      <Empty title="No provenance">This run was made here, not imported from another Arkive host.</Empty>
    );
  const rows: [string, React.ReactNode][] = [
    ['Source host', prov.source_host],
    ['Pulled at', formatTime(prov.pulled_at)],
    [
      'Original URL',
      <code key="u" className="break-all text-xs">
        {prov.original_url}
      </code>,
    ],
    ['Owner e-mail', prov.owner_email ?? '—'],
    ['Version at pull', prov.version_at_pull ?? 'none (no nodb.version)'],
    ['Archive', prov.archive_name ?? '—'],
    ['Size', formatBytes(prov.size)],
    ['Archive SHA-256', <CopyHash key="h" hash={prov.sha256} />],
  ];
  return (
    <section aria-labelledby="prov-h" className="card">
      <h2 id="prov-h" className="mb-3 text-lg font-semibold">
        Provenance of {runid}
      </h2>
      <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm md:grid-cols-[max-content_1fr]">
        {rows.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="font-medium text-slate-600">{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
