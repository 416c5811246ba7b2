import type { RouteDef } from '../../http/route';
import { flagMigrationFixture } from './fixture';
import { scanMigrations } from './scan';
import { startRunMigration } from './start';
import { getRunMigration } from './status';

/** Run migrations (issue 16): a run's status, validate / dry-run / migrate, the fleet scan, fixtures. */
export const migrationRoutes: RouteDef[] = [
  getRunMigration,
  startRunMigration,
  scanMigrations,
  flagMigrationFixture,
];
