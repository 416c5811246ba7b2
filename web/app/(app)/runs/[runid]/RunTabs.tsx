'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { RUN_TABS, runTabHref } from './run-tabs';

export function RunTabs({ runid }: { runid: string }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Run sections" className="mb-4 flex flex-wrap gap-1 border-b border-slate-200">
      {RUN_TABS.map((tab) => {
        const href = runTabHref(runid, tab);
        const active = decodeURIComponent(pathname) === decodeURIComponent(href);
        return (
          <Link
            key={tab.segment || 'main'}
            href={href}
            aria-current={active ? 'page' : undefined}
            className={`-mb-px border-b-2 px-3 py-2 text-sm ${
              active
                ? 'border-blue-600 font-semibold text-blue-700'
                : 'border-transparent text-slate-600 hover:text-slate-900'
            }`}
          >
            {tab.label}
          </Link>
        );
      })}
    </nav>
  );
}
