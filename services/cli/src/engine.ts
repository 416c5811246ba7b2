/**
 * The archive engine. Commands load it in their action (`await import('../engine')`), not at
 * start-up, so a command that does not need it (backup, backups, sync, --help) starts without it;
 * types may be imported from here freely (they are erased).
 */
export * from '@arkive/shared/engine';
