import type { ArkiveEvent } from './events';

/**
 * The typed socket.io contract between the web server's relay and browsers.
 * A client joins a channel (optionally resuming after the last stream id it saw); the server
 * checks the user's right to it, replays recent events from the channel's Redis stream, then
 * streams live ones, each filtered by the same visibility rule as the REST API. Every relayed
 * event carries its `channel` and stream `id`.
 */
export interface JoinRequest {
  channel: string;
  /** Last event id the client saw on this channel; replay resumes after it. */
  afterId?: string;
}

export type JoinAck =
  | { ok: true; channel: string; replayed: number; lastId?: string }
  | {
      ok: false;
      channel: string;
      error: { code: 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_CHANNEL' | 'UNAVAILABLE'; message: string };
    };

export interface ServerToClientEvents {
  /** One event of a joined channel (replayed or live), oldest first per channel. */
  event: (e: ArkiveEvent & { channel: string }) => void;
  /** Sent after a join's replay finished; everything after it is live. */
  replayed: (info: { channel: string; count: number; lastId?: string }) => void;
  /** The user lost the right to a channel (removed from a run); the server left it. */
  revoked: (info: { channel: string; message: string }) => void;
}

export interface ClientToServerEvents {
  join: (req: JoinRequest, ack: (res: JoinAck) => void) => void;
  leave: (req: { channel: string }, ack?: (res: { ok: true }) => void) => void;
}

export interface SocketUser {
  id: number;
  username: string;
  isAdmin: boolean;
}

export interface SocketData {
  user: SocketUser;
  token: string;
}
