import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { AppError, isRedisUnavailable, RedisUnavailableError, type Logger } from '@arkive/shared';

/**
 * One error model: AppError → its status and code; zod → 400 with the issues; a request the
 * framework could not read (malformed JSON, bad encoding, …) → its 4xx with a code; anything else
 * → 500 with a generic message and the request id (full error in the log).
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (raw: unknown, req, res, _next) => {
    const requestId = req.requestId;
    const err = isRedisUnavailable(raw) ? new RedisUnavailableError((raw as Error).message) : raw;
    if (err instanceof AppError) {
      if (err.status >= 500) logger.error({ err, requestId }, err.message);
      const retryAfter = (err.details as { retryAfter?: unknown } | undefined)?.retryAfter;
      if ((err.status === 429 || err.status === 503) && typeof retryAfter === 'number')
        res.setHeader('Retry-After', String(Math.ceil(retryAfter)));
      res.status(err.status).json({
        error: {
          code: err.code,
          message: err.message,
          ...(err.details !== undefined ? { details: err.details } : {}),
        },
      });
      return;
    }
    if (err instanceof ZodError) {
      const details = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      const message = `Invalid request: ${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')}`;
      res.status(400).json({ error: { code: 'VALIDATION_FAILED', message, details } });
      return;
    }
    const client = clientError(err);
    if (client) {
      res.status(client.status).json({ error: { code: client.code, message: client.message } });
      return;
    }
    logger.error({ err, requestId }, 'unhandled error');
    res
      .status(500)
      .json({ error: { code: 'INTERNAL', message: `Internal error; reference ${requestId ?? 'n/a'}` } });
  };
}

/** Codes for the 4xx errors that body-parser and the router raise (http-errors, with a `type`). */
const CLIENT_ERRORS: Record<string, { code: string; message: string }> = {
  'entity.parse.failed': { code: 'MALFORMED_JSON', message: 'The request body is not valid JSON' },
  'entity.too.large': { code: 'BODY_TOO_LARGE', message: 'The request body is too large' },
  'charset.unsupported': {
    code: 'UNSUPPORTED_CHARSET',
    message: 'The request body must be UTF-8 (charset=utf-8 or none)',
  },
  'encoding.unsupported': {
    code: 'UNSUPPORTED_ENCODING',
    message: 'Unsupported Content-Encoding',
  },
  'request.aborted': { code: 'REQUEST_ABORTED', message: 'The request body ended early' },
  'request.size.invalid': {
    code: 'BODY_LENGTH_MISMATCH',
    message: 'The request body does not match its Content-Length',
  },
};

/**
 * An error the framework raised because of the request itself (http-errors with a 4xx status:
 * a body that does not decompress, an unsupported charset, a path parameter Express cannot
 * decode, …): its status and a stable code, never a 500.
 */
function clientError(err: unknown): { status: number; code: string; message: string } | undefined {
  const e = err as { type?: string; status?: number; statusCode?: number; expose?: boolean } | null;
  const status = e?.status ?? e?.statusCode;
  if (!e || typeof status !== 'number' || status < 400 || status > 499) return undefined;
  const known = e.type ? CLIENT_ERRORS[e.type] : undefined;
  if (known) return { status, ...known };
  if (err instanceof URIError)
    return {
      status: 400,
      code: 'BAD_PATH_ENCODING',
      message: 'The request path is not valid percent-encoding',
    };
  return {
    status,
    code: status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST',
    message: 'The request could not be read (malformed body or encoding)',
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'ROUTE_NOT_FOUND', message: `No route ${req.method} ${req.path}` } });
};
