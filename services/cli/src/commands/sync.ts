import { stderrBar } from '../bar';
import type { Program, Runner } from '../program';
import { AppError } from '../engine-light';
import { humanBytes, printResult, type GlobalOptions } from '../output';

interface SyncPullOptions {
  token?: string;
  api: string;
  apiToken?: string;
  ownerEmail?: string;
  targetRoot?: string;
  overwrite?: boolean;
  from: string;
  pollMs: string;
}

interface OperationRow {
  status: string;
  stage: string | null;
  progressPercent: number;
  currentOperation: string | null;
  error: string | null;
  errorCode: string | null;
  result: unknown;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'expired']);

async function call<T>(url: string, token: string | undefined, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      ...init,
      headers: {
        accept: 'application/json',
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
  } catch (err) {
    throw new AppError(
      'API_UNREACHABLE',
      `The Arkive API at ${url} did not answer: ${(err as Error).message}`,
      503,
    );
  }
  const body = (await res.json().catch(() => null)) as
    (T & { error?: { code: string; message: string } }) | null;
  if (!res.ok)
    throw new AppError(
      body?.error?.code ?? 'API_ERROR',
      `${res.status} ${body?.error?.message ?? res.statusText}`,
      res.status,
    );
  return body as T;
}

/** A bar on a TTY that follows the operation's overall percent and current line. */
function operationBar(g: GlobalOptions) {
  if (g.json || !process.stderr.isTTY)
    return { update: (_o: OperationRow) => undefined, stop: () => undefined };
  const bar = stderrBar('{stage} |{bar}| {percentage}% | {line}');
  let started = false;
  return {
    update(o: OperationRow) {
      const payload = {
        stage: (o.stage ?? o.status).padEnd(11),
        line: (o.currentOperation ?? '').slice(0, 60),
      };
      if (!started) {
        bar.start(100, Math.round(o.progressPercent), payload);
        started = true;
      } else bar.update(Math.round(o.progressPercent), payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/**
 * `arkive sync pull <source_url> <runid>`: asks this host's API to import the run (an admin's
 * token: --api-token or ARKIVE_API_TOKEN) and follows the import to its end with a progress bar.
 */
export function registerSync(program: Program, run: Runner): void {
  const sync = program
    .command('sync')
    .description('import runs from other Arkive hosts (through this host’s API)');
  sync
    .command('pull <source_url> <runid>')
    .description('import run <runid> from the Arkive host at <source_url>; waits until it is registered here')
    .option('--token <token>', 'sync token issued by an admin of the source (arks_...)')
    .option('--api <url>', 'this host’s Arkive API', process.env.ARKIVE_API_URL ?? 'http://127.0.0.1:4000')
    .option('--api-token <token>', 'an admin session token for this host’s API (default: ARKIVE_API_TOKEN)')
    .option('--owner-email <email>', 'the user with this name owns the run (else the admin)')
    .option('--target-root <path>', 'RUNS_ROOT (default) or one of RUN_SYNC_EXTRA_ROOTS')
    .option('--overwrite', 'replace an existing run (its content is kept as a pre-restore snapshot)')
    .option('--from <what>', 'latest (the source’s newest archive) or snapshot (a fresh one)', 'latest')
    .option('--poll-ms <ms>', 'how often to read the operation', '500')
    .action((sourceUrl: string, runid: string, cmd: SyncPullOptions) =>
      run(async (g) => {
        const api = cmd.api.replace(/\/+$/, '');
        const apiToken = cmd.apiToken ?? process.env.ARKIVE_API_TOKEN;
        const started = await call<{ operationId: string; channel: string }>(
          `${api}/api/run-sync`,
          apiToken,
          {
            method: 'POST',
            body: JSON.stringify({
              source_host: sourceUrl,
              runid,
              from: cmd.from,
              overwrite: cmd.overwrite === true,
              ...(cmd.token ? { auth_token: cmd.token } : {}),
              ...(cmd.ownerEmail ? { owner_email: cmd.ownerEmail } : {}),
              ...(cmd.targetRoot ? { target_root: cmd.targetRoot } : {}),
            }),
          },
        );
        const bar = operationBar(g);
        let op: OperationRow;
        try {
          for (;;) {
            op = await call<OperationRow>(`${api}/api/operations/${started.operationId}`, apiToken);
            bar.update(op);
            if (TERMINAL.has(op.status)) break;
            await new Promise((r) => setTimeout(r, Math.max(100, Number(cmd.pollMs) || 500)));
          }
        } finally {
          bar.stop();
        }
        if (op.status !== 'succeeded')
          throw new AppError(
            op.errorCode ?? 'SYNC_FAILED',
            `Import of ${runid} ${op.status}: ${op.error ?? 'no reason given'}`,
            500,
          );
        const r = op.result as { runDir: string; size: number; sha256: string; owner: string };
        printResult(g, { ok: true, operationId: started.operationId, ...r }, [
          `Imported ${runid} from ${sourceUrl} into ${r.runDir} (${humanBytes(r.size)}, SHA-256 ${r.sha256} verified; owner ${r.owner})`,
        ]);
      }),
    );
}
