import { z } from 'zod';
import { PermanentError, TransientError } from '@arkive/shared';

/** What the source's GET /api/runs/:runid/export/info answers. */
export const exportInfoSchema = z.object({
  runid: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  files: z.number().int().nonnegative(),
  version: z.number().nullable(),
  name: z.string().min(1),
  created_at: z.string(),
});
export type ExportInfo = z.infer<typeof exportInfoSchema>;

export interface SourceRef {
  sourceHost: string;
  runid: string;
  token?: string;
  from: 'latest' | 'snapshot';
}

export const exportInfoUrl = (s: SourceRef) =>
  `${s.sourceHost}/api/runs/${encodeURIComponent(s.runid)}/export/info?from=${s.from}`;
export const exportUrl = (s: SourceRef, name: string) =>
  `${s.sourceHost}/api/runs/${encodeURIComponent(s.runid)}/export?name=${encodeURIComponent(name)}`;

export function authHeaders(s: SourceRef): Record<string, string> {
  return s.token ? { authorization: `Bearer ${s.token}` } : {};
}

/**
 * An error answer of the source as an error of ours: 401/403 (token wrong, revoked, expired, not
 * for this run) and other 4xx are permanent, naming the source's own code; 5xx and 429 retry.
 */
export async function sourceError(res: Response, what: string): Promise<Error> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  const code = body?.error?.code;
  const said = `${res.status}${code ? ` ${code}` : ''}${body?.error?.message ? `: ${body.error.message}` : ''}`;
  if (res.status === 401)
    return new PermanentError(
      `The source refused the sync token for ${what} (${said})`,
      'SOURCE_UNAUTHORIZED',
      {
        status: res.status,
        sourceCode: code,
      },
    );
  if (res.status === 404)
    return new PermanentError(`The source has no ${what} (${said})`, 'SOURCE_NOT_FOUND', {
      status: res.status,
      sourceCode: code,
    });
  if (res.status >= 500 || res.status === 429 || res.status === 408)
    return new TransientError(`The source failed on ${what} (${said})`, 'SOURCE_UNAVAILABLE', {
      status: res.status,
    });
  return new PermanentError(`The source refused ${what} (${said})`, 'SOURCE_REFUSED', {
    status: res.status,
    sourceCode: code,
  });
}

export async function fetchExportInfo(
  s: SourceRef,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<ExportInfo> {
  let res: Response;
  try {
    res = await fetch(exportInfoUrl(s), {
      headers: { ...authHeaders(s), accept: 'application/json' },
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (err) {
    signal.throwIfAborted();
    throw new TransientError(
      `The source ${s.sourceHost} did not answer: ${(err as Error).message}`,
      'SOURCE_UNREACHABLE',
    );
  }
  if (!res.ok) throw await sourceError(res, `export info of run ${s.runid}`);
  const parsed = exportInfoSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success)
    throw new PermanentError(`The source's export info is not an Arkive export info`, 'SOURCE_BAD_INFO');
  if (parsed.data.runid !== s.runid)
    throw new PermanentError(
      `The source answered for run ${parsed.data.runid}, not ${s.runid}`,
      'SOURCE_BAD_INFO',
    );
  return parsed.data;
}
