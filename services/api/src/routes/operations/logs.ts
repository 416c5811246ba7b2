import { z } from 'zod';
import { getOperation } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { operationIdParams } from './schemas';

const query = z.object({
  limit: z.coerce.number().int().min(1).max(100000).default(1000),
  offset: z.coerce.number().int().min(0).default(0),
  level: z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR']).optional(),
  format: z.enum(['json', 'txt']).default('json'),
});
const logSchema = z.object({ id: z.number(), ts: z.string(), level: z.string(), message: z.string() });

export const operationLogs = defineRoute({
  method: 'get',
  path: '/api/operations/:id/logs',
  summary: 'Log lines of an operation, oldest first (format=txt downloads them as a text file)',
  tags: ['operations'],
  access: { kind: 'operation', action: 'read' },
  params: operationIdParams,
  query,
  response: z.object({ items: z.array(logSchema), total: z.number(), limit: z.number(), offset: z.number() }),
  async handler({ deps, params, query: q, res }) {
    const op = await getOperation(deps.prisma, params.id);
    const where = { operationId: op.id, ...(q.level ? { level: q.level } : {}) };
    const [rows, total] = await Promise.all([
      deps.prisma.operationLog.findMany({ where, orderBy: { id: 'asc' }, take: q.limit, skip: q.offset }),
      deps.prisma.operationLog.count({ where }),
    ]);
    if (q.format === 'txt') {
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="operation-${op.id}.log.txt"`);
      res.send(rows.map((r) => `${r.ts.toISOString()} ${r.level.padEnd(7)} ${r.message}`).join('\n') + '\n');
      return;
    }
    return {
      items: rows.map((r) => ({
        id: Number(r.id),
        ts: r.ts.toISOString(),
        level: r.level,
        message: r.message,
      })),
      total,
      limit: q.limit,
      offset: q.offset,
    };
  },
});
