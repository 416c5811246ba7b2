/**
 * One error model. Every failure a person may see is an AppError with a stable code and
 * an HTTP status; `retryable` tells workers whether trying again can help.
 */
export class AppError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly status = 500,
    public readonly details?: unknown,
    public readonly retryable = false,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super('VALIDATION_FAILED', message, 400, details);
  }
}
export class NotFoundError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 404);
  }
}
export class ConflictError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, 409, details);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required', code = 'UNAUTHENTICATED') {
    super(code, message, 401);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this', code = 'FORBIDDEN') {
    super(code, message, 403);
  }
}
/** A failure that may go away by itself (network blip, 5xx, timeout): retried with backoff. */
export class TransientError extends AppError {
  constructor(message: string, code = 'TRANSIENT', details?: unknown) {
    super(code, message, 503, details, true);
  }
}
/** A failure that will not go away by retrying (not found, permission denied, bad archive). */
export class PermanentError extends AppError {
  constructor(message: string, code = 'PERMANENT', details?: unknown) {
    super(code, message, 422, details, false);
  }
}
/** Thrown inside a job when its Operation was cancelled. */
export class CancelledError extends AppError {
  constructor(message = 'Cancelled by request') {
    super('CANCELLED', message, 409);
  }
}
/** Thrown inside a job when the worker is shutting down and releases it for another worker. */
export class ShutdownError extends AppError {
  constructor() {
    super(
      'WORKER_SHUTDOWN',
      'Worker is shutting down; the job will be picked up again',
      503,
      undefined,
      true,
    );
  }
}

/**
 * The one classification of error codes: network failures (retried, and counted separately by
 * policies such as the cold-storage PRD's MAX_CONNECTION_ERROR_RETRIES), other transient ones, and
 * permanent ones that retrying cannot fix.
 */
const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ECONNABORTED',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'STORAGE_UNAVAILABLE',
]);
const TRANSIENT_CODES = new Set([...CONNECTION_CODES, 'EBUSY', 'EMFILE', 'ENFILE']);
const PERMANENT_CODES = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'ENOTDIR',
  'EISDIR',
  'EROFS',
  'EEXIST',
  'ENAMETOOLONG',
  'ELOOP',
]);
const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ThrottlingException',
  'SlowDown',
  'AbortError',
]);

export type ErrorClass = 'transient' | 'permanent';

/** Decide whether retrying can help. Unknown errors are treated as transient (bounded by the job's attempts). */
export function classifyError(err: unknown): ErrorClass {
  if (err instanceof AppError) return err.retryable ? 'transient' : 'permanent';
  if (typeof err !== 'object' || err === null) return 'transient';
  const e = err as {
    code?: unknown;
    name?: unknown;
    $metadata?: { httpStatusCode?: number };
    statusCode?: number;
    cause?: unknown;
  };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && TRANSIENT_CODES.has(code)) return 'transient';
  if (code && PERMANENT_CODES.has(code)) return 'permanent';
  const http = e.$metadata?.httpStatusCode ?? e.statusCode;
  if (typeof http === 'number') {
    if (http >= 500 || http === 429 || http === 408) return 'transient';
    if (http >= 400) return 'permanent';
  }
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return 'transient';
  if (e.cause) return classifyError(e.cause);
  return 'transient';
}

/** A one-line, human message for an unknown thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

export function errorCode(err: unknown): string {
  if (err instanceof AppError) return err.code;
  if (typeof err === 'object' && err && typeof (err as { code?: unknown }).code === 'string')
    return (err as { code: string }).code;
  return 'INTERNAL';
}

/** A network/connection failure, here or in its cause chain. */
export function isConnectionError(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 5) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  return isConnectionError((err as { cause?: unknown }).cause, depth + 1);
}
