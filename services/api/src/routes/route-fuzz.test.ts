import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { z } from 'zod';
import { issueSessionToken } from '@arkive/shared';
import type { RouteDef } from '../http/route';
import { createApiWorld, type ApiWorld } from '../test-support/api-world';
import { makeRun, makeUser, type TestUser } from '../test-support/users';
import { routes } from '.';

/**
 * Bad input is never a 500. Generated from the route table, so a new route is covered without
 * anyone remembering to: every route and method gets invalid path parameters (bad
 * percent-encoding, NUL, encoded surrogates, overlong, dot segments), invalid queries and bodies
 * (wrong types, huge, NUL, lone surrogates, deep nesting, wrong content types and encodings),
 * as an anonymous caller, a plain user (owner of the run) and an administrator. Each answer must
 * be below 500 with no stack trace, and nothing may be logged at error level. A fixed seed keeps
 * the sample the same on every run.
 */
const SEED = 20261202;
// Three callers × 18 = 54 requests per route; a third of them carry a bad parameter, which covers BAD_PARAMS.
const PER_ROUTE_AND_CALLER = 18;
const RUN = 'fuzz-run';

let api: ApiWorld;
let server: http.Server;
let base: string;
let owner: TestUser, admin: TestUser;
let opId: string;
const errorLogs: string[] = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      errorLogs.push(chunk.toString());
      done();
    },
  });
  api = await createApiWorld(
    { LOGIN_MAX_FAILURES_PER_IP: '1000' },
    { logger: pino({ level: 'error' }, sink) },
  );
  owner = await makeUser(api, 'fuzz-owner');
  admin = await makeUser(api, 'fuzz-admin', { isAdmin: true });
  await makeRun(api, RUN, owner);
  const op = await api.world.prisma.operation.create({
    data: { kind: 'run-snapshot', queue: 'compress', scopeType: 'run', scopeId: RUN, input: { runid: RUN } },
  });
  opId = op.id;
  server = api.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
  await api.close();
});

/** mulberry32: a small seeded PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}

// Path parameter values, already percent-encoded as they go on the wire.
const BAD_PARAMS = [
  '%ff%fe',
  '%',
  'a%00b',
  '%00',
  '%ed%a0%80', // an encoded lone surrogate
  '%c0%ae%c0%ae', // overlong '..'
  'x'.repeat(3000),
  '%2e%2e',
  '..%2f..%2fmetrics',
  '%5c..%5c',
  '%F0%9F%92%A9',
  '-1',
  '99999999999999999999',
  '2147483648',
  '9007199254740993',
  '1e309',
  '%20',
  '%0d%0aX-Injected:%201',
];

const BAD_VALUES: readonly unknown[] = [
  null,
  0,
  -1,
  1e308,
  2 ** 31,
  true,
  '',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  'x'.repeat(200_000),
  [],
  ['a', 1],
  {},
  { $gt: '' },
  JSON.parse('{"__proto__":{"polluted":true}}'),
  JSON.parse(
    '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
  ),
];

/** Odd headers, added to some attempts (a caller's own bearer token replaces an odd Authorization). */
const BAD_HEADERS: Record<string, string>[] = [
  { authorization: 'Bearer' },
  { authorization: 'Bearer x.y.z' },
  { authorization: 'Basic Zm9vOmJhcg==' },
  { authorization: `Bearer ${'a'.repeat(4000)}` },
  { cookie: 'arkive_session=%ff%fe' },
  { cookie: 'arkive_session=; arkive_session=x.y' },
  { range: 'bytes=99999999999999999999-' },
  { range: 'bytes=-0,5-1' },
  { range: 'bytes=0-1', 'if-range': '"nope"' },
  { 'if-none-match': '*' },
  { 'x-request-id': '../../etc/passwd' },
  { 'x-forwarded-for': 'not-an-ip, 999.1.1.1' },
  { origin: 'null', 'sec-fetch-site': 'same-origin' },
];

const BAD_QUERY_VALUES = [
  '%00',
  'a%00b',
  '%ed%a0%80',
  '%ff',
  '-1',
  'abc',
  '1e309',
  '99999999999999999999',
  '2147483648',
  'x'.repeat(5000),
  'true,false',
  '%5B%5D',
];

