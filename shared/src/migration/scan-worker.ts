import { parentPort, workerData } from 'node:worker_threads';
import { scanRunsHere, type ScanWorkerData } from './scan';

/** A fleet-scan worker: scans each batch of run names it is sent (sync reads), null ends it. */
const { root, currentVersion } = workerData as ScanWorkerData;
parentPort!.on('message', (names: string[] | null) => {
  if (names === null) return parentPort!.close();
  void scanRunsHere(root, names, currentVersion, 'sync').then((r) => parentPort!.postMessage(r));
});
