import type { Redis } from 'ioredis';
import { overallPercent, type KindSpec } from './contracts/kinds';
import type { EventType } from './contracts/events';
import type { EventPublisher } from './events';
import type { Operation, PrismaClient } from './db';
import type { Logger } from './logger';
import { appendLog, publishOperationEvent, rollUpParent, type EventExtra } from './operations';
import { RateMeter } from './rate-meter';

export interface ProgressUpdate {
  stage?: string;
  /** 0-1 of the current stage; turned into the overall percent by the kind's stage weights. */
  fraction?: number;
  /** 0-100 for the whole operation (kinds whose stages are not declared). */
  percent?: number;
  message?: string;
  current?: number;
  total?: number;
  unit?: string;
  detail?: unknown;
}

export interface ReporterOptions {
  dbIntervalMs?: number;
  statusIntervalMs?: number;
  /** The kind's public spec: stage weights for the overall percent. */
  spec?: KindSpec;
  /** Runs before a stage change is written (the worker's point-of-no-return bookkeeping). */
  beforeStage?(stage: string): Promise<void>;
  /** Runs once a stage change is written and published (the contract suite's fault hooks). */
  afterStage?(stage: string): Promise<void>;
}

/**
 * The one progress helper of the job contract: (a) publishes on the channel, (b) appends to the
 * channel's capped stream (both via EventPublisher), (c) writes stage/percent to Postgres at most
 * every `dbIntervalMs` and on every stage change, (d) writes log lines to operation_logs. The
 * overall percent never goes back within a run; byte and file progress carries a rate and an ETA.
 * STATUS lines are throttled per `statusIntervalMs` but never silent: the latest is always sent.
 */
export class OperationReporter {
  private lastDbWrite = 0;
  private lastStatus = 0;
  private pendingStatus?: ProgressUpdate;
  private flushTimer?: NodeJS.Timeout;
  private stage?: string;
  private percent = 0;
  private rate = new RateMeter();
  /** The last line sent: the same line again goes out as PROGRESS, never as a repeated log line. */
  private lastLine?: string;
  /** Stages entered in this run (hooks run once per stage). */
  private readonly entered = new Set<string>();

  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      publisher: EventPublisher;
      redis?: Redis;
      logger?: Logger;
    },
    public readonly operation: Operation,
    private readonly opts: ReporterOptions = {},
  ) {
    this.stage = operation.stage ?? undefined;
    this.percent = operation.progressPercent;
  }

  get channel(): string {
    return this.operation.channel;
  }

  get currentStage(): string | undefined {
    return this.stage;
  }

  get currentPercent(): number {
    return this.percent;
  }

  /**
   * A stage change is always written and published at once. Entering the stage the run is already
   * in only publishes the message.
   */
  async setStage(
    stage: string,
    message: string,
    percent?: number,
    level: 'INFO' | 'WARNING' = 'INFO',
  ): Promise<void> {
    if (this.entered.has(stage) && stage === this.stage) {
      this.advance(percent);
      return this.status(message, level);
    }
    this.entered.add(stage);
    await this.opts.beforeStage?.(stage);
    if (stage !== this.stage) this.rate = new RateMeter();
    this.stage = stage;
    this.advance(percent ?? this.declared(stage, 0));
    await this.writeDb(message, true);
    this.lastLine = message;
    await this.emit('STATUS', { stage, percent: this.percent, message });
    await this.log(level, message);
    await this.opts.afterStage?.(stage);
  }

  /** Byte/file progress: published (throttled per statusIntervalMs) and written to the DB every ~2 s. */
  async progress(update: ProgressUpdate): Promise<void> {
    if (update.stage && update.stage !== this.stage)
      return this.setStage(update.stage, update.message ?? update.stage, this.toPercent(update));
    this.advance(this.toPercent(update));
    if (update.current !== undefined) this.rate.sample(update.current);
    const now = Date.now();
    if (now - this.lastStatus >= (this.opts.statusIntervalMs ?? 100)) {
      this.lastStatus = now;
      this.pendingStatus = undefined;
      await this.send(update);
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
      await this.send(pending);
    }
    await this.writeDb(undefined);
  }

  async log(level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR', message: string): Promise<void> {
    await appendLog(this.deps.prisma, this.operation.id, level, message);
    this.deps.logger?.[
      level === 'ERROR' ? 'error' : level === 'WARNING' ? 'warn' : level === 'DEBUG' ? 'debug' : 'info'
    ]({ operationId: this.operation.id }, message);
  }

  /**
   * A progress update goes out as a STATUS line (also stored in operation_logs, so the live log and
   * the stored log say the same) when it carries a new line, else as PROGRESS without one.
   */
  private async send(update: ProgressUpdate): Promise<void> {
    const line = update.message && update.message !== this.lastLine ? update.message : undefined;
    if (!line) return this.emit('PROGRESS', this.toEvent({ ...update, message: undefined }));
    this.lastLine = line;
    await this.emit('STATUS', this.toEvent(update));
    await appendLog(this.deps.prisma, this.operation.id, 'INFO', line);
  }

  /** Logs and publishes a status line (not throttled). */
  async status(message: string, level: 'INFO' | 'WARNING' | 'ERROR' = 'INFO'): Promise<void> {
    this.lastLine = message;
    await this.emit('STATUS', { stage: this.stage, percent: this.percent, message });
    await this.log(level, message);
  }

  async emit(type: EventType, body: EventExtra & { message: string }): Promise<void> {
    const op = { ...this.operation, stage: this.stage ?? null, progressPercent: this.percent };
    await publishOperationEvent(this.deps, op, type, body.message, {
      stage: body.stage ?? this.stage,
      percent: body.percent ?? this.percent,
      progress: body.progress,
      detail: body.detail,
    });
  }

  private declared(stage: string, fraction: number): number | undefined {
    return this.opts.spec ? overallPercent(this.opts.spec, stage, fraction) : undefined;
  }

  private toPercent(u: ProgressUpdate): number | undefined {
    if (u.fraction !== undefined)
      return this.declared(u.stage ?? this.stage ?? '', u.fraction) ?? u.fraction * 100;
    return u.percent;
  }

  private advance(percent: number | undefined): void {
    if (percent === undefined) return;
    this.percent = Math.max(this.percent, clampPercent(percent));
  }

  private toEvent(u: ProgressUpdate) {
    const progress =
      u.current !== undefined && u.total !== undefined
        ? {
            current: u.current,
            total: u.total,
            unit: u.unit ?? 'bytes',
            ...this.rate.estimate(u.current, u.total),
          }
        : undefined;
    return {
      message: u.message ?? `${this.stage ?? 'working'} ${Math.round(this.percent)}%`,
      stage: this.stage,
      percent: this.percent,
      progress,
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
    if (this.operation.parentId)
      await rollUpParent(this.deps, this.operation.parentId, { publish: force }).catch(() => undefined);
  }
}

function clampPercent(p: number): number {
  return Math.max(0, Math.min(100, Number.isFinite(p) ? p : 0));
}
