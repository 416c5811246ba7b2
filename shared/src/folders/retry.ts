import type { Config } from '../config';
import { classifyError, errorCode, errorMessage, isConnectionError, PermanentError } from '../errors';

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
