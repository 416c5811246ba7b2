/**
 * Global roles (users.role). `admin` manages users and may do everything; `operator` may also queue
 * folder jobs (cold storage, retrieval) and cancel or retry other people's jobs; `user` works in the
 * runs they are a member of. Browser-safe: the web hides what a role may not do from the same list.
 */
export const GLOBAL_ROLES = ['user', 'operator', 'admin'] as const;
export type GlobalRoleName = (typeof GLOBAL_ROLES)[number];

/** True when `role` is `min` or above it (user < operator < admin). */
export function globalRoleAtLeast(role: GlobalRoleName | null | undefined, min: GlobalRoleName): boolean {
  if (!role) return false;
  return GLOBAL_ROLES.indexOf(role) >= GLOBAL_ROLES.indexOf(min);
}

/** The effective role of a caller: an admin flag always wins (is_admin keeps working). */
export function effectiveGlobalRole(u: { isAdmin: boolean; role?: GlobalRoleName | null }): GlobalRoleName {
  if (u.isAdmin) return 'admin';
  return u.role === 'operator' ? 'operator' : 'user';
}
