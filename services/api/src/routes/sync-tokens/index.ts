import type { RouteDef } from '../../http/route';
import { createSyncToken } from './create';
import { listSyncTokens } from './list';
import { revokeSyncToken } from './revoke';

export const syncTokenRoutes: RouteDef[] = [createSyncToken, listSyncTokens, revokeSyncToken];
