import type { RouteDef } from '../../../http/route';
import { runExport } from './download';
import { runExportInfo } from './info';

export const runExportRoutes: RouteDef[] = [runExportInfo, runExport];
