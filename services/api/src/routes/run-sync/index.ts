import type { RouteDef } from '../../http/route';
import { importRun } from './create';
import { listRunSyncs } from './list';
import { getRunProvenance } from './provenance';
import { pushRun } from './push';

export const runSyncRoutes: RouteDef[] = [importRun, listRunSyncs, pushRun, getRunProvenance];
