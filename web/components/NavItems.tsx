'use client';
import Link from 'next/link';
import { useEffect, useRef } from 'react';
import type { NavLink } from './nav-links';

const isActive = (pathname: string, href: string) => pathname === href || pathname.startsWith(href + '/');

/** One entry of the main navigation: an app page (client navigation) or a page served outside it. */
export function NavItem({
  link,
  pathname,
  onNavigate,
}: {
  link: NavLink;
  pathname: string;
  onNavigate: () => void;
}) {
  if (link.external)
    return (
      <a href={link.href} className="rounded-md px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100">
        {link.label}
      </a>
    );
  const active = isActive(pathname, link.href);
  return (
    <Link
      href={link.href}
      aria-current={active ? 'page' : undefined}
      className={`whitespace-nowrap rounded-md px-3 py-1.5 text-sm ${active ? 'bg-blue-50 font-semibold text-blue-800' : 'text-slate-700 hover:bg-slate-100'}`}
      onClick={onNavigate}
    >
      {link.label}
    </Link>
  );
}

/**
 * The admins' pages. On wide screens one "Admin" button opens them as a menu (Escape, a click
 * elsewhere or choosing one closes it), so the bar fits one line; in the small-screen menu they are
 * listed under an "Admin" heading.
 */
export function AdminMenu({
  links,
  pathname,
  open,
  setOpen,
  onNavigate,
}: {
  links: NavLink[];
  pathname: string;
  open: boolean;
  setOpen: (open: boolean) => void;
  onNavigate: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open, setOpen]);
  const active = links.some((l) => !l.external && isActive(pathname, l.href));
  return (
    <div ref={ref} className="sm:relative">
      <p className="mt-2 border-t border-slate-200 px-3 pt-2 text-xs font-semibold uppercase text-slate-500 sm:hidden">
        Admin
      </p>
      <button
        type="button"
        aria-expanded={open}
        aria-controls="admin-nav"
        className={`hidden rounded-md px-3 py-1.5 text-sm sm:inline-flex ${active ? 'bg-blue-50 font-semibold text-blue-800' : 'text-slate-700 hover:bg-slate-100'}`}
        onClick={() => setOpen(!open)}
      >
        Admin <span aria-hidden="true">&nbsp;▾</span>
      </button>
      <div
        id="admin-nav"
        className={`flex flex-col gap-1 sm:absolute sm:right-0 sm:top-full sm:z-40 sm:mt-1 sm:min-w-48 sm:rounded-md sm:border sm:border-slate-200 sm:bg-white sm:p-1 sm:shadow-lg ${open ? 'sm:flex' : 'sm:hidden'}`}
      >
        {links.map((l) => (
          <NavItem key={l.href} link={l} pathname={pathname} onNavigate={onNavigate} />
        ))}
      </div>
    </div>
  );
}
