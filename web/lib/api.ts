/** Fetch wrapper for the Arkive API (same origin; the web server proxies /api). */
export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function api<T = unknown>(
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<T> {
  return (await apiWithHeaders<T>(path, init)).body;
}

/** Like `api`, also returning the response headers (pagination totals, scan state…). */
export async function apiWithHeaders<T = unknown>(
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<{ body: T; headers: Headers }> {
  const { json, headers, ...rest } = init;
  let res: Response;
  try {
    res = await fetch(path, {
      credentials: 'same-origin',
      ...rest,
      headers: {
        accept: 'application/json',
        ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: json !== undefined ? JSON.stringify(json) : rest.body,
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Cannot reach the server. Check your connection and try again.');
  }
  if (res.status === 204) return { body: undefined as T, headers: res.headers };
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)
      ?.error;
    if (res.status === 401 && typeof window !== 'undefined' && !location.pathname.startsWith('/login')) {
      location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    }
    throw new ApiError(
      res.status,
      err?.code ?? `HTTP_${res.status}`,
      err?.message ?? `The server answered ${res.status} ${res.statusText}`.trim(),
      err?.details,
    );
  }
  return { body: body as T, headers: res.headers };
}

/** Lists come either as a page `{items,total}` or a bare array (PRD routes). */
export function itemsOf<T>(body: unknown): T[] {
  if (Array.isArray(body)) return body as T[];
  const b = body as { items?: T[] } | undefined;
  return b?.items ?? [];
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
