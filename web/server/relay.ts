import type { Redis } from 'ioredis';
import type { Server, Socket } from 'socket.io';
import {
  accessChangeSchema,
  accessChannelKey,
  channelKey,
  eventSchema,
  replayEvents,
  streamKey,
  type AccessChange,
  type ArkiveEvent,
  type ClientToServerEvents,
  type JoinAck,
  type Logger,
  type ServerToClientEvents,
  type SocketData,
} from '@arkive/shared';
import { checkChannelAccess, eventVisible, type AccessLookup } from './channel-access';
import type { SessionVerifier } from './session';

type RelayServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type Relayed = ArkiveEvent & { channel: string };

/** How many recent events a first-time join gets (a resume gets everything after its id). */
export const FRESH_JOIN_REPLAY = 500;

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

const roomOf = (channel: string) => `ch:${channel}`;

/**
 * Relays Redis channels to browsers. One Redis subscription per channel for the whole server
 * (reference-counted by socket.io rooms), one JSON parse per event, one broadcast per event —
 * except on `operations`, where every event is checked against each listener's right to see that
 * operation (the REST rule) and sent only to those who may. Access changes published by the API
 * (membership removed, session ended) take effect on open sockets at once.
 * A join replays from the channel's stream while live events for that socket are buffered;
 * replay and buffered events are then sent in one tick, deduplicated by stream id, and the socket
 * joins the room once pub/sub has moved past what the replay already gave it (see `settling`),
 * so a (re)joining client sees every event exactly once, in order.
 */
export class ChannelRelay {
  private readonly subscribed = new Map<string, Promise<void>>();
  private readonly pending = new Map<string, Set<(e: Relayed) => void>>();
  /**
   * Sockets that finished their replay but may still see, through pub/sub, an event the replay
   * already gave them (XADD happens before PUBLISH). They get events one by one, filtered by id,
   * until the first newer event arrives; then they join the room and share the broadcast.
   */
  private readonly settling = new Map<string, Map<RelaySocket, string>>();
  /** Runs each socket's user is a member of (loaded at the handshake, refreshed on access changes). */
  private readonly memberRuns = new WeakMap<RelaySocket, Set<string>>();
  private verify?: SessionVerifier;
  private access?: AccessLookup;

  constructor(
    private readonly io: RelayServer,
    private readonly subscriber: Redis,
    private readonly reader: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    const keyPrefix = channelKey(prefix, '');
    const accessKey = accessChannelKey(prefix);
    subscriber.on('message', (key: string, message: string) => {
      if (key === accessKey) return this.onAccessMessage(message);
      if (!key.startsWith(keyPrefix)) return;
      const channel = key.slice(keyPrefix.length);
      let event: Relayed;
      try {
        const parsed = eventSchema.safeParse(JSON.parse(message));
        if (!parsed.success) return;
        event = { ...parsed.data, channel };
      } catch {
        return;
      }
      for (const buffer of this.pending.get(channel) ?? []) buffer(event);
      this.broadcast(channel, event);
      const settling = this.settling.get(channel);
      if (settling && event.id) {
        for (const [socket, lastId] of settling) {
          if (compareIds(event.id, lastId) <= 0) continue;
          if (this.visible(socket, channel, event)) socket.emit('event', event);
          settling.delete(socket);
          void socket.join(roomOf(channel));
        }
        if (settling.size === 0) this.settling.delete(channel);
      }
    });
  }

  private visible(socket: RelaySocket, channel: string, event: ArkiveEvent): boolean {
    return eventVisible(socket.data.user, this.memberRuns.get(socket) ?? new Set(), channel, event);
  }

  private broadcast(channel: string, event: Relayed): void {
    if (channel !== 'operations') {
      this.io.to(roomOf(channel)).emit('event', event);
      return;
    }
    for (const id of this.io.sockets.adapter.rooms.get(roomOf(channel)) ?? []) {
      const socket = this.io.sockets.sockets.get(id);
      if (socket && this.visible(socket, channel, event)) socket.emit('event', event);
    }
  }

  private listeners(channel: string): number {
    return (
      (this.io.sockets.adapter.rooms.get(roomOf(channel))?.size ?? 0) +
      (this.pending.get(channel)?.size ?? 0) +
      (this.settling.get(channel)?.size ?? 0)
    );
  }

