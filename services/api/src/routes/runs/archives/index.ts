import type { RouteDef } from '../../../http/route';
import { createRunArchive } from './create';
import { deleteRunArchive } from './delete';
import { downloadRunArchive } from './download';
import { listRunArchives } from './list';
import { restoreRunArchive } from './restore';

/** Run archives: list, snapshot, restore, download, delete. */
export const runArchiveRoutes: RouteDef[] = [
  listRunArchives,
  createRunArchive,
  restoreRunArchive,
  downloadRunArchive,
  deleteRunArchive,
];
