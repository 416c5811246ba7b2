/**
 * The address to go to after signing in: `next` when, resolved the way the browser will resolve
 * it (tabs and newlines dropped, `\` read as `/`, dot segments removed), it stays on `origin`;
 * otherwise `fallback`. Answers an absolute URL, so a path that normalises to `//host` cannot be
 * re-read as protocol-relative by `location.assign`.
 */
export function safeNextUrl(next: string | null | undefined, origin: string, fallback = '/runs'): string {
  const home = new URL(fallback, origin);
  if (!next || !next.startsWith('/')) return home.href;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return home.href;
  }
  return url.origin === home.origin ? url.href : home.href;
}
