import type { RouteDef } from '../http/route';

const ROLES = new Set(['viewer', 'collaborator', 'owner']);

/**
 * Start-up check of a route table: every route declares a known access rule, `run` routes name
 * `:runid`, `operation` routes name `:id`, and no method+path is declared twice. Returns the problems.
 */
export function accessProblems(routes: RouteDef[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const r of routes) {
    const name = `${r.method.toUpperCase()} ${r.path}`;
    if (seen.has(name)) problems.push(`${name}: declared twice`);
    seen.add(name);
    const a = r.access as RouteDef['access'] | undefined;
    if (!a || typeof a !== 'object') {
      problems.push(`${name}: no access rule`);
      continue;
    }
    switch (a.kind) {
      case 'public':
      case 'user':
      case 'admin':
      case 'cron':
        break;
      case 'role':
        if (a.role !== 'operator') problems.push(`${name}: role access needs role operator`);
        break;
      case 'run':
        if (!ROLES.has(a.role)) problems.push(`${name}: run access needs role viewer|collaborator|owner`);
        if (!r.path.includes(':runid')) problems.push(`${name}: run access needs a :runid path parameter`);
        break;
      case 'operation':
        if (a.action !== 'read' && a.action !== 'write')
          problems.push(`${name}: operation access needs action read|write`);
        if (!r.path.includes(':id')) problems.push(`${name}: operation access needs an :id path parameter`);
        break;
      default:
        problems.push(`${name}: unknown access kind ${JSON.stringify((a as { kind?: unknown }).kind)}`);
    }
  }
  return problems;
}

export function assertAccessRules(routes: RouteDef[]): void {
  const problems = accessProblems(routes);
  if (problems.length)
    throw new Error(`Route table access rules are incomplete:\n  - ${problems.join('\n  - ')}`);
}
