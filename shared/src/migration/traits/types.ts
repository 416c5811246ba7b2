import { asyncRunFiles, type RunFiles } from '../run-files';

/** The run a trait works on: its folder and id. */
export interface TraitRun {
  dir: string;
  runid: string;
  /**
   * The reader `detect` reads through (inspectRun and the fleet scan pass one per inspection so
   * the version and the traits share listings); `migrate` and `validate` read the folder directly.
   */
  files?: RunFiles;
}

/** The reader detect uses: the run's own, else a fresh one over node:fs promises. */
export const detectFiles = (run: TraitRun): RunFiles => run.files ?? asyncRunFiles(run.dir);

export interface TraitDetection {
  detected: boolean;
  /** What was found (files, counts) and so what a migration would change. */
  details: Record<string, unknown>;
  /** Problems a migration would stop at (e.g. an id that is not a number); empty when none. */
  blockers: string[];
}

export interface TraitChange {
  /** Run-relative paths the migration rewrote. */
  filesChanged: string[];
  /** One line for people. */
  summary: string;
}

export interface TraitValidation {
  ok: boolean;
  problems: string[];
}

export type TraitLog = (message: string) => Promise<void> | void;

/**
 * A trait: a legacy property of a run that a migration removes. `detect` is cheap and read-only;
 * `migrate` rewrites what detect found (each file atomically) and throws TraitError when it cannot;
 * `validate` checks the result (true for a run without the trait). Traits run in `dependsOn` order.
 */
export interface Trait {
  id: string;
  description: string;
  dependsOn: readonly string[];
  detect(run: TraitRun): Promise<TraitDetection>;
  migrate(run: TraitRun, log: TraitLog): Promise<TraitChange>;
  validate(run: TraitRun): Promise<TraitValidation>;
}

/** A trait's migration cannot proceed (the message names the file and the value). */
export class TraitError extends Error {
  constructor(
    public readonly traitId: string,
    message: string,
  ) {
    super(message);
    this.name = 'TraitError';
  }
}
