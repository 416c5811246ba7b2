'use client';
import { createContext, useContext } from 'react';

export interface Me {
  id: number;
  username: string;
  isAdmin: boolean;
  mustChangePassword: boolean;
}

export function toMe(body: unknown): Me {
  const b = (body ?? {}) as Record<string, unknown>;
  const u = (b.user && typeof b.user === 'object' ? b.user : b) as Record<string, unknown>;
  return {
    id: Number(u.id),
    username: String(u.username ?? ''),
    isAdmin: Boolean(u.is_admin ?? u.isAdmin),
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
