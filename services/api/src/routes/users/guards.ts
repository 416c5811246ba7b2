import { ConflictError, NotFoundError, type PrismaClient, type User } from '@arkive/shared';
import { z } from 'zod';

// PostgreSQL `integer`: a larger id would fail in the database instead of being a plain 404.
export const userIdParams = z.object({ id: z.coerce.number().int().positive().max(2147483647) });

export async function findUserOr404(prisma: Pick<PrismaClient, 'user'>, id: number): Promise<User> {
  const row = await prisma.user.findUnique({ where: { id } });
  if (!row) throw new NotFoundError('USER_NOT_FOUND', `User ${id} not found`);
  return row;
}

/** Refuses when removing admin rights from `target` would leave no administrator. */
export async function assertNotLastAdmin(prisma: Pick<PrismaClient, 'user'>, target: User): Promise<void> {
  if (!target.isAdmin) return;
  const others = await prisma.user.count({ where: { isAdmin: true, id: { not: target.id } } });
  if (others === 0)
    throw new ConflictError(
      'LAST_ADMIN',
      `${target.username} is the last administrator; make someone else an administrator first`,
    );
}
