/** The public Operation shape (GET /api/operations, /api/operations/:id). */
export interface Operation {
  id: string;
  kind: string;
  queue: string;
  scopeType: string;
  scopeId: string;
  status: string;
  stage?: string | null;
  progressPercent: number;
  currentOperation?: string | null;
  input?: Record<string, unknown>;
  result?: unknown;
  error?: string | null;
  errorCode?: string | null;
  attempt: number;
  maxAttempts: number;
  createdBy?: string | null;
  createdAt: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  channel?: string;
}

const STEPS: Record<string, string[]> = {
  folder: ['copying', 'compressing', 'verifying'],
  upload: ['uploading', 'upload_verifying', 'deleting_source'],
};
const LABELS: Record<string, string> = {
  copying: 'Copying',
  compressing: 'Compressing',
  verifying: 'Verifying',
  uploading: 'Uploading',
  upload_verifying: 'Verifying upload',
  deleting_source: 'Deleting source',
};
/** Stages whose tools may give no real progress, with the percent they start at (PRD §6.7). */
const INDETERMINATE: Record<string, number> = {
  compressing: 33,
  verifying: 66,
  upload_verifying: 75,
  deleting_source: 90,
};

export function stageLabel(stage?: string | null): string {
  if (!stage) return 'Working';
  return LABELS[stage] ?? stage.charAt(0).toUpperCase() + stage.slice(1).replace(/_/g, ' ');
}

/** "Step 2/3: Compressing…" for staged kinds, else the stage name. */
export function stepIndicator(op: Pick<Operation, 'stage' | 'status'>): string {
  if (op.status === 'queued') return 'Waiting in queue…';
  const stage = op.stage ?? '';
  for (const steps of Object.values(STEPS)) {
    const i = steps.indexOf(stage);
    if (i >= 0) return `Step ${i + 1}/${steps.length}: ${stageLabel(stage)}…`;
  }
  return `${stageLabel(stage)}…`;
}

/** A pulsing bar while such a stage has not reported any progress of its own yet. */
export function isIndeterminate(op: Pick<Operation, 'stage' | 'status' | 'progressPercent'>): boolean {
  const start = INDETERMINATE[op.stage ?? ''];
  return op.status === 'running' && start !== undefined && Math.round(op.progressPercent) <= start;
}

export function operationTitle(op: Pick<Operation, 'kind' | 'scopeId' | 'input'>): string {
  const input = op.input ?? {};
  const folder = (input.folder ??
    input.folder_name ??
    input.folderName ??
    input.folder_path ??
    input.folderPath) as string | undefined;
  const name = folder ? String(folder).split('/').filter(Boolean).pop() : op.scopeId;
  return `${name} — ${op.kind}`;
}

export function operationLink(op: Pick<Operation, 'id' | 'scopeType'>): string {
  return op.scopeType === 'folder' ? `/jobs/${op.id}` : `/operations/${op.id}`;
}
