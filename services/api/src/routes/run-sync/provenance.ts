import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PROVENANCE_FILE, provenanceSchema } from '@arkive/shared/contracts';
import { defineRoute } from '../../http/route';
import { requireRun, runParams } from '../runs/archives/common';

/** The run's .provenance.json (written by run sync), or `provenance: null` for a run made here. */
export const getRunProvenance = defineRoute({
  method: 'get',
  path: '/api/runs/:runid/provenance',
  summary: 'Where an imported run came from (its .provenance.json); null for runs that were not imported',
  tags: ['run-sync'],
  access: { kind: 'run', role: 'viewer' },
  params: runParams,
  response: z.object({ runid: z.string(), provenance: provenanceSchema.nullable() }),
  async handler({ deps, params }) {
    const runDir = await requireRun(deps, params.runid);
    const raw = await fs.readFile(path.join(runDir, PROVENANCE_FILE), 'utf8').catch(() => null);
    if (raw === null) return { runid: params.runid, provenance: null };
    const parsed = (() => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return null;
      }
    })();
    const p = provenanceSchema.safeParse(parsed);
    return { runid: params.runid, provenance: p.success ? p.data : null };
  },
});
