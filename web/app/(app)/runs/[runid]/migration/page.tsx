'use client';
import { use, useEffect, useState } from 'react';
import { api } from '@/lib/api';
import { useMe } from '@/lib/session';
import { MigrationPanel } from '@/components/MigrationPanel';
import { PageHeader } from '@/components/ui';

/** The run's Migration tab: version, "needs migration" badge, traits, actions (owners and admins) and live log. */
export default function RunMigrationPage({ params }: { params: Promise<{ runid: string }> }) {
  const runid = decodeURIComponent(use(params).runid);
  const me = useMe();
  const [role, setRole] = useState<string | null>(null);
  useEffect(() => {
    api<{ role: string }>(`/api/runs/${encodeURIComponent(runid)}`)
      .then((r) => setRole(r.role))
      .catch(() => setRole(null));
  }, [runid]);
  return (
    <>
      <PageHeader title={`Migration of ${runid}`} />
      <MigrationPanel runid={runid} canAct={me.isAdmin || role === 'owner'} />
    </>
  );
}
