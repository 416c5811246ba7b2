import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Server } from 'socket.io';
import {
  createLogger,
  createPrisma,
  createSubscriberRedis,
  createWorkerRedis,
  headerValue,
  sameSiteVerdict,
  type ClientToServerEvents,
  type Config,
  type Logger,
  type ServerToClientEvents,
  type SocketData,
} from '@arkive/shared';
import { prismaAccessLookup, type AccessLookup } from './channel-access';
import { isProxied, normalisedTarget, pathDecodes, proxyToApi } from './proxy';
import { ChannelRelay } from './relay';
import { apiSessionVerifier, readCookie, SESSION_COOKIE, type SessionVerifier } from './session';

export interface WebServerOptions {
  config: Config;
  /** Serve the Next.js app; omit for a relay+proxy-only server (the latency bench). */
  next?: { dev: boolean; dir?: string };
  port?: number;
  verifySession?: SessionVerifier;
  /** Run membership (default: Postgres). */
  access?: AccessLookup;
  /** How often connected sockets' sessions and channel rights are re-checked (default 60 s). */
  recheckMs?: number;
}

export interface WebServer {
  server: http.Server;
  relay: ChannelRelay;
  logger: Logger;
  port: number;
  listen(): Promise<void>;
  close(): Promise<void>;
}

/** Pages a visitor without a session cookie may load; everything else redirects to /login. */
// Pages anyone may open: sign-in, assets, and a gallery's download page (a client opens it from
// the e-mail without an account; the API checks the signed link or the gallery password).
const PUBLIC_PAGE = /^\/(login(\/|$)|download\/[^/]+\/?$|_next\/|favicon\.ico$|icon\.svg$|robots\.txt$)/;

export async function createWebServer(opts: WebServerOptions): Promise<WebServer> {
  const { config } = opts;
  const logger = createLogger('web');
  const prisma = opts.access ? undefined : createPrisma(config.databaseUrl, 4);
  const access = opts.access ?? prismaAccessLookup(prisma!);
  const verify = opts.verifySession ?? apiSessionVerifier(config);

  let nextHandler: ((req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>) | undefined;
  let nextUpgrade:
    | ((req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => Promise<void>)
    | undefined;
  if (opts.next) {
    const mod = (await import('next')) as unknown as { default?: unknown };
    type NextApp = {
      prepare(): Promise<void>;
      getRequestHandler(): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
    };
    const next = (typeof mod.default === 'function' ? mod.default : mod) as (o: object) => NextApp;
    const app = next({
      dev: opts.next.dev,
      dir: opts.next.dir ?? path.resolve(__dirname, '..'),
      hostname: config.bindHost,
      port: opts.port ?? config.webPort,
    });
    await app.prepare();
    nextHandler = app.getRequestHandler();
    if (opts.next.dev)
      nextUpgrade = (app as unknown as { getUpgradeHandler(): typeof nextUpgrade }).getUpgradeHandler?.();
  }

  const badRequest = (res: http.ServerResponse, code: string, message: string) => {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code, message } }));
  };

  const server = http.createServer((req, res) => {
    const target = normalisedTarget(req.url ?? '/');
    if (!target)
      return badRequest(
        res,
        'BAD_PATH',
        'The request path is not in normal form (dot segments, encoded slashes or backslashes)',
      );
    const pathname = target.path;
    // The API judges its own paths (and answers 400 BAD_PATH_ENCODING the same way).
    if (isProxied(pathname)) return proxyToApi(config.apiUrl, req, res, target.path + target.search);
    if (!pathDecodes(pathname))
      return badRequest(res, 'BAD_PATH_ENCODING', 'The request path is not valid percent-encoded UTF-8');
    if (pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok' }));
      return;
    }
    if (!nextHandler) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'Not found' } }));
      return;
    }
    // Cheap first gate; the API still decides on every call, and pages re-check via /api/auth/me.
    if (
      !PUBLIC_PAGE.test(pathname) &&
      !readCookie(req.headers.cookie, SESSION_COOKIE) &&
      (req.method === 'GET' || req.method === 'HEAD')
    ) {
      res.writeHead(302, { location: `/login?next=${encodeURIComponent(req.url ?? '/')}` });
      res.end();
      return;
    }
    nextHandler(req, res).catch((err: unknown) => {
      logger.error({ err }, 'page render failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(
    server,
    {
      path: '/socket.io',
      serveClient: false,
      cors: { origin: false },
      // Cross-site WebSocket hijacking: a WebSocket is not bound by CORS, so a page on another
      // site could open one with the user's cookie. Only our own pages (or CORS_ORIGINS) may.
      allowRequest: (req, callback) => {
        const verdict = sameSiteVerdict(
          {
            origin: headerValue(req.headers.origin),
            secFetchSite: headerValue(req.headers['sec-fetch-site']),
            host: headerValue(req.headers.host),
          },
          config.corsOrigins,
          false,
        );
        if (!verdict.ok) logger.warn({ reason: verdict.reason }, 'socket handshake refused');
        callback(verdict.ok ? null : 'Cross-site socket refused', verdict.ok);
      },
      pingInterval: 20000,
      pingTimeout: 20000,
    },
  );
  const subscriber = createSubscriberRedis(config.redisUrl);
  const reader = createWorkerRedis(config.redisUrl);
  const relay = new ChannelRelay(io, subscriber, reader, config.redisPrefix, logger);
  relay.attach(verify, access, (cookie) => readCookie(cookie, SESSION_COOKIE));
  const recheckTimer = setInterval(() => {
    relay.recheck(verify, access).catch((err: unknown) => logger.warn({ err }, 'session recheck failed'));
  }, opts.recheckMs ?? 60000);
  recheckTimer.unref();

  if (nextUpgrade) {
    server.on('upgrade', (req, socket, head) => {
      if ((req.url ?? '').startsWith('/socket.io')) return;
      void nextUpgrade!(req, socket, head);
    });
  }

  const web: WebServer = {
    server,
    relay,
    logger,
    port: opts.port ?? config.webPort,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port ?? config.webPort, config.bindHost, () => {
          web.port = (server.address() as AddressInfo).port;
          resolve();
        });
      }),
    async close() {
      clearInterval(recheckTimer);
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
      subscriber.disconnect();
      reader.disconnect();
      await prisma?.$disconnect().catch(() => undefined);
    },
  };
  return web;
}
