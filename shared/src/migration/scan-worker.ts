import { parentPort, workerData } from 'node:worker_threads';
import { scanRunsHere } from './scan';

const { root, names, currentVersion } = workerData as {
  root: string;
  names: string[];
  currentVersion: number;
};
void scanRunsHere(root, names, currentVersion).then((r) => parentPort!.postMessage(r));
