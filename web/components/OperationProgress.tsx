'use client';
import { useEffect, useState } from 'react';
import { kindSpec, stageIndex, type ArkiveEvent } from '@arkive/shared/contracts';
import { exactBytes, formatBytes, formatSeconds } from '@/lib/format';
import { stageLabel } from '@/lib/operations';
import { ProgressBar } from './ui';

export type LiveProgress = NonNullable<ArkiveEvent['progress']>;

/** The overall percent an event carries (never a stage's own current/total, which restarts per stage). */
export function eventPercent(e: Pick<ArkiveEvent, 'percent'>): number | undefined {
  return typeof e.percent === 'number' ? e.percent : undefined;
}

/** The kind's stages, in order, as a stepper: done ✓, the current one marked, the rest to come. */
export function StageStepper({
  kind,
  stage,
  status,
}: {
  kind: string;
  stage?: string | null;
  status: string;
}) {
  const spec = kindSpec(kind);
  if (!spec) return null;
  const finished = status === 'succeeded';
  const current = finished ? spec.stages.length : stageIndex(spec, stage);
  return (
    <ol aria-label="Stages" className="flex flex-wrap items-center gap-x-1 gap-y-2 text-xs">
      {spec.stages.map((s, i) => {
        const state = i < current ? 'done' : i === current ? 'current' : 'todo';
        return (
          <li
            key={s.name}
            data-stage={s.name}
            data-state={state}
            aria-current={state === 'current' ? 'step' : undefined}
            className="flex items-center gap-1"
          >
            <span
              className={`inline-flex items-center gap-1 rounded-full border px-2 py-0.5 ${
                state === 'done'
                  ? 'border-green-300 bg-green-50 text-green-800'
                  : state === 'current'
                    ? status === 'failed'
                      ? 'border-red-400 bg-red-50 font-semibold text-red-800'
                      : 'border-blue-400 bg-blue-50 font-semibold text-blue-800'
                    : 'border-slate-200 bg-white text-slate-500'
              }`}
            >
              <span aria-hidden="true">{state === 'done' ? '✓' : i + 1}</span>
              {s.label}
              <span className="sr-only">
                {state === 'done' ? ' (done)' : state === 'current' ? ' (now)' : ''}
              </span>
            </span>
            {i < spec.stages.length - 1 && (
              <span aria-hidden="true" className="text-slate-400">
                →
              </span>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

function amount(v: number, unit: string): string {
  return unit === 'bytes' ? formatBytes(v) : `${v.toLocaleString('en-US')} ${unit}`;
}

/**
 * Progress people can trust: the stage stepper, "Step i of N", the overall bar (the caller keeps
 * it monotonic), bytes done of total with the exact numbers on hover, speed, elapsed and ETA.
 */
export function OperationProgress({
  kind,
  stage,
  status,
  percent,
  progress,
  startedAt,
  indeterminate = false,
}: {
  kind: string;
  stage?: string | null;
  status: string;
  percent?: number;
  progress?: LiveProgress | null;
  startedAt?: string | null;
  indeterminate?: boolean;
}) {
  const active = status === 'running' || status === 'queued';
  const now = useNow(active);
  const spec = kindSpec(kind);
  const i = spec ? stageIndex(spec, stage) : -1;
  const step =
    status === 'queued'
      ? i > 0
        ? `Waiting for: ${stageLabel(stage, kind)}`
        : 'Waiting in the queue'
      : spec && i >= 0
        ? `Step ${i + 1} of ${spec.stages.length}: ${stageLabel(stage, kind)}`
        : stageLabel(stage, kind);
  const elapsed = startedAt ? (now - new Date(startedAt).getTime()) / 1000 : undefined;
  return (
    <div className="space-y-2" data-testid="operation-progress">
      <StageStepper kind={kind} stage={stage} status={status} />
      {active && <p className="text-sm">{step}</p>}
      <ProgressBar percent={indeterminate ? undefined : percent} label="Operation progress" />
      <p className="flex flex-wrap gap-x-3 text-xs text-slate-600" aria-label="Progress details">
        {progress && progress.total > 0 && (
          <span
            title={
              progress.unit === 'bytes'
                ? `${exactBytes(progress.current)} of ${exactBytes(progress.total)}`
                : undefined
            }
          >
            {amount(progress.current, progress.unit)} of {amount(progress.total, progress.unit)}
          </span>
        )}
        {progress?.rate !== undefined && progress.rate > 0 && (
          <span>
            {progress.unit === 'bytes'
              ? `${formatBytes(progress.rate)}/s`
              : `${progress.rate.toFixed(1)} ${progress.unit}/s`}
          </span>
        )}
        {active && elapsed !== undefined && elapsed >= 0 && <span>elapsed {formatSeconds(elapsed)}</span>}
        {active && progress?.etaSeconds !== undefined && (
          <span>about {formatSeconds(progress.etaSeconds)} left in this step</span>
        )}
      </p>
    </div>
  );
}