  private async ensureSubscribed(channel: string): Promise<void> {
    let p = this.subscribed.get(channel);
    if (!p) {
      p = this.subscriber.subscribe(channelKey(this.prefix, channel)).then(() => undefined);
      this.subscribed.set(channel, p);
      p.catch(() => this.subscribed.delete(channel));
    }
    await p;
  }

  private async maybeUnsubscribe(channel: string): Promise<void> {
    if (this.listeners(channel) > 0 || !this.subscribed.has(channel)) return;
    this.subscribed.delete(channel);
    await this.subscriber.unsubscribe(channelKey(this.prefix, channel)).catch(() => undefined);
  }

  private async recent(channel: string, afterId: string | undefined): Promise<ArkiveEvent[]> {
    if (afterId) return replayEvents(this.reader, this.prefix, channel, afterId);
    const rows = await this.reader.xrevrange(
      streamKey(this.prefix, channel),
      '+',
      '-',
      'COUNT',
      FRESH_JOIN_REPLAY,
    );
    if (rows.length === 0) return [];
    const oldest = rows[rows.length - 1][0];
    const [ms, seq] = oldest.split('-').map(Number);
    const before = seq > 0 ? `${ms}-${seq - 1}` : `${ms - 1}-18446744073709551615`;
    return replayEvents(this.reader, this.prefix, channel, before, FRESH_JOIN_REPLAY);
  }

  async join(
    socket: RelaySocket,
    channel: string,
    afterId?: string,
  ): Promise<{ replayed: number; lastId?: string }> {
    if (afterId !== undefined && !/^\d{1,20}-\d{1,20}$/.test(afterId)) afterId = undefined;
    const buffer: Relayed[] = [];
    const collect = (e: Relayed) => buffer.push(e);
    let set = this.pending.get(channel);
    if (!set) this.pending.set(channel, (set = new Set()));
    set.add(collect);
    let replayed: ArkiveEvent[];
    try {
      await this.ensureSubscribed(channel);
      replayed = await this.recent(channel, afterId);
    } finally {
      set.delete(collect);
      if (set.size === 0) this.pending.delete(channel);
    }
    // From here to socket.join everything is synchronous: no live event can slip between.
    let lastId = afterId;
    const send = (e: ArkiveEvent) => {
      if (e.id && lastId && compareIds(e.id, lastId) <= 0) return;
      if (e.id) lastId = e.id;
      if (this.visible(socket, channel, e)) socket.emit('event', { ...e, channel });
    };
    for (const e of replayed) send(e);
    for (const e of buffer) send(e);
    const count = replayed.length;
    socket.emit('replayed', { channel, count, lastId });
    if (lastId) {
      let set = this.settling.get(channel);
      if (!set) this.settling.set(channel, (set = new Map()));
      set.set(socket, lastId);
    } else {
      void socket.join(roomOf(channel));
    }
    return { replayed: count, lastId };
  }

  async leave(socket: RelaySocket, channel: string): Promise<void> {
    this.forget(socket, channel);
    await socket.leave(roomOf(channel));
    await this.maybeUnsubscribe(channel);
  }

  private forget(socket: RelaySocket, channel: string): void {
    const set = this.settling.get(channel);
    if (!set) return;
    set.delete(socket);
    if (set.size === 0) this.settling.delete(channel);
  }

  /** Drop Redis subscriptions that no socket needs any more (after disconnects). */
  async sweep(): Promise<void> {
    for (const channel of [...this.subscribed.keys()]) await this.maybeUnsubscribe(channel);
  }

