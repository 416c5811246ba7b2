/** The run a trait works on: its folder and id. */
export interface TraitRun {
  dir: string;
  runid: string;
}

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
