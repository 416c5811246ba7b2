/** The shapes of GET /api/hosts and GET /api/hosts/:id the host admin page reads. */
export interface Host {
  id: string;
  name: string;
  region: string;
  status: 'online' | 'offline' | 'draining' | 'off';
  runs_root: string | null;
  free_bytes: number | null;
  total_bytes: number | null;
  version: string | null;
  last_heartbeat_at: string;
  started_at: string;
  runs: number;
}

export interface HostRun {
  runid: string;
  last_backup_at: string | null;
  last_edited_at: string | null;
  stale: boolean;
  size_bytes: number | null;
  backups: number;
}

export interface PendingTransfer {
  operation_id: string;
  kind: string;
  status: string;
  runid: string;
  stage: string | null;
  percent: number;
  message: string | null;
}

export interface TurnOff {
  operation_id: string;
  status: string;
  stage: string | null;
  percent: number;
  message: string | null;
  error: string | null;
  channel: string;
  finished_at: string | null;
  runs_total: number;
  runs_done: number;
  bytes: number;
  runs: { runid: string; status: string; percent: number; bytes: number | null; error: string | null }[];
}

export interface HostDetail extends Host {
  run_list: HostRun[];
  stale_runs: number;
  pending_transfers: PendingTransfer[];
  turn_off: TurnOff | null;
}