interface Attempt {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

function validParam(route: RouteDef, name: string): string {
  switch (name) {
    case 'runid':
      return RUN;
    case 'username':
      return 'nobody';
    case 'name':
      return 'none.zip';
    case 'id':
      return route.path.startsWith('/api/users/') ? '999999' : opId;
    default:
      return 'x';
  }
}

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  anyOf?: JsonSchema[];
  minLength?: number;
  minimum?: number;
};

function jsonSchemaOf(schema: z.ZodType | undefined): JsonSchema {
  try {
    return schema ? (z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema) : {};
  } catch {
    return {};
  }
}

const keysOf = (schema: z.ZodType | undefined) => Object.keys(jsonSchemaOf(schema).properties ?? {});

/** A plausible value for a JSON schema (strings long enough for a password rule). */
function sampleOf(js: JsonSchema, all: boolean): unknown {
  if (js.const !== undefined) return js.const;
  if (js.enum) return js.enum[0];
  if (js.default !== undefined) return js.default;
  if (js.anyOf?.length) return sampleOf(js.anyOf[0], all);
  switch (js.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(js.properties ?? {}))
        if (all || js.required?.includes(k)) out[k] = sampleOf(v, all);
      return out;
    }
    case 'string':
      return 'sample-value-1'.padEnd(js.minLength ?? 0, 'x');
    case 'integer':
    case 'number':
      return Math.max(js.minimum ?? 1, 1);
    case 'boolean':
      return true;
    case 'array':
      return [];
    default:
      return 'sample';
  }
}

/** A body the route's schema accepts (so that a bad parameter, not the body, is what gets tested); `{}` if none is found. */
function validBody(route: RouteDef): unknown {
  const js = jsonSchemaOf(route.body);
  for (const candidate of [sampleOf(js, false), sampleOf(js, true)])
    if (route.body?.safeParse(candidate).success) return candidate;
  return {};
}

const enc = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null');

function bodyVariant(r: ReturnType<typeof prng>, route: RouteDef): Pick<Attempt, 'headers' | 'body'> {
  const keys = keysOf(route.body);
  const json = { 'content-type': 'application/json' };
  switch (Math.floor(r.next() * 12)) {
    case 0:
      return { headers: json, body: Buffer.from(r.pick(['null', '[]', '"s"', '123', '{', '{"a":', '{}x'])) };
    case 1:
      return { headers: json, body: Buffer.from('['.repeat(50_000) + ']'.repeat(50_000)) };
    case 2:
      return { headers: json, body: Buffer.from(`{"k":"${'y'.repeat(1_100_000)}"}`) };
    case 3: {
      const type = r.pick([
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=zz',
        'application/xml',
        'application/json; charset=utf-7',
        'application/json; charset=latin1',
        'application/octet-stream',
      ]);
      return { headers: { 'content-type': type }, body: Buffer.from(`${keys[0] ?? 'a'}=%00&role=owner`) };
    }
    case 4:
      return {
        headers: { ...json, 'content-encoding': r.pick(['gzip', 'br', 'deflate', 'x-unknown']) },
        body: r.next() < 0.5 ? Buffer.from('not compressed') : gzipSync('{"a":'),
      };
    case 5:
      // A JSON text with raw lone surrogate escapes and NUL escapes in keys and values.
      return { headers: json, body: Buffer.from(`{"${keys[0] ?? 'k'}":"\\ud800","\\u0000":"\\udc00x"}`) };
    default: {
      // The route's own keys, each with a bad value, the rest left out or also bad.
      const obj: Record<string, unknown> = {};
      for (const k of keys.length ? keys : ['a']) if (r.next() < 0.7) obj[k] = r.pick(BAD_VALUES);
      return { headers: json, body: enc(obj) };
    }
  }
}

function queryVariant(r: ReturnType<typeof prng>, route: RouteDef): string {
  const keys = [...keysOf(route.query), 'limit', 'offset', 'token', 'q'];
  const parts: string[] = [];
  const n = 1 + Math.floor(r.next() * 3);
  for (let i = 0; i < n; i++) parts.push(`${r.pick(keys)}=${r.pick(BAD_QUERY_VALUES)}`);
  if (r.next() < 0.15) parts.push('%ff=%fe', 'a[b][c]=1', 'limit=1&limit=2');
  return `?${parts.join('&')}`;
}

