import type { Config } from '@arkive/shared';
import { FolderScanCache } from './scan';

const caches = new WeakMap<Config, FolderScanCache>();

/** One scan cache per API process (per Config object: tests get their own). */
export function folderScanCache(config: Config): FolderScanCache {
  let c = caches.get(config);
  if (!c) {
    c = new FolderScanCache(
      config.sourceRoot,
      config.folders.markerTemplate,
      config.folders.scanCacheSeconds,
    );
    caches.set(config, c);
  }
  return c;
}
