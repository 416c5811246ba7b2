import { exactBytes, formatBytes } from '@/lib/format';

/** A size in human units; the exact number of bytes on hover (and for screen readers on focus). */
export function Bytes({ value }: { value: number | null | undefined }) {
  const exact = exactBytes(value);
  return (
    <span title={exact} data-bytes={value ?? undefined} className={exact ? 'cursor-help' : undefined}>
      {formatBytes(value)}
    </span>
  );
}
