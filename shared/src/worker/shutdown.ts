import type { Logger } from '../logger';
import type { BaseWorker } from './base-worker';

/** Runs a service's workers until SIGTERM/SIGINT, then shuts them down gracefully. */
export function runUntilSignalled(workers: BaseWorker[], cleanup: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void Promise.all(workers.map((w) => w.close()))
      .then(cleanup)
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
