'use client';
import { useEffect, useRef } from 'react';
import { exactBytes, formatBytes } from '@/lib/format';

const BYTES = /\b(\d+) bytes\b/g;

/** A log message with every "<n> bytes" in human units, the exact number on hover. */
export function HumanSizes({ text }: { text: string }) {
  const out: React.ReactNode[] = [];
  let last = 0;
  for (const m of text.matchAll(BYTES)) {
    const n = Number(m[1]);
    out.push(text.slice(last, m.index));
    out.push(
      <span key={m.index} title={exactBytes(n)} className="underline decoration-dotted">
        {formatBytes(n)}
      </span>,
    );
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return <>{out}</>;
}

export interface LogLine {
  key: string;
  ts: string;
  type?: string;
  level?: string;
  message: string;
}

/** A scrolling log panel that follows new lines unless the reader scrolled up. */
export function EventLog({
  lines,
  label,
  empty = 'No messages yet.',
}: {
  lines: LogLine[];
  label: string;
  empty?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <div
      ref={ref}
      role="log"
      aria-label={label}
      aria-live="polite"
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget;
        follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
      className="h-64 overflow-y-auto rounded-md bg-slate-900 p-3 font-mono text-xs leading-5 text-slate-100"
    >
      {lines.length === 0 ? (
        <p className="text-slate-400">{empty}</p>
      ) : (
        lines.map((l) => (
          <div
            key={l.key}
            className={
              l.type === 'EXCEPTION' || l.level === 'ERROR'
                ? 'text-red-300'
                : l.type?.endsWith('COMPLETE')
                  ? 'text-green-300'
                  : undefined
            }
          >
            <span className="text-slate-400">{new Date(l.ts).toLocaleTimeString()}</span>{' '}
            {l.level ?? l.type ?? ''} <HumanSizes text={l.message} />
          </div>
        ))
      )}
    </div>
  );
}
