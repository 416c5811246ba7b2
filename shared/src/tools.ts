import fs from 'node:fs';
import path from 'node:path';
import { AppError } from './errors';
import TOOLS from './tools.json';

/**
 * The external programs features drive through execa (7z for cold storage, restic for backups),
 * looked up on PATH when a feature needs them, so a missing one is a clear 503 naming the install
 * command instead of a job that fails later. tools.json is also read by `npm test`'s preflight.
 */
export interface ToolInfo {
  tool: string;
  /** Debian package that provides it. */
  package: string;
  /** The feature that needs it at run time (tools without one are only used by tests). */
  feature?: string;
  /** A fixed location instead of a PATH lookup, overridable by the env var `pathEnv`. */
  path?: string;
  pathEnv?: string;
}

export const TOOL_INFO: readonly ToolInfo[] = TOOLS;

export type FeatureTool = '7z' | 'restic';

function info(tool: string): ToolInfo {
  const t = TOOL_INFO.find((x) => x.tool === tool);
  if (!t) throw new Error(`unknown tool ${tool}`);
  return t;
}

export class ToolMissingError extends AppError {
  constructor(public readonly tool: string) {
    const t = info(tool);
    super('TOOL_MISSING', toolMissingMessage(t), 503, { tool, package: t.package });
  }
}

/** "7z is not installed (needed for cold-storage archiving): apt-get install -y p7zip-full" */
export function toolMissingMessage(t: ToolInfo): string {
  const why = t.feature ? ` (needed for ${t.feature})` : '';
  return `${t.tool} is not installed${why}: apt-get install -y ${t.package}`;
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of `tool` (on env.PATH, or its fixed location), or null when it is not installed. */
export function findTool(tool: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const t = info(tool);
  const fixed = t.path && ((t.pathEnv && env[t.pathEnv]) || t.path);
  if (fixed) return isExecutableFile(fixed) ? fixed : null;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutableFile(path.join(dir, tool))) return path.join(dir, tool);
  }
  return null;
}

/** Like findTool, but throws ToolMissingError (503 TOOL_MISSING, permanent in a worker). */
export function requireTool(tool: FeatureTool, env: NodeJS.ProcessEnv = process.env): string {
  const found = findTool(tool, env);
  if (!found) throw new ToolMissingError(tool);
  return found;
}

/** The start-up warning for every feature whose tool is missing (empty when all are there). */
export function missingFeatureTools(env: NodeJS.ProcessEnv = process.env): string[] {
  return TOOL_INFO.filter((t) => t.feature && !findTool(t.tool, env)).map(toolMissingMessage);
}
