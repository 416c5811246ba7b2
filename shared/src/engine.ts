/**
 * `@arkive/shared/engine`: what the CLI needs without loading Redis or PostgreSQL clients, so it
 * starts fast and works with no server: the archive engine, the error model, run lock files.
 */
export * from './archive';
export { AppError, CancelledError, ConflictError, errorCode, errorMessage } from './errors';
export { findLockFiles } from './runs';
