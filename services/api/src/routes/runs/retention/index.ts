import type { RouteDef } from '../../../http/route';
import { applyRunRetentionRoute } from './apply';
import { getRunRetention } from './get';
import { updateRunRetention } from './update';

export const runRetentionRoutes: RouteDef[] = [getRunRetention, updateRunRetention, applyRunRetentionRoute];
