import { z } from 'zod';

/** `GET /api/runs/:runid/migration`: the run's version, its traits and the last migration. */
export const runMigrationStatusSchema = z.object({
  runid: z.string(),
  version: z.number(),
  current_version: z.number(),
  needs_migration: z.boolean(),
  traits: z.array(
    z.object({
      id: z.string(),
      description: z.string(),
      detected: z.boolean(),
      details: z.record(z.string(), z.unknown()),
      blockers: z.array(z.string()),
    }),
  ),
  planned: z.array(z.string()),
  last: z
    .object({
      status: z.string().nullable(),
      at: z.string(),
      archive_before: z.string().nullable(),
      archive_after: z.string().nullable(),
      message: z.string().nullable(),
      operation_id: z.string().nullable(),
      is_fixture: z.boolean(),
    })
    .nullable(),
  /** The run's queued or running migration operation, if any. */
  active: z.object({ id: z.string(), kind: z.string(), status: z.string(), channel: z.string() }).nullable(),
  channel: z.string(),
});
export type RunMigrationStatus = z.infer<typeof runMigrationStatusSchema>;

/** One run of `GET /api/migrations/scan`. */
export const scannedRunSchema = z.object({
  runid: z.string(),
  version: z.number(),
  traits: z.array(z.string()),
  needsMigration: z.boolean(),
  blockers: z.array(z.string()),
  error: z.string().optional(),
  last_status: z.string().nullable(),
  is_fixture: z.boolean(),
});
export const migrationScanSchema = z.object({
  scannedAt: z.string(),
  cached: z.boolean(),
  current_version: z.number(),
  runs: z.array(scannedRunSchema),
});
export type MigrationScan = z.infer<typeof migrationScanSchema>;
