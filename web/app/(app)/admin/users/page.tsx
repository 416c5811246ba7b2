'use client';
import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage, itemsOf } from '@/lib/api';
import { formatTime } from '@/lib/format';
import { useMe } from '@/lib/session';
import { ConfirmDialog, Empty, ErrorBanner, Field, Loading, Modal, PageHeader } from '@/components/ui';

type Role = 'admin' | 'operator' | 'user';
const ROLE_HINT: Record<Role, string> = {
  user: 'User: works in the runs they are a member of',
  operator: "Operator: also moves folders to cold storage and back, cancels or retries others' jobs",
  admin: 'Admin: everything, including users',
};

interface User {
  id: number;
  username: string;
  is_admin: boolean;
  role: Role;
  must_change_password: boolean;
  created_at: string;
  last_login: string | null;
}

export default function UsersPage() {
  const me = useMe();
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState<{ username: string; password: string; role: Role }>({
    username: '',
    password: '',
    role: 'user',
  });
  const [formError, setFormError] = useState<string | null>(null);
  const load = useCallback(() => {
    api('/api/users?limit=500')
      .then((b) => setUsers(itemsOf<User>(b)))
      .catch((e: unknown) => {
        setError(errorMessage(e));
        setUsers([]);
      });
  }, []);
  useEffect(load, [load]);
  if (!me.isAdmin) return <ErrorBanner error="This page is for administrators." />;
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    setFormError(null);
    try {
      await api('/api/users', { method: 'POST', json: form });
      setCreating(false);
      setForm({ username: '', password: '', role: 'user' });
      load();
    } catch (err) {
      setFormError(errorMessage(err));
    }
  };
  const setRole = async (u: User, role: Role) => {
    setError(null);
    try {
      await api(`/api/users/${u.id}`, { method: 'PATCH', json: { role } });
      load();
    } catch (err) {
      setError(errorMessage(err));
      load();
    }
  };
  const [deleting, setDeleting] = useState<User | null>(null);
  const remove = async (u: User) => {
    setDeleting(null);
    setError(null);
    try {
      await api(`/api/users/${u.id}`, { method: 'DELETE' });
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <>
      <PageHeader title="User management">
        <button type="button" className="btn-primary" onClick={() => setCreating(true)}>
          + Create user
        </button>
      </PageHeader>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {deleting && (
        <ConfirmDialog
          title={`Delete user ${deleting.username}?`}
          confirmLabel={`Delete ${deleting.username}`}
          onConfirm={() => void remove(deleting)}
          onCancel={() => setDeleting(null)}
        >
          <p>
            <strong>{deleting.username}</strong> can no longer log in. Their run memberships, the download
            links they made and their galleries (with the galleries&apos; ZIP archives) are removed too. Run
            directories, archives and backups stay.
          </p>
        </ConfirmDialog>
      )}
      {users === null ? (
        <Loading />
      ) : users.length === 0 ? (
        <Empty title="No users" />
      ) : (
        <div className="card overflow-x-auto p-0">
          <table className="data-table">
            <caption className="sr-only">Users</caption>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">Last login</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td className="font-medium">
                    {u.username}
                    {u.must_change_password && (
                      <span className="ml-2 rounded bg-amber-100 px-1 text-xs text-amber-900">
                        must change password
                      </span>
                    )}
                  </td>
                  <td>
                    <label className="sr-only" htmlFor={`role-${u.id}`}>
                      Role of {u.username}
                    </label>
                    <select
                      id={`role-${u.id}`}
                      className="input py-1"
                      value={u.role}
                      disabled={u.id === me.id}
                      title={ROLE_HINT[u.role]}
                      onChange={(e) => void setRole(u, e.target.value as Role)}
                    >
                      <option value="user">user</option>
                      <option value="operator">operator</option>
                      <option value="admin">admin</option>
                    </select>
                  </td>
                  <td className="whitespace-nowrap">{formatTime(u.created_at)}</td>
                  <td className="whitespace-nowrap">{formatTime(u.last_login)}</td>
                  <td className="text-right">
                    {u.id !== me.id && (
                      <button type="button" className="btn-secondary" onClick={() => setDeleting(u)}>
                        Delete<span className="sr-only"> {u.username}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <Modal title="Create user" onClose={() => setCreating(false)}>
          <form onSubmit={(e) => void create(e)} className="space-y-3">
            <ErrorBanner error={formError} />
            <Field label="Username" id="new-username">
              <input
                id="new-username"
                className="input"
                required
                value={form.username}
                onChange={(e) => setForm({ ...form, username: e.target.value })}
              />
            </Field>
            <Field
              label="Initial password"
              id="new-password"
              hint="The user chooses their own password at first login."
            >
              <input
                id="new-password"
                type="password"
                className="input"
                autoComplete="new-password"
                required
                value={form.password}
                onChange={(e) => setForm({ ...form, password: e.target.value })}
              />
            </Field>
            <Field label="Role" id="new-role" hint={ROLE_HINT[form.role]}>
              <select
                id="new-role"
                className="input"
                value={form.role}
                onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
              >
                <option value="user">user</option>
                <option value="operator">operator</option>
                <option value="admin">admin</option>
              </select>
            </Field>
            <div className="flex justify-end gap-2 pt-2">
              <button type="button" className="btn-secondary" onClick={() => setCreating(false)}>
                Cancel
              </button>
              <button type="submit" className="btn-primary">
                Create
              </button>
            </div>
          </form>
        </Modal>
      )}
    </>
  );
}
