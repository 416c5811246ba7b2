'use client';
import Link from 'next/link';
import { use, useCallback, useEffect, useMemo, useState } from 'react';
import type { RunView } from '@arkive/shared/contracts';
import { api, ApiError, errorMessage } from '@/lib/api';
import { ErrorBanner, Loading, PageHeader } from '@/components/ui';
import { RunTabs } from './RunTabs';
import { RunContext } from './run-context';

function RunNotFound({ runid }: { runid: string }) {
  return (
    <>
      <PageHeader title="Run not found" />
      <div className="card space-y-2 text-sm text-slate-700">
        <p>
          There is no run <strong>{runid}</strong> that you can see. Check the name, or ask the run&apos;s
          owner to add you as a member.
        </p>
        <p>
          <Link href="/runs" className="font-medium text-blue-700 hover:underline">
            Back to your runs
          </Link>
        </p>
      </div>
    </>
  );
}

export default function RunLayout({
  children,
  params,
}: {
  children: React.ReactNode;
  params: Promise<{ runid: string }>;
}) {
  const { runid: raw } = use(params);
  const runid = decodeURIComponent(raw);
  const [run, setRun] = useState<RunView | null>(null);
  const [state, setState] = useState<'loading' | 'ok' | 'not-found' | 'error'>('loading');
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      setRun(await api<RunView>(`/api/runs/${encodeURIComponent(runid)}`));
      setState('ok');
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 400)) setState('not-found');
      else {
        setError(errorMessage(err));
        setState((s) => (s === 'ok' ? s : 'error'));
      }
    }
  }, [runid]);
  useEffect(() => {
    void reload();
  }, [reload]);
  const value = useMemo(() => (run ? { run, reload } : null), [run, reload]);
  if (state === 'not-found') return <RunNotFound runid={runid} />;
  if (state === 'error') return <ErrorBanner error={error} />;
  if (!value) return <Loading />;
  return (
    <RunContext.Provider value={value}>
      <RunTabs runid={runid} />
      {children}
    </RunContext.Provider>
  );
}
