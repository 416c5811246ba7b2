import { landuseParquetIds } from './landuse-parquet-ids';
import { legacyRunPaths } from './legacy-run-paths';
import type { Trait } from './types';
import { wbtGeojsonIds } from './wbt-geojson-ids';

/**
 * The traits in dependency order (a topological sort, stable by the given order). An unknown
 * dependency, a duplicate id or a cycle throws: a service with such a registry refuses to start.
 */
export function orderTraits(traits: readonly Trait[]): Trait[] {
  const byId = new Map<string, Trait>();
  for (const t of traits) {
    if (byId.has(t.id)) throw new Error(`Trait ${t.id} is declared twice`);
    byId.set(t.id, t);
  }
  for (const t of traits)
    for (const d of t.dependsOn)
      if (!byId.has(d)) throw new Error(`Trait ${t.id} depends on unknown trait ${d}`);
  const out: Trait[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: Trait, trail: string[]) => {
    const s = state.get(t.id);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`Trait dependency cycle: ${[...trail, t.id].join(' → ')}`);
    state.set(t.id, 'visiting');
    for (const d of t.dependsOn) visit(byId.get(d)!, [...trail, t.id]);
    state.set(t.id, 'done');
    out.push(t);
  };
  for (const t of traits) visit(t, []);
  return out;
}

/** Every trait Arkive knows, in the order they run. Adding a trait: one file beside this one, listed here. */
export const TRAITS: readonly Trait[] = orderTraits([legacyRunPaths, wbtGeojsonIds, landuseParquetIds]);
