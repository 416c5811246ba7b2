import { safeNextUrl } from './safe-next';

/**
 * Where the login page sends the browser afterwards: only somewhere on its own origin, judged
 * the way the browser will resolve the address (tabs and newlines dropped, '\' read as '/').
 */
const ORIGIN = 'http://arkive.test:3000';

/** Where the browser would end up after `location.assign(result)` on a page at ORIGIN. */
const landing = (next: string | null) => new URL(safeNextUrl(next, ORIGIN), `${ORIGIN}/login`);

test.each([
  '/\\evil.example/phish',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '//evil.example/x',
  '/\\/evil.example',
  '\\\\evil.example',
  'https://evil.example/',
  'http:evil.example',
  'javascript:alert(1)',
  ' /evil',
  '',
  null,
])('%j never leaves the origin and falls back to /runs', (next) => {
  const url = landing(next);
  expect(url.origin).toBe(ORIGIN);
  expect(url.pathname).toBe('/runs');
});

test('same-origin paths are kept with their query and fragment', () => {
  expect(landing('/runs/r1?tab=archives#top').href).toBe(`${ORIGIN}/runs/r1?tab=archives#top`);
  expect(landing('/operations/42').href).toBe(`${ORIGIN}/operations/42`);
  // A normalised path that happens to start with two slashes stays on the origin.
  expect(landing('/.//evil.example').origin).toBe(ORIGIN);
});
