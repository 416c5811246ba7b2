/**
 * The archive engine and error helpers, imported by subpath so the CLI starts fast and works
 * without Redis/Postgres clients being loaded.
 */
export * from '@arkive/shared/dist/archive';
export { AppError, CancelledError, ConflictError, errorCode, errorMessage } from '@arkive/shared/dist/errors';
export { findLockFiles } from '@arkive/shared/dist/runs';
