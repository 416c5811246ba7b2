import type { RequestHandler } from 'express';
import { AppError } from '@arkive/shared';

/**
 * Bad input is refused once, at the edge, before any route sees it (so no route can forget):
 * a path that is not valid percent-encoded UTF-8 (Express would throw while decoding a
 * parameter), text that PostgreSQL cannot store (NUL) or that is not Unicode at all (a lone
 * surrogate from a JSON `\ud800` escape), and bodies nested deeper than any of our schemas.
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
export const MAX_BODY_DEPTH = 32;

/** What is wrong with a piece of text, if anything. */
export function textProblem(s: string): 'a NUL character' | 'a lone surrogate (not Unicode)' | undefined {
  if (s.includes('\0')) return 'a NUL character';
  if (LONE_SURROGATE.test(s)) return 'a lone surrogate (not Unicode)';
  return undefined;
}

/** A field name built from the caller's own keys, cut short before it goes into an answer. */
const shown = (field: string) => (field.length > 100 ? `${field.slice(0, 100)}…` : field);

export class BadTextError extends AppError {
  constructor(field: string, problem: string) {
    super('INVALID_TEXT', `${shown(field)} contains ${problem}`, 400, { field: shown(field) });
  }
}

/** 400 BAD_PATH_ENCODING for a path that does not percent-decode to UTF-8; 400 INVALID_TEXT for NUL in it. */
export const pathGuard: RequestHandler = (req, _res, next) => {
  const segments = req.path.split('/');
  for (const segment of segments) {
    if (!segment.includes('%')) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      next(
        new AppError(
          'BAD_PATH_ENCODING',
          'The request path is not valid percent-encoded UTF-8 (e.g. a stray % or an invalid byte sequence)',
          400,
        ),
      );
      return;
    }
    const problem = textProblem(decoded);
    if (problem) {
      next(new BadTextError('The request path', problem));
      return;
    }
  }
  next();
};

/**
 * The first problem in a parsed JSON value or query object: a key or string with NUL or a lone
 * surrogate, or nesting beyond `maxDepth`. Iterative, so a deeply nested body cannot exhaust the stack.
 */
export function findBadInput(
  value: unknown,
  root: string,
  maxDepth = MAX_BODY_DEPTH,
): { field: string; problem: string; code: 'INVALID_TEXT' | 'BODY_TOO_DEEP' } | undefined {
  const stack: [unknown, string, number][] = [[value, root, 0]];
  while (stack.length > 0) {
    const [v, field, depth] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) return { field, problem, code: 'INVALID_TEXT' };
      continue;
    }
    if (!v || typeof v !== 'object') continue;
    if (depth >= maxDepth)
      return { field, problem: `nesting deeper than ${maxDepth} levels`, code: 'BODY_TOO_DEEP' };
    for (const [k, child] of Object.entries(v)) {
      const keyProblem = textProblem(k);
      if (keyProblem) return { field: `a key in ${field}`, problem: keyProblem, code: 'INVALID_TEXT' };
      stack.push([child, Array.isArray(v) ? `${field}[${k}]` : `${field}.${k}`, depth + 1]);
    }
  }
  return undefined;
}

/** 400 INVALID_TEXT / BODY_TOO_DEEP for a bad query or (parsed) body; runs after the body parser. */
export const textGuard: RequestHandler = (req, _res, next) => {
  const bad = findBadInput(req.query, 'query') ?? findBadInput(req.body, 'body');
  if (!bad) return next();
  next(
    bad.code === 'INVALID_TEXT'
      ? new BadTextError(bad.field, bad.problem)
      : new AppError('BODY_TOO_DEEP', `${shown(bad.field)}: ${bad.problem}`, 400, {
          field: shown(bad.field),
        }),
  );
};
