import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Config } from '../config';
import { classifyError, errorCode, errorMessage, PermanentError } from '../errors';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'STORAGE_UNAVAILABLE',
]);

/** A network/connection failure (PRD: up to MAX_CONNECTION_ERROR_RETRIES). */
export function isConnectionError(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 5) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  return isConnectionError((err as { cause?: unknown }).cause, depth + 1);
}

/** How many attempts this error class gets in a stage (PRD §3.3). */
export function attemptLimit(
  err: unknown,
  stage: 'archive' | 'upload',
  config: Pick<Config, 'folders'>,
): number {
  if (isConnectionError(err)) return config.folders.maxConnectionErrorRetries;
  return stage === 'archive' ? config.folders.maxCompressionRetries : config.folders.maxUploadRetries;
}

/**
 * Whether this failure ends the job now: permanent errors at once, transient ones when the attempt
 * reached their class's limit. Returns the error to throw (a PermanentError when final).
 */
export function decideFailure(
  err: unknown,
  attempt: number,
  stage: 'archive' | 'upload',
  config: Pick<Config, 'folders'>,
): { final: boolean; error: unknown } {
  if (classifyError(err) === 'permanent') return { final: true, error: err };
  const limit = attemptLimit(err, stage, config);
  if (attempt >= limit) {
    return {
      final: true,
      error: new PermanentError(
        `${errorMessage(err)} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})`,
        errorCode(err),
      ),
    };
  }
  return { final: false, error: err };
}

export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}
