import { kindSpec, overallPercent, stageIndex, type OperationView } from '@arkive/shared/contracts';

/** The public Operation shape (GET /api/operations, /api/operations/:id), from the API's contract. */
export type Operation = OperationView;

/** The label a kind declares for a stage, else the stage name made readable. */
export function stageLabel(stage?: string | null, kind?: string): string {
  if (!stage) return 'Working';
  const declared = kind ? kindSpec(kind)?.stages.find((s) => s.name === stage)?.label : undefined;
  return declared ?? stage.charAt(0).toUpperCase() + stage.slice(1).replace(/[_-]/g, ' ');
}

/** "Step 2 of 6: Compressing (7z)" from the kind's declared stages, else the stage name. */
export function stepIndicator(op: Pick<Operation, 'stage' | 'status' | 'kind'>): string {
  const spec = kindSpec(op.kind);
  const i = spec ? stageIndex(spec, op.stage) : -1;
  if (op.status === 'queued')
    return i > 0 ? `Waiting for: ${stageLabel(op.stage, op.kind)}` : 'Waiting in queue…';
  if (spec && i >= 0) return `Step ${i + 1} of ${spec.stages.length}: ${stageLabel(op.stage, op.kind)}…`;
  return `${stageLabel(op.stage, op.kind)}…`;
}

/** Stages whose tools may give no progress of their own: a pulsing bar until they report some. */
const INDETERMINATE = new Set(['compressing', 'verifying', 'upload_verifying', 'deleting_source']);

export function isIndeterminate(
  op: Pick<Operation, 'stage' | 'status' | 'progressPercent' | 'kind'>,
): boolean {
  const spec = kindSpec(op.kind);
  if (op.status !== 'running' || !spec || !op.stage || !INDETERMINATE.has(op.stage)) return false;
  const start = overallPercent(spec, op.stage, 0);
  return start !== undefined && op.progressPercent <= start + 0.5;
}

export function operationTitle(op: Pick<Operation, 'kind' | 'scopeId' | 'input'>): string {
  const input = (op.input ?? {}) as Record<string, unknown>;
  const folder = typeof input.folder === 'string' ? input.folder : undefined;
  const name = folder ? folder.split('/').filter(Boolean).pop() : op.scopeId;
  return `${name} — ${op.kind}`;
}

export function operationLink(op: Pick<Operation, 'id' | 'scopeType'>): string {
  return op.scopeType === 'folder' ? `/jobs/${op.id}` : `/operations/${op.id}`;
}
