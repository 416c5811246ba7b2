/**
 * The app's navigation, one entry per area. A new area adds one line here (`admin: true` shows it to admins only).
 */
export interface NavLink {
  href: string;
  label: string;
  admin?: boolean;
  /** Served outside the Next app (bull-board, the API's docs): a full page load. */
  external?: boolean;
}

export const NAV_LINKS: NavLink[] = [
  { href: '/runs', label: 'Runs' },
  { href: '/folders', label: 'Folders' },
  { href: '/queue', label: 'Queue' },
  { href: '/history', label: 'History' },
  { href: '/galleries', label: 'Galleries' },
  { href: '/settings', label: 'Settings' },
  { href: '/admin/users', label: 'Users', admin: true },
  { href: '/admin/migrations', label: 'Migrations', admin: true },
  { href: '/admin/run-sync', label: 'Run sync', admin: true },
  { href: '/admin/hosts', label: 'Hosts', admin: true },
  // --- runux: ops surfaces for admins ---
  { href: '/admin/queues', label: 'Queues (bull-board)', admin: true, external: true },
  { href: '/api/docs', label: 'API docs', admin: true, external: true },
];

export function navLinksFor(isAdmin: boolean): NavLink[] {
  return NAV_LINKS.filter((l) => !l.admin || isAdmin);
}
