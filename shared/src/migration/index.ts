/**
 * `@arkive/shared/migration`: run versions (`nodb.version`), the trait registry and the fleet scan.
 * No Redis or PostgreSQL: the migration worker, the API and the CLI all load it.
 */
export * from './files';
export * from './run-files';
export * from './version';
export * from './traits/types';
export { orderTraits, TRAITS } from './traits/registry';
export { legacyRunPaths, relativeRunPath } from './traits/legacy-run-paths';
export { wbtGeojsonIds } from './traits/wbt-geojson-ids';
export { landuseParquetIds } from './traits/landuse-parquet-ids';
export * from './inspect';
export * from './fixtures';
export * from './scan';
