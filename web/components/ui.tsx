'use client';
import { useEffect, useRef } from 'react';

export function ErrorBanner({ error, onDismiss }: { error?: string | null; onDismiss?: () => void }) {
  if (!error) return null;
  return (
    <div
      role="alert"
      className="mb-4 flex items-start justify-between gap-4 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800"
    >
      <span>{error}</span>
      {onDismiss && (
        <button type="button" className="text-red-700 underline" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

export function Notice({ children }: { children: React.ReactNode }) {
  return (
    <div
      role="status"
      className="mb-4 rounded-md border border-green-200 bg-green-50 px-4 py-3 text-sm text-green-800"
    >
      {children}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center">
      <p className="font-medium text-slate-700">{title}</p>
      {children && <div className="mt-2 text-sm text-slate-500">{children}</div>}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p role="status" aria-live="polite" className="py-6 text-sm text-slate-500">
      {label}
    </p>
  );
}

/** Determinate when `percent` is a number, indeterminate (pulsing) when it is undefined. */
export function ProgressBar({ percent, label }: { percent?: number; label: string }) {
  const p = percent === undefined ? undefined : Math.max(0, Math.min(100, percent));
  return (
    <div>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={p === undefined ? undefined : Math.round(p)}
        className="relative h-3 w-full overflow-hidden rounded-full bg-slate-200"
      >
        {p === undefined ? (
          <div className="progress-indeterminate absolute inset-y-0 w-2/5 rounded-full bg-blue-500" />
        ) : (
          <div
            className={`h-full rounded-full transition-[width] duration-300 ${p >= 100 ? 'bg-green-600' : 'bg-blue-600'}`}
            style={{ width: `${p}%` }}
          />
        )}
      </div>
      <p className="mt-1 text-xs text-slate-600" aria-hidden="true">
        {p === undefined ? 'Working…' : `${Math.round(p)} %`}
      </p>
    </div>
  );
}

const STATUS_STYLE: Record<string, string> = {
  succeeded: 'bg-green-100 text-green-800',
  completed: 'bg-green-100 text-green-800',
  failed: 'bg-red-100 text-red-800',
  cancelled: 'bg-slate-200 text-slate-700',
  expired: 'bg-slate-200 text-slate-700',
  running: 'bg-blue-100 text-blue-800',
  queued: 'bg-amber-100 text-amber-800',
  // gallery archives, copies and sync tokens
  done: 'bg-green-100 text-green-800',
  ready: 'bg-green-100 text-green-800',
  active: 'bg-green-100 text-green-800',
  pending: 'bg-amber-100 text-amber-800',
  processing: 'bg-blue-100 text-blue-800',
  applying: 'bg-blue-100 text-blue-800',
  outdated: 'bg-slate-200 text-slate-700',
  revoked: 'bg-slate-200 text-slate-700',
};
const STATUS_ICON: Record<string, string> = {
  succeeded: '✓',
  completed: '✓',
  failed: '✗',
  cancelled: '⊗',
  expired: '⊗',
  running: '▶',
  queued: '…',
  done: '✓',
  ready: '✓',
  active: '✓',
  pending: '…',
  processing: '▶',
  applying: '▶',
  outdated: '⊗',
  revoked: '⊗',
};

/** One word per outcome everywhere: an operation that `succeeded` reads "completed", as folder jobs do. */
export const STATUS_LABEL: Record<string, string> = { succeeded: 'completed' };

/** A status pill; `label` replaces the status's usual word (e.g. "sent" for an e-mail that succeeded). */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span
      data-status={status}
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[status] ?? 'bg-blue-100 text-blue-800'}`}
    >
      <span aria-hidden="true">{STATUS_ICON[status] ?? '▶'}</span>
      <span>{label ?? STATUS_LABEL[status] ?? status}</span>
    </span>
  );
}

/** Accessible modal dialog: labelled, focus moves in and is trapped, Esc and the backdrop close it, focus returns. */
export function Modal({
  title,
  onClose,
  children,
  describedBy,
}: {
  title: string;
  onClose: () => void;
  children: React.ReactNode;
  describedBy?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const node = ref.current!;
    const focusables = () =>
      Array.from(
        node.querySelectorAll<HTMLElement>(
          'button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])',
        ),
      ).filter((el) => !el.hasAttribute('disabled'));
    (focusables()[0] ?? node).focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        onClose();
      } else if (e.key === 'Tab') {
        const list = focusables();
        if (list.length === 0) return;
        const first = list[0];
        const last = list[list.length - 1];
        if (e.shiftKey && document.activeElement === first) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first.focus();
        }
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, [onClose]);
  return (
    <div
      className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/50 p-4"
      onMouseDown={(e) => e.target === e.currentTarget && onClose()}
    >
      <div
        ref={ref}
        role="dialog"
        aria-modal="true"
        aria-labelledby="modal-title"
        aria-describedby={describedBy}
        tabIndex={-1}
        className="w-full max-w-lg rounded-lg bg-white p-6 shadow-xl"
      >
        <h2 id="modal-title" className="text-lg font-semibold">
          {title}
        </h2>
        <div className="mt-3">{children}</div>
      </div>
    </div>
  );
}

export function Field({
  label,
  id,
  children,
  hint,
}: {
  label: string;
  id: string;
  children: React.ReactNode;
  hint?: string;
}) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      {children}
      {hint && <p className="text-xs text-slate-500">{hint}</p>}
    </div>
  );
}

/**
 * Sets the browser tab's title to "<page> · Arkive" while the page is shown. Next renders the root
 * layout's metadata title on every client navigation, sometimes after this page's effect ran, so
 * the hook keeps its title: it re-applies it whenever the head's title changes while it is shown.
 */
export function usePageTitle(title: string): void {
  useEffect(() => {
    const wanted = title ? `${title} · Arkive` : 'Arkive';
    const apply = () => {
      if (document.title !== wanted) document.title = wanted;
    };
    apply();
    const watch = new MutationObserver(apply);
    watch.observe(document.head, { subtree: true, childList: true, characterData: true });
    return () => watch.disconnect();
  }, [title]);
}

export function PageHeader({ title, children }: { title: string; children?: React.ReactNode }) {
  usePageTitle(title);
  return (
    <div className="mb-6 flex flex-wrap items-center justify-between gap-3">
      <h1 className="text-2xl font-semibold" tabIndex={-1}>
        {title}
      </h1>
      <div className="flex flex-wrap gap-2">{children}</div>
    </div>
  );
}

/**
 * The one confirmation of the app for destructive actions: a modal naming what will happen, a
 * red button that says what it does, and Cancel (the same secondary button everywhere).
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  cancelLabel = 'Cancel',
  onConfirm,
  onCancel,
  disabled = false,
}: {
  title: string;
  children: React.ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  onConfirm: () => void;
  onCancel: () => void;
  disabled?: boolean;
}) {
  return (
    <Modal title={title} onClose={onCancel} describedBy="confirm-desc">
      <div id="confirm-desc" className="space-y-2 text-sm text-slate-700">
        {children}
      </div>
      <div className="mt-6 flex flex-wrap justify-end gap-2">
        <button type="button" className="btn-secondary" onClick={onCancel}>
          {cancelLabel}
        </button>
        <button type="button" className="btn-danger" disabled={disabled} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
