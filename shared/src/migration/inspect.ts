import { orderTraits } from './traits/registry';
import { TraitError, type Trait, type TraitChange, type TraitLog, type TraitRun } from './traits/types';
import { asyncRunFiles } from './run-files';
import { readRunVersionFrom } from './version';

export interface TraitReport {
  id: string;
  description: string;
  detected: boolean;
  details: Record<string, unknown>;
  blockers: string[];
}

export interface RunInspection {
  version: number;
  current_version: number;
  traits: TraitReport[];
  /** Ids of the detected traits, in the order a migration runs them. */
  planned: string[];
  /** Whether a migration would change anything (a trait detected or the version behind). */
  needsMigration: boolean;
}

const orders = new WeakMap<readonly Trait[], Trait[]>();
/** orderTraits, once per registry (a fleet scan inspects thousands of runs with the same one). */
function ordered(traits: readonly Trait[]): Trait[] {
  let o = orders.get(traits);
  if (!o) orders.set(traits, (o = orderTraits(traits)));
  return o;
}

/**
 * Version and trait detection of one run: cheap and read-only. The version and the traits read
 * through one reader (`run.files`, else a fresh one over node:fs promises), so they share listings.
 */
export async function inspectRun(
  run: TraitRun,
  traits: readonly Trait[],
  currentVersion: number,
): Promise<RunInspection> {
  const files = run.files ?? asyncRunFiles(run.dir);
  const { version } = await readRunVersionFrom(files, currentVersion);
  const reports: TraitReport[] = [];
  for (const t of ordered(traits)) {
    const d = await t.detect({ ...run, files });
    reports.push({
      id: t.id,
      description: t.description,
      detected: d.detected,
      details: d.details,
      blockers: d.blockers,
    });
  }
  const planned = reports.filter((r) => r.detected).map((r) => r.id);
  return {
    version,
    current_version: currentVersion,
    traits: reports,
    planned,
    needsMigration: planned.length > 0 || version < currentVersion,
  };
}

export interface AppliedTrait extends TraitChange {
  id: string;
}

/** Thrown when a trait fails or validation fails: names the trait and the reason. */
export class MigrationStepError extends Error {
  constructor(
    public readonly traitId: string,
    public readonly step: 'migrate' | 'validate',
    reason: string,
  ) {
    super(`${traitId}: ${step === 'validate' ? 'validation failed: ' : ''}${reason}`);
    this.name = 'MigrationStepError';
  }
}

/**
 * Runs the planned traits on `run` in dependency order; throws MigrationStepError naming the trait
 * at the first failure (the caller restores the run). `beforeTrait` lets a worker report progress
 * and stop between traits.
 */
export async function migrateTraits(
  run: TraitRun,
  traits: readonly Trait[],
  planned: readonly string[],
  log: TraitLog,
  beforeTrait?: (t: Trait, i: number, of: number) => Promise<void>,
): Promise<AppliedTrait[]> {
  const todo = orderTraits(traits).filter((x) => planned.includes(x.id));
  const applied: AppliedTrait[] = [];
  for (const [i, t] of todo.entries()) {
    await beforeTrait?.(t, i, todo.length);
    try {
      applied.push({ id: t.id, ...(await t.migrate(run, log)) });
    } catch (err) {
      if (err instanceof TraitError || err instanceof Error)
        throw new MigrationStepError(t.id, 'migrate', err.message);
      throw err;
    }
  }
  return applied;
}

/** Validates every trait (each passes on a run without it); throws MigrationStepError at the first that fails. */
export async function validateTraits(run: TraitRun, traits: readonly Trait[]): Promise<void> {
  for (const t of orderTraits(traits)) {
    let v;
    try {
      v = await t.validate(run);
    } catch (err) {
      throw new MigrationStepError(t.id, 'validate', (err as Error).message);
    }
    if (!v.ok) throw new MigrationStepError(t.id, 'validate', v.problems.slice(0, 5).join('; '));
  }
}
