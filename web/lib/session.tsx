'use client';
import { createContext, useContext } from 'react';

export interface Me {
  id: number;
  username: string;
  isAdmin: boolean;
  /** Global role: admin | operator | user (operators and admins run folder jobs). */
  role: 'admin' | 'operator' | 'user';
  mustChangePassword: boolean;
}

/** Operators and admins may queue folder jobs and cancel or retry other people's. */
export const canRunFolderJobs = (me: Pick<Me, 'role' | 'isAdmin'>) => me.isAdmin || me.role === 'operator';

export function toMe(body: unknown): Me {
  const b = (body ?? {}) as Record<string, unknown>;
  const u = (b.user && typeof b.user === 'object' ? b.user : b) as Record<string, unknown>;
  return {
    id: Number(u.id),
    username: String(u.username ?? ''),
    isAdmin: Boolean(u.is_admin ?? u.isAdmin),
    role: (u.is_admin ?? u.isAdmin) ? 'admin' : u.role === 'operator' ? 'operator' : 'user',
    mustChangePassword: Boolean(
      b.must_change_password ?? b.mustChangePassword ?? u.must_change_password ?? u.mustChangePassword,
    ),
  };
}

export const SessionContext = createContext<Me | null>(null);
export function useMe(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useMe outside the app shell');
  return me;
}
