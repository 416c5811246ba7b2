import fs from 'node:fs/promises';
import type { Config } from '../config';

export interface DiskSpace {
  totalBytes: number;
  freeBytes: number;
  usedBytes: number;
}

/** Space on the filesystem holding `dir` (created if missing); `freeBytes` is what an unprivileged writer may use. */
export async function diskSpace(dir: string): Promise<DiskSpace> {
  await fs.mkdir(dir, { recursive: true });
  const s = await fs.statfs(dir);
  const totalBytes = s.blocks * s.bsize;
  const freeBytes = s.bavail * s.bsize;
  return { totalBytes, freeBytes, usedBytes: totalBytes - s.bfree * s.bsize };
}

const GB = 1024 ** 3;

/** PRD §4.1, counting copy + archive: max(folder × (1 + ratio), MIN_FREE_SPACE_GB). */
export function requiredSpaceBytes(folderSizeBytes: number, config: Pick<Config, 'folders'>): number {
  const { compressionSizeEstimateRatio: ratio, minFreeSpaceGb } = config.folders;
  return Math.max(Math.ceil(folderSizeBytes * (1 + ratio)), minFreeSpaceGb * GB);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)} ${units[i]}`;
}
