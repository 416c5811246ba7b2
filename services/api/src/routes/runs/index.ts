import type { RouteDef } from '../../http/route';
import { createRun } from './create';
import { getRun } from './get';
import { listRuns } from './list';
import { createRunLink, listRunLinks, revokeRunLink } from './links';
import { addMember, listMembers, removeMember } from './members';
import { deleteRun, runDeletionPlan } from './delete';
import { moveRun } from './move';

export const runRoutes: RouteDef[] = [
  listRuns,
  createRun,
  getRun,
  listMembers,
  addMember,
  removeMember,
  createRunLink,
  listRunLinks,
  revokeRunLink,
  runDeletionPlan,
  deleteRun,
  moveRun,
];
