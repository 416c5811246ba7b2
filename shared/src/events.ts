import type { Redis } from 'ioredis';
import { eventSchema, type ArkiveEvent, type EventInput } from './contracts/events';

export { channels, parseChannel, type ChannelTarget } from './contracts/channels';
export {
  EVENT_TYPES,
  TERMINAL_EVENT_TYPES,
  isTerminalEvent,
  progressSchema,
  eventSchema,
  operationUpdateDetailSchema,
  type EventType,
  type ArkiveEvent,
  type EventInput,
  type OperationUpdateDetail,
} from './contracts/events';

/** How many recent events each channel keeps for late subscribers. */
export const STREAM_MAXLEN = 2000;

export function channelKey(prefix: string, channel: string): string {
  return `${prefix}ch:${channel}`;
}
export function streamKey(prefix: string, channel: string): string {
  return `${prefix}stream:${channel}`;
}

/**
 * Publishes an event: appends it to the channel's capped stream (for replay) and then
 * publishes it (with its stream id) for live subscribers.
 */
export class EventPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async publish(channel: string, input: EventInput): Promise<ArkiveEvent> {
    const event = eventSchema.parse({ ...input, ts: input.ts ?? new Date().toISOString() });
    const body = JSON.stringify(event);
    const id = await this.redis.xadd(
      streamKey(this.prefix, channel),
      'MAXLEN',
      '~',
      String(STREAM_MAXLEN),
      '*',
      'e',
      body,
    );
    const withId: ArkiveEvent = { ...event, id: id ?? undefined, channel };
    await this.redis.publish(channelKey(this.prefix, channel), JSON.stringify(withId));
    return withId;
  }
}

function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

/** Read recent events of a channel after a stream id (exclusive), oldest first. */
export async function replayEvents(
  redis: Redis,
  prefix: string,
  channel: string,
  afterId = '-',
  count = STREAM_MAXLEN,
): Promise<ArkiveEvent[]> {
  const start = afterId === '-' ? '-' : `(${afterId}`;
  const rows = await redis.xrange(streamKey(prefix, channel), start, '+', 'COUNT', count);
  const out: ArkiveEvent[] = [];
  for (const [id, fields] of rows) {
    const idx = fields.indexOf('e');
    if (idx < 0) continue;
    const parsed = eventSchema.safeParse(JSON.parse(fields[idx + 1]));
    if (parsed.success) out.push({ ...parsed.data, id, channel });
  }
  return out;
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * Subscribe to a channel: live events are buffered while the stream is replayed, then
 * delivered in order with duplicates (same stream id) dropped. Pass `afterId` to resume.
 */
export async function subscribeEvents(
  subscriber: Redis,
  reader: Redis,
  prefix: string,
  channel: string,
  onEvent: (e: ArkiveEvent) => void,
  opts: { replay?: boolean; afterId?: string } = {},
): Promise<Subscription> {
  const key = channelKey(prefix, channel);
  let lastId = opts.afterId ?? '0-0';
  let replaying = true;
  const buffered: ArkiveEvent[] = [];
  const deliver = (e: ArkiveEvent) => {
    if (e.id && compareStreamIds(e.id, lastId) <= 0) return;
    if (e.id) lastId = e.id;
    onEvent(e);
  };
  const listener = (ch: string, message: string) => {
    if (ch !== key) return;
    const parsed = eventSchema.safeParse(JSON.parse(message));
    if (!parsed.success) return;
    if (replaying) buffered.push(parsed.data);
    else deliver(parsed.data);
  };
  subscriber.on('message', listener);
  await subscriber.subscribe(key);
  if (opts.replay !== false || opts.afterId) {
    for (const e of await replayEvents(reader, prefix, channel, opts.afterId ?? '-')) deliver(e);
  }
  replaying = false;
  for (const e of buffered) deliver(e);
  return {
    async close() {
      subscriber.off('message', listener);
      await subscriber.unsubscribe(key).catch(() => undefined);
    },
  };
}
