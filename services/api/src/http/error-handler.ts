import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { AppError, isRedisUnavailable, RedisUnavailableError, type Logger } from '@arkive/shared';

/**
 * One error model: AppError → its status and code; zod → 400 with the issues; a malformed JSON
 * body → 400; anything else → 500 with a generic message and the request id (full error in the log).
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (raw: unknown, req, res, _next) => {
    const requestId = req.requestId;
    const err = isRedisUnavailable(raw) ? new RedisUnavailableError((raw as Error).message) : raw;
    if (err instanceof AppError) {
      if (err.status >= 500) logger.error({ err, requestId }, err.message);
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
    const e = err as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.parse.failed') {
      res
        .status(400)
        .json({ error: { code: 'MALFORMED_JSON', message: 'The request body is not valid JSON' } });
      return;
    }
    if (e?.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'BODY_TOO_LARGE', message: 'The request body is too large' } });
      return;
    }
    logger.error({ err, requestId }, 'unhandled error');
    res
      .status(500)
      .json({ error: { code: 'INTERNAL', message: `Internal error; reference ${requestId ?? 'n/a'}` } });
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'ROUTE_NOT_FOUND', message: `No route ${req.method} ${req.path}` } });
};
