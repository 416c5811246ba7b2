/**
 * The run page's tabs, one entry per area of a run. A new area adds its folder
 * (`web/app/(app)/runs/[runid]/<segment>/page.tsx`) and one line here.
 */
export interface RunTab {
  /** Path segment after /runs/<runid>; '' is the run's main page. */
  segment: string;
  label: string;
}

export const RUN_TABS: RunTab[] = [
  { segment: '', label: 'Archives' },
  { segment: 'members', label: 'Members' },
  { segment: 'migration', label: 'Migration' },
  { segment: 'provenance', label: 'Provenance' },
  { segment: 'backups', label: 'Backups' },
  { segment: 'settings', label: 'Settings' },
];

export function runTabHref(runid: string, tab: RunTab): string {
  const base = `/runs/${encodeURIComponent(runid)}`;
  return tab.segment ? `${base}/${tab.segment}` : base;
}
