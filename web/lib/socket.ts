'use client';
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type {
  ArkiveEvent,
  ClientToServerEvents,
  JoinAck,
  ServerToClientEvents,
} from '@arkive/shared/contracts';

type ArkSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type Listener = (e: ArkiveEvent & { channel: string }, meta: { replay: boolean }) => void;

let shared: ArkSocket | undefined;
/** Last event id seen per channel: sent on re-join so a reconnect resumes without gaps. */
const lastIds = new Map<string, string>();
const listeners = new Map<string, Set<Listener>>();
/** Channels whose join replay has not finished yet. */
const replaying = new Set<string>();
const reconnectHooks = new Set<() => void>();
const statusHooks = new Set<(s: LiveStatus) => void>();
let status: LiveStatus = 'connecting';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'denied';

function setStatus(s: LiveStatus) {
  status = s;
  for (const h of statusHooks) h(s);
}

function join(s: ArkSocket, channel: string) {
  // A fresh join replays history (flagged `replay`); a resume delivers missed events as live ones.
  if (!lastIds.has(channel)) replaying.add(channel);
  s.emit('join', { channel, afterId: lastIds.get(channel) }, (ack: JoinAck) => {
    if (!ack.ok) {
      replaying.delete(channel);
      setStatus('denied');
    }
  });
}

function socket(): ArkSocket {
  if (shared) return shared;
  const s: ArkSocket = io({
    path: '/socket.io',
    transports: ['websocket', 'polling'],
    withCredentials: true,
  });
  let connectedBefore = false;
  s.on('connect', () => {
    setStatus('live');
    for (const channel of listeners.keys()) join(s, channel);
    if (connectedBefore) for (const h of reconnectHooks) h();
    connectedBefore = true;
  });
  s.on('disconnect', () => setStatus('reconnecting'));
  s.on('connect_error', () => setStatus('reconnecting'));
  s.on('event', (e) => {
    if (e.id) lastIds.set(e.channel, e.id);
    const replay = replaying.has(e.channel);
    for (const l of listeners.get(e.channel) ?? []) l(e, { replay });
  });
  s.on('replayed', ({ channel }) => {
    replaying.delete(channel);
  });
  shared = s;
  return s;
}

/**
 * Subscribe a component to a channel. `onEvent` sees replayed then live events; `onReconnect`
 * runs after a reconnect so the page can re-read state from the API (Postgres is the truth).
 */
export function useChannel(
  channel: string | undefined,
  onEvent: Listener,
  onReconnect?: () => void,
): LiveStatus {
  const eventRef = useRef(onEvent);
  const reconnectRef = useRef(onReconnect);
  eventRef.current = onEvent;
  reconnectRef.current = onReconnect;
  const [live, setLive] = useState<LiveStatus>(status);
  useEffect(() => {
    if (!channel) return;
    const s = socket();
    const l: Listener = (e, meta) => eventRef.current(e, meta);
    const r = () => reconnectRef.current?.();
    let set = listeners.get(channel);
    const first = !set;
    if (!set) listeners.set(channel, (set = new Set()));
    set.add(l);
    reconnectHooks.add(r);
    statusHooks.add(setLive);
    setLive(status);
    if (first && s.connected) join(s, channel);
    return () => {
      set!.delete(l);
      reconnectHooks.delete(r);
      statusHooks.delete(setLive);
      if (set!.size === 0) {
        listeners.delete(channel);
        lastIds.delete(channel);
        s.emit('leave', { channel });
      }
    };
  }, [channel]);
  return live;
}
