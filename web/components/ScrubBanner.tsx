'use client';
import { useEffect, useState } from 'react';
import { api } from '@/lib/api';

interface ReposBody {
  scrub_failures: string[];
  warning: string | null;
  items: {
    id: string;
    scrub: { message: string | null; last_scrub_at: string | null; subset: string | null };
  }[];
}

/** Administrators: a banner while the last scrub of some backup repository failed (GET /api/backup-repos). */
export function ScrubBanner() {
  const [body, setBody] = useState<ReposBody | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api<ReposBody>('/api/backup-repos')
        .then((b) => live && setBody(b))
        .catch(() => undefined);
    void load();
    const t = setInterval(() => void load(), 5 * 60_000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, []);
  if (!body?.scrub_failures.length) return null;
  return (
    <div
      role="alert"
      data-testid="scrub-banner"
      className="mb-4 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900"
    >
      <p className="font-semibold">Backup integrity: {body.warning}</p>
      <ul className="mt-1 list-disc pl-5">
        {body.items
          .filter((r) => body.scrub_failures.includes(r.id))
          .map((r) => (
            <li key={r.id}>
              <strong>{r.id}</strong> (packs {r.scrub.subset},{' '}
              {r.scrub.last_scrub_at ? new Date(r.scrub.last_scrub_at).toLocaleString() : ''}):{' '}
              {r.scrub.message}
            </li>
          ))}
      </ul>
    </div>
  );
}
