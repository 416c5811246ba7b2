'use client';
import Link from 'next/link';
import { use, useCallback, useEffect, useState } from 'react';
import { api, errorMessage, itemsOf } from '@/lib/api';
import { formatTime } from '@/lib/format';
import { useMe } from '@/lib/session';
import { ConfirmDialog, Empty, ErrorBanner, Field, Loading, PageHeader } from '@/components/ui';

interface Member {
  userId?: number;
  user_id?: number;
  username: string;
  role: string;
  createdAt?: string;
  created_at?: string;
}
const ROLES = ['viewer', 'collaborator', 'owner'] as const;

export default function MembersPage({ params }: { params: Promise<{ runid: string }> }) {
  const runid = decodeURIComponent(use(params).runid);
  const me = useMe();
  const base = `/api/runs/${encodeURIComponent(runid)}/members`;
  const [members, setMembers] = useState<Member[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<string>('viewer');
  const [removing, setRemoving] = useState<Member | null>(null);
  const load = useCallback(() => {
    api(base)
      .then((b) => setMembers(itemsOf<Member>(b)))
      .catch((e: unknown) => {
        setError(errorMessage(e));
        setMembers([]);
      });
  }, [base]);
  useEffect(load, [load]);
  const mine = members?.find((m) => m.username === me.username)?.role;
  const canManage = me.isAdmin || mine === 'owner';
  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api(base, { method: 'POST', json: { username: username.trim(), role } });
      setUsername('');
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const change = async (m: Member, newRole: string) => {
    setError(null);
    try {
      await api(base, { method: 'POST', json: { username: m.username, role: newRole } });
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const remove = async (m: Member) => {
    setRemoving(null);
    setError(null);
    try {
      await api(`${base}/${encodeURIComponent(m.username)}`, { method: 'DELETE' });
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500">
        <Link href="/runs" className="hover:underline">
          Runs
        </Link>{' '}
        /{' '}
        <Link href={`/runs/${encodeURIComponent(runid)}`} className="hover:underline">
          {runid}
        </Link>{' '}
        / members
      </nav>
      <PageHeader title={`Members of ${runid}`} />
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {canManage && (
        <form
          onSubmit={(e) => void add(e)}
          className="card mb-6 flex flex-wrap items-end gap-3"
          aria-label="Add member"
        >
          <div className="min-w-48 flex-1">
            <Field label="Username" id="member-username">
              <input
                id="member-username"
                className="input"
                required
                value={username}
                onChange={(e) => setUsername(e.target.value)}
              />
            </Field>
          </div>
          <div className="w-44">
            <Field label="Role" id="member-role">
              <select
                id="member-role"
                className="input"
                value={role}
                onChange={(e) => setRole(e.target.value)}
              >
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </Field>
          </div>
          <button type="submit" className="btn-primary">
            Add member
          </button>
        </form>
      )}
      {members === null ? (
        <Loading />
      ) : members.length === 0 ? (
        <Empty title="No members" />
      ) : (
        <div className="card overflow-x-auto p-0">
          <table className="data-table">
            <caption className="sr-only">Members of {runid}</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.username}>
                  <td className="font-medium">{m.username}</td>
                  <td>
                    {canManage ? (
                      <select
                        aria-label={`Role of ${m.username}`}
                        className="input w-40"
                        value={m.role}
                        onChange={(e) => void change(m, e.target.value)}
                      >
                        {ROLES.map((r) => (
                          <option key={r}>{r}</option>
                        ))}
                      </select>
                    ) : (
                      m.role
                    )}
                  </td>
                  <td>{formatTime(m.createdAt ?? m.created_at)}</td>
                  <td className="text-right">
                    {canManage && (
                      <button type="button" className="btn-secondary" onClick={() => setRemoving(m)}>
                        Remove<span className="sr-only"> {m.username}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.username} from ${runid}?`}
          confirmLabel={`Remove ${removing.username}`}
          onCancel={() => setRemoving(null)}
          onConfirm={() => void remove(removing)}
        >
          <p>
            {removing.username} ({removing.role}) loses access to run <strong>{runid}</strong> at once, open
            pages included. Links they shared stop working.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
