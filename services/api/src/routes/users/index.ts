import type { RouteDef } from '../../http/route';
import { createUser } from './create';
import { deleteUser } from './delete';
import { listUsers } from './list';
import { updateUser } from './update';

export const userRoutes: RouteDef[] = [listUsers, createUser, updateUser, deleteUser];
