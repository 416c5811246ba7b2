import type { Redis } from 'ioredis';
import type { EventPublisher, EventType } from './events';
import type { Operation, PrismaClient } from './db';
import type { Logger } from './logger';
import { appendLog, publishOperationEvent } from './operations';

export interface ProgressUpdate {
  stage?: string;
  /** 0-100 for the whole operation. */
  percent?: number;
  message?: string;
  current?: number;
  total?: number;
  unit?: string;
  detail?: unknown;
}

/**
 * The one progress helper of the job contract: (a) publishes on the channel, (b) appends to the
 * channel's capped stream (both via EventPublisher), (c) writes stage/percent to Postgres at most
 * every `dbIntervalMs` and on every stage change, (d) writes log lines to operation_logs.
 * STATUS lines are throttled per `statusIntervalMs` but never silent: the latest is always sent.
 */
export class OperationReporter {
  private lastDbWrite = 0;
  private lastStatus = 0;
  private pendingStatus?: ProgressUpdate;
  private flushTimer?: NodeJS.Timeout;
  private stage?: string;
  private percent = 0;

  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      publisher: EventPublisher;
      redis?: Redis;
      logger?: Logger;
    },
    public readonly operation: Operation,
    public readonly channel: string,
    private readonly opts: { dbIntervalMs?: number; statusIntervalMs?: number } = {},
  ) {
    this.stage = operation.stage ?? undefined;
    this.percent = operation.progressPercent;
  }

  get currentStage(): string | undefined {
    return this.stage;
  }

  /** A stage change is always written and published at once. */
  async setStage(stage: string, message: string, percent?: number): Promise<void> {
    this.stage = stage;
    if (percent !== undefined) this.percent = clampPercent(percent);
    await this.writeDb(message, true);
    await this.emit('STATUS', { stage, percent: this.percent, message });
    await this.log('INFO', message);
  }

  /** Byte/file progress: published (throttled per statusIntervalMs) and written to the DB every ~2 s. */
  async progress(update: ProgressUpdate): Promise<void> {
    if (update.stage && update.stage !== this.stage)
      return this.setStage(update.stage, update.message ?? update.stage, update.percent);
    if (update.percent !== undefined) this.percent = clampPercent(update.percent);
    const now = Date.now();
    if (now - this.lastStatus >= (this.opts.statusIntervalMs ?? 100)) {
      this.lastStatus = now;
      this.pendingStatus = undefined;
      await this.emit(update.message ? 'STATUS' : 'PROGRESS', this.toEvent(update));
    } else {
      this.pendingStatus = update;
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = undefined;
        void this.flush().catch(() => undefined);
      }, this.opts.statusIntervalMs ?? 100);
    }
    if (now - this.lastDbWrite >= (this.opts.dbIntervalMs ?? 2000)) await this.writeDb(update.message);
  }

  /** Sends the last throttled status line, if any. */
  async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const pending = this.pendingStatus;
    this.pendingStatus = undefined;
    if (pending) {
      this.lastStatus = Date.now();
      await this.emit(pending.message ? 'STATUS' : 'PROGRESS', this.toEvent(pending));
    }
    await this.writeDb(undefined);
  }

  async log(level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR', message: string): Promise<void> {
    await appendLog(this.deps.prisma, this.operation.id, level, message);
    this.deps.logger?.[
      level === 'ERROR' ? 'error' : level === 'WARNING' ? 'warn' : level === 'DEBUG' ? 'debug' : 'info'
    ]({ operationId: this.operation.id }, message);
  }

  /** Logs and publishes a status line (not throttled). */
  async status(message: string, level: 'INFO' | 'WARNING' | 'ERROR' = 'INFO'): Promise<void> {
    await this.emit('STATUS', { stage: this.stage, percent: this.percent, message });
    await this.log(level, message);
  }

  async emit(
    type: EventType,
    body: {
      message: string;
      stage?: string;
      percent?: number;
      progress?: { current: number; total: number; unit: string };
      detail?: unknown;
    },
  ): Promise<void> {
    const op = { ...this.operation, stage: this.stage ?? null, progressPercent: this.percent };
    await publishOperationEvent(this.deps, op, this.channel, type, body.message, {
      stage: body.stage ?? this.stage,
      percent: body.percent ?? this.percent,
      progress: body.progress,
      detail: body.detail,
    });
  }

  private toEvent(u: ProgressUpdate) {
    return {
      message: u.message ?? `${this.stage ?? 'working'} ${Math.round(this.percent)}%`,
      stage: this.stage,
      percent: this.percent,
      progress:
        u.current !== undefined && u.total !== undefined
          ? { current: u.current, total: u.total, unit: u.unit ?? 'bytes' }
          : undefined,
      detail: u.detail,
    };
  }

  private async writeDb(message: string | undefined, force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - this.lastDbWrite < 50) return;
    this.lastDbWrite = now;
    await this.deps.prisma.operation.update({
      where: { id: this.operation.id },
      data: {
        stage: this.stage,
        progressPercent: this.percent,
        ...(message ? { currentOperation: message.slice(0, 500) } : {}),
        heartbeatAt: new Date(),
      },
    });
  }
}

function clampPercent(p: number): number {
  return Math.max(0, Math.min(100, Number.isFinite(p) ? p : 0));
}
