import { CancelledError } from '../errors';
import type { WorkerEnv } from './env';

/** Heartbeat (every OPERATION_HEARTBEAT_SECONDS) and cancellation poll (at least every second). */
export function startWatchers(
  env: WorkerEnv,
  id: string,
  ctrl: AbortController,
  isCommitted: () => boolean,
): () => void {
  const heartbeat = setInterval(() => {
    void env.prisma.operation
      .update({ where: { id }, data: { heartbeatAt: new Date() } })
      .catch(() => undefined);
  }, env.config.heartbeatSeconds * 1000);
  const cancelPoll = setInterval(() => {
    void env.prisma.operation
      .findUnique({ where: { id }, select: { cancelRequestedAt: true } })
      .then((row) => {
        if (row?.cancelRequestedAt && !ctrl.signal.aborted && !isCommitted())
          ctrl.abort(new CancelledError());
      })
      .catch(() => undefined);
  }, env.cancelPollMs);
  return () => {
    clearInterval(heartbeat);
    clearInterval(cancelPoll);
  };
}
