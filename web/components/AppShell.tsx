'use client';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { api, errorMessage } from '@/lib/api';
import { SessionContext, toMe, type Me } from '@/lib/session';
import { AdminMenu, NavItem } from './NavItems';
import { navLinksFor } from './nav-links';
import { ErrorBanner, Loading } from './ui';
import { ScrubBanner } from './ScrubBanner';

export function AppShell({ children }: { children: React.ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const pathname = usePathname();
  const router = useRouter();
  useEffect(() => {
    api('/api/auth/me')
      .then((body) => {
        const m = toMe(body);
        if (m.mustChangePassword && pathname !== '/settings') router.replace('/settings?forced=1');
        setMe(m);
      })
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [pathname, router]);
  const logout = async () => {
    await api('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
    location.assign('/login');
  };
  const [adminOpen, setAdminOpen] = useState(false);
  const closeMenus = () => {
    setMenuOpen(false);
    setAdminOpen(false);
  };
  const links = navLinksFor(Boolean(me?.isAdmin));
  const mainLinks = links.filter((l) => !l.admin);
  const adminLinks = links.filter((l) => l.admin);
  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:px-3 focus:py-1"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl items-center justify-between gap-4 px-4 py-3">
          <Link href="/runs" className="text-lg font-bold text-blue-700">
            Arkive
          </Link>
          <button
            type="button"
            className="btn-secondary sm:hidden"
            aria-expanded={menuOpen}
            aria-controls="main-nav"
            onClick={() => setMenuOpen((o) => !o)}
          >
            Menu
          </button>
          <nav
            id="main-nav"
            aria-label="Main"
            className={`${menuOpen ? 'flex' : 'hidden'} absolute left-0 right-0 top-14 z-40 flex-col gap-1 border-b border-slate-200 bg-white p-3 sm:static sm:flex sm:flex-1 sm:flex-row sm:border-0 sm:p-0`}
          >
            {mainLinks.map((l) => (
              <NavItem key={l.href} link={l} pathname={pathname} onNavigate={closeMenus} />
            ))}
            {adminLinks.length > 0 && (
              <AdminMenu
                links={adminLinks}
                pathname={pathname}
                open={adminOpen}
                setOpen={setAdminOpen}
                onNavigate={closeMenus}
              />
            )}
            {/* Small screens: who is signed in and Log out live in the menu. */}
            <div className="mt-2 flex items-center justify-between gap-3 border-t border-slate-200 pt-3 text-sm sm:hidden">
              {me && (
                <span className="text-slate-600">
                  User: <strong>{me.username}</strong>
                  {me.isAdmin && ' (admin)'}
                </span>
              )}
              <button type="button" className="btn-secondary" onClick={() => void logout()}>
                Log out
              </button>
            </div>
          </nav>
          <div className="hidden items-center gap-3 text-sm sm:flex">
            {me && (
              <span className="text-slate-600">
                User: <strong>{me.username}</strong>
                {me.isAdmin && ' (admin)'}
              </span>
            )}
            <button type="button" className="btn-secondary" onClick={() => void logout()}>
              Log out
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-6">
        <ErrorBanner error={error} />
        {me?.isAdmin && <ScrubBanner />}
        {me ? (
          <SessionContext.Provider value={me}>{children}</SessionContext.Provider>
        ) : (
          !error && <Loading />
        )}
      </main>
    </div>
  );
}
