'use client';

export function Pagination({
  page,
  pages,
  onPage,
}: {
  page: number;
  pages: number;
  onPage: (p: number) => void;
}) {
  if (pages <= 1) return null;
  const around = Array.from({ length: pages }, (_, i) => i + 1).filter(
    (p) => p === 1 || p === pages || Math.abs(p - page) <= 2,
  );
  return (
    <nav aria-label="Pagination" className="mt-4 flex flex-wrap items-center gap-1">
      <button type="button" className="btn-secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ‹ <span className="sr-only sm:not-sr-only">Previous</span>
      </button>
      {around.map((p, i) => (
        <span key={p} className="flex items-center gap-1">
          {i > 0 && around[i - 1] !== p - 1 && <span aria-hidden="true">…</span>}
          <button
            type="button"
            className={p === page ? 'btn-primary' : 'btn-secondary'}
            aria-current={p === page ? 'page' : undefined}
            aria-label={`Page ${p}`}
            onClick={() => onPage(p)}
          >
            {p}
          </button>
        </span>
      ))}
      <button
        type="button"
        className="btn-secondary"
        disabled={page >= pages}
        onClick={() => onPage(page + 1)}
      >
        <span className="sr-only sm:not-sr-only">Next</span> ›
      </button>
    </nav>
  );
}