/**
 * `n` attempts on a route, one bad dimension at a time: a bad path parameter (with a body the
 * route accepts, so that the parameter reaches the handler; `cycle` carries on across callers so
 * every value of BAD_PARAMS meets every parameterised route), a bad query (checked before the
 * body, so sent without one), or a bad body.
 */
function attemptsFor(
  route: RouteDef,
  r: ReturnType<typeof prng>,
  n: number,
  cycle: { next: number },
): Attempt[] {
  const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
  const withBody = route.method !== 'get';
  const json = { 'content-type': 'application/json' };
  const out: Attempt[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 3 === 0 && names.length > 0 ? 'param' : i % 3 === 2 && withBody ? 'body' : 'query';
    const bad = kind === 'param' ? r.pick(names) : undefined;
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) =>
      name === bad ? BAD_PARAMS[cycle.next++ % BAD_PARAMS.length] : validParam(route, name),
    );
    const attempt: Attempt = {
      method: route.method.toUpperCase(),
      path: kind === 'query' ? path + queryVariant(r, route) : path,
      headers: kind === 'param' && withBody ? json : {},
      body: kind === 'param' && withBody ? enc(validBody(route)) : undefined,
    };
    if (kind === 'body') Object.assign(attempt, bodyVariant(r, route));
    if (r.next() < 0.3) attempt.headers = { ...attempt.headers, ...r.pick(BAD_HEADERS) };
    out.push(attempt);
  }
  return out;
}

function send(a: Attempt, auth?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...a.headers };
    if (auth) headers.authorization = `Bearer ${auth}`;
    if (a.body) headers['content-length'] = a.body.length;
    const req = http.request(`${base}${a.path}`, { method: a.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(a.body);
  });
}

// A stack frame ("    at fn (file.ts:1:2)", also JSON-escaped) or a source location; linear, so big bodies are cheap.
const STACK = /\s{2,}at \S+ \(|node_modules\/|\.[jt]s:\d+:\d+/;
const OTHER_SURFACES: RouteDef[] = [
  ['get', '/metrics'],
  ['get', '/admin/queues/api/queues'],
  ['put', '/admin/queues/api/queues/:name/retry/failed'],
  ['get', '/api/openapi.json'],
  ['get', '/api/no-such-route/:id'],
  ['post', '/api/no-such-route/:id'],
].map(([method, path]) => ({ method, path, summary: '', access: { kind: 'public' } }) as unknown as RouteDef);

const label = (r: RouteDef) => `${r.method.toUpperCase()} ${r.path}`;

test.each([...routes, ...OTHER_SURFACES].map((r, i) => [label(r), r, i] as const))(
  'no 5xx and no stack trace for bad input: %s',
  async (_l, route, i) => {
    const r = prng(SEED + i);
    const users = [owner, admin];
    // Fresh tokens per route: a fuzzed logout or password change must not end the next route's callers.
    const tokens = [
      undefined,
      ...(await Promise.all(
        users.map(
          async (u) => (await issueSessionToken(api.deps.config, { ...u, isAdmin: u === admin })).token,
        ),
      )),
    ];
    const failures: string[] = [];
    const cycle = { next: 0 };
    for (const token of tokens) {
      for (const a of attemptsFor(route, r, PER_ROUTE_AND_CALLER, cycle)) {
        const res = await send(a, token);
        const who = token ? (token === tokens[2] ? 'admin' : 'user') : 'anonymous';
        if (res.status >= 500 || STACK.test(res.body))
          failures.push(
            `${who} ${a.method} ${a.path.slice(0, 120)} ${a.headers['content-type'] ?? ''} → ${res.status} ${res.body.slice(0, 200)}`,
          );
      }
    }
    expect(failures).toEqual([]);
    expect(errorLogs.splice(0)).toEqual([]);
    if (route.path.includes(':')) expect(cycle.next).toBeGreaterThanOrEqual(BAD_PARAMS.length);
  },
);
