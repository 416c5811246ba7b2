/**
 * The archive engine and error helpers, imported by subpath so the CLI starts fast and works
 * without Redis/Postgres clients being loaded.
 */
export * from '@arkive/shared/dist/archive';
export { AppError, CancelledError, errorCode, errorMessage } from '@arkive/shared/dist/errors';