  attach(
    verify: SessionVerifier,
    access: AccessLookup,
    tokenOf: (cookieHeader: string | undefined) => string | undefined,
  ): void {
    this.verify = verify;
    this.access = access;
    void this.subscriber
      .subscribe(accessChannelKey(this.prefix))
      .catch((err: unknown) => this.logger.warn({ err }, 'access-change subscription failed'));
    this.io.use((socket, next) => {
      const token = tokenOf(socket.handshake.headers.cookie);
      if (!token) return next(new Error('UNAUTHENTICATED'));
      verify(token)
        .then(async (user) => {
          if (!user) return next(new Error('UNAUTHENTICATED'));
          socket.data.user = user;
          socket.data.token = token;
          this.memberRuns.set(socket, new Set(user.isAdmin ? [] : await access.runsOf(user)));
          next();
        })
        .catch((err: unknown) => {
          this.logger.warn({ err }, 'session check failed');
          next(new Error('UNAVAILABLE'));
        });
    });
    this.io.on('connection', (socket) => {
      socket.on('join', (req, ack) => {
        const reply = typeof ack === 'function' ? ack : () => undefined;
        const channel = typeof req?.channel === 'string' ? req.channel : '';
        void this.handleJoin(socket, channel, req?.afterId, verify, access).then(reply, (err: unknown) => {
          this.logger.warn({ err, channel }, 'join failed');
          reply({
            ok: false,
            channel,
            error: { code: 'UNAVAILABLE', message: 'Live updates are unavailable right now' },
          });
        });
      });
      socket.on('leave', (req, ack) => {
        void this.leave(socket, String(req?.channel ?? '')).then(() =>
          typeof ack === 'function' ? ack({ ok: true }) : undefined,
        );
      });
      socket.on('disconnect', () => {
        for (const channel of [...this.settling.keys()]) this.forget(socket, channel);
        void this.sweep();
      });
    });
  }

  /**
   * Re-checks every connected socket: a session that ended (logout, expiry, deleted user) is
   * disconnected; a channel the user lost the right to (removed from the run) is left.
   * One session check per distinct token per sweep.
   */
  async recheck(
    verify: SessionVerifier,
    access: AccessLookup,
    only?: (s: RelaySocket) => boolean,
  ): Promise<void> {
    const sessions = new Map<string, Promise<Awaited<ReturnType<SessionVerifier>>>>();
    for (const socket of this.io.sockets.sockets.values()) {
      if (only && !only(socket)) continue;
      const token = socket.data.token;
      if (!token) continue;
      let check = sessions.get(token);
      if (!check) sessions.set(token, (check = verify(token).catch(() => socket.data.user)));
      const user = await check;
      if (!user) {
        socket.disconnect(true);
        continue;
      }
      socket.data.user = user;
      const runs = user.isAdmin ? [] : await access.runsOf(user).catch(() => undefined);
      if (runs) this.memberRuns.set(socket, new Set(runs));
      const channels = [...socket.rooms].filter((r) => r.startsWith('ch:')).map((r) => r.slice(3));
      for (const [channel, set] of this.settling) if (set.has(socket)) channels.push(channel);
      for (const channel of channels) {
        const decision = await checkChannelAccess(user, channel, access).catch(() => ({ ok: true }) as const);
        if (!decision.ok) {
          await this.leave(socket, channel);
          socket.emit('revoked', { channel, message: decision.message });
        }
      }
    }
  }

  /** An access change published by the API: re-check that user's sockets now, not at the next sweep. */
  private onAccessMessage(message: string): void {
    let change: AccessChange;
    try {
      change = accessChangeSchema.parse(JSON.parse(message));
    } catch {
      return;
    }
    if (!this.verify || !this.access) return;
    void this.recheck(this.verify, this.access, (s) => s.data.user?.id === change.userId).catch(
      (err: unknown) => this.logger.warn({ err }, 'access re-check failed'),
    );
  }

  private async handleJoin(
    socket: RelaySocket,
    channel: string,
    afterId: string | undefined,
    verify: SessionVerifier,
    access: AccessLookup,
  ): Promise<JoinAck> {
    // Re-check the session on every join: a logout or a deleted user stops new joins at once.
    const user = await verify(socket.data.token);
    if (!user) {
      socket.disconnect(true);
      return {
        ok: false,
        channel,
        error: { code: 'UNAUTHENTICATED', message: 'Your session has ended; log in again' },
      };
    }
    socket.data.user = user;
    const decision = await checkChannelAccess(user, channel, access);
    if (!decision.ok)
      return { ok: false, channel, error: { code: decision.code, message: decision.message } };
    const { replayed, lastId } = await this.join(
      socket,
      channel,
      typeof afterId === 'string' ? afterId : undefined,
    );
    return { ok: true, channel, replayed, lastId };
  }
}
