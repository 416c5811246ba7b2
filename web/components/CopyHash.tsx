'use client';
import { useState } from 'react';

/** A shortened SHA-256 with a button that copies the full value. */
export function CopyHash({ hash }: { hash: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(hash);
    } catch {
      const ta = document.createElement('textarea');
      ta.value = hash;
      document.body.appendChild(ta);
      ta.select();
      document.execCommand('copy');
      ta.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <span className="inline-flex items-center gap-2">
      <code title={hash} className="rounded bg-slate-100 px-1 text-xs">
        {hash.slice(0, 12)}…
      </code>
      <button
        type="button"
        className="text-xs text-blue-700 underline"
        onClick={() => void copy()}
        aria-label={`Copy SHA-256 ${hash}`}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
      <span className="sr-only" aria-live="polite">
        {copied ? 'SHA-256 copied' : ''}
      </span>
    </span>
  );
}
