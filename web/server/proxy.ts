import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A request target as path + query when its path is in normal form, else null: no dot segments
 * (also percent-encoded ones, `%2e%2e`), no encoded `/` or `\`, no `\`, no leading `//`, and
 * nothing that URL parsing would rewrite. Such a path means different things to different parsers
 * (`new URL('/api/%2e%2e/metrics')` is `/metrics`), and a browser never sends one, so the web server
 * answers 400 instead of guessing; what passes is forwarded byte for byte.
 */
export function normalisedTarget(rawUrl: string): { path: string; search: string } | null {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const search = q < 0 ? '' : rawUrl.slice(q);
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\')) return null;
  for (const segment of path.split('/')) {
    const s = segment.toLowerCase();
    if (s.includes('%2f') || s.includes('%5c')) return null;
    const dots = s.replace(/%2e/g, '.');
    if (dots === '.' || dots === '..') return null;
  }
  let parsed: string;
  try {
    parsed = new URL(path, 'http://normal.invalid').pathname;
  } catch {
    return null;
  }
  return parsed === path ? { path, search } : null;
}

/** True when every segment of `path` percent-decodes to UTF-8 (Next answers 500 for one that does not). */
export function pathDecodes(path: string): boolean {
  try {
    for (const segment of path.split('/')) decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

/** Paths the web server forwards to the API so the browser talks to one origin. `/metrics` stays private. */
export function isProxied(pathname: string): boolean {
  return (
    pathname === '/api' ||
    pathname.startsWith('/api/') ||
    pathname === '/admin/queues' ||
    pathname.startsWith('/admin/queues/')
  );
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/**
 * Streams a request to the API and the answer back, both bodies piped (uploads and archive
 * downloads never sit in memory). Every end-to-end header is kept (Range, Content-Range,
 * Content-Disposition, Set-Cookie, ETag…); X-Forwarded-* tell the API who asked. `pathAndQuery`
 * is sent as is (from normalisedTarget): never re-resolved against the API's URL.
 */
export function proxyToApi(
  apiUrl: string,
  req: IncomingMessage,
  res: ServerResponse,
  pathAndQuery: string,
): void {
  const target = new URL(apiUrl);
  const headers: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
  const remote = req.socket.remoteAddress ?? '';
  headers['x-forwarded-for'] = req.headers['x-forwarded-for']
    ? `${String(req.headers['x-forwarded-for'])}, ${remote}`
    : remote;
  headers['x-forwarded-host'] = req.headers.host ?? '';
  headers['x-forwarded-proto'] = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
  headers.host = target.host;

  const upstream = http.request(
    {
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: pathAndQuery,
      method: req.method,
      headers,
      agent,
    },
    (up) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      res.writeHead(up.statusCode ?? 502, up.statusMessage, out);
      up.pipe(res);
      up.on('error', () => res.destroy());
    },
  );
  upstream.on('error', (err) => {
    if (res.headersSent) {
      res.destroy(err);
      return;
    }
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        error: {
          code: 'API_UNAVAILABLE',
          message: 'The Arkive API is not reachable; try again in a moment.',
        },
      }),
    );
  });
  // A browser that goes away (cancelled download) stops the upstream transfer too.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}
