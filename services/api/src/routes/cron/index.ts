import type { RouteDef } from '../../http/route';
import { cronTick } from './tick';

export const cronRoutes: RouteDef[] = [cronTick];
