import { Command } from 'commander';
import type { GlobalOptions } from './output';

/** The commander program type (commander 5's typings expose it only through the constructor). */
export type Program = InstanceType<typeof Command>;
/** Runs a command body with the global options, turning failures into a one-line message + exit code. */
export type Runner = (fn: (g: GlobalOptions) => Promise<void>) => Promise<void>;
