import type { RouteDef } from '../../http/route';
import { listFolders } from '../folders/list';
import { getQueue } from '../queue/get';
import { systemStatus } from '../system/status';
import { cancelJob } from './cancel';
import { createJob } from './create';
import { deleteCompletedJobs } from './delete-completed';
import { getJob } from './get';
import { listJobs } from './list';
import { jobLogs } from './logs';
import { retryJob } from './retry';

/** Cold-storage folder archiving: folders, jobs, queue, system status. `/api/jobs/completed` precedes `/api/jobs/:id`. */
export const folderJobRoutes: RouteDef[] = [
  listFolders,
  createJob,
  listJobs,
  deleteCompletedJobs,
  getJob,
  cancelJob,
  retryJob,
  jobLogs,
  getQueue,
  systemStatus,
];
