import type { ProcessorRegistration } from '@arkive/shared';
import { orderTraits, TRAITS, type Trait } from '@arkive/shared/migration';
import { dryRunProcessor } from './dry-run/processor';
import { migrateProcessor } from './migrate/processor';
import { migrationSnapshotProcessor } from './snapshot/processor';
import { validateProcessor } from './validate/processor';

/**
 * The processors of queue `migration`, over a trait registry (default: every trait). The registry
 * is ordered first: an unknown dependency or a cycle throws, so the service refuses to start.
 */
export function migrationProcessors(traits: readonly Trait[] = TRAITS): ProcessorRegistration[] {
  const ordered = orderTraits(traits);
  return [
    validateProcessor(ordered),
    dryRunProcessor(ordered),
    migrateProcessor(ordered),
    migrationSnapshotProcessor,
  ];
}
