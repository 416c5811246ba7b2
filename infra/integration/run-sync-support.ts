import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ARCHIVES_DIR, PROVENANCE_FILE } from '@arkive/shared';

/** Every entry of a run except archives/ (and the importer's .provenance.json): type, mode, content hash. */
export async function runTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && (e.name === ARCHIVES_DIR || e.name === PROVENANCE_FILE)) continue;
      const p = path.join(d, e.name);
      const st = await fs.lstat(p);
      if (e.isSymbolicLink()) out[r] = `link:${await fs.readlink(p)}`;
      else if (e.isDirectory()) {
        out[r] = `dir:${(st.mode & 0o777).toString(8)}`;
        await walk(p, r);
      } else
        out[r] = `file:${(st.mode & 0o777).toString(8)}:${createHash('sha256')
          .update(await fs.readFile(p))
          .digest('hex')}`;
    }
  };
  await walk(dir, '');
  return out;
}

export interface ProxiedRequest {
  method: string;
  url: string;
  range?: string;
  ifRange?: string;
  authorization?: string;
}

/** What the proxy does with one export download (GET .../export?...); default: pass it through. */
export interface ExportFault {
  /** Drop the client connection after this many body bytes (after running `beforeDrop`). */
  dropAfterBytes?: number;
  beforeDrop?: () => Promise<void>;
  /** Flip one bit of the body byte at this offset of the response body. */
  corruptAt?: number;
}

/**
 * A loopback HTTP proxy in front of a source API that records every request and can break export
 * downloads: drop the connection half way, or corrupt a byte (the headers stay the source's).
 */
export async function startFaultProxy(target: string) {
  const requests: ProxiedRequest[] = [];
  const faults: ExportFault[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push({
      method: req.method ?? 'GET',
      url,
      range: req.headers.range,
      ifRange: req.headers['if-range'] as string | undefined,
      authorization: req.headers.authorization,
    });
    const isExport = /\/export(\?|$)/.test(url);
    const fault = isExport ? faults.shift() : undefined;
    const upstream = http.request(
      `${target}${url}`,
      { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        let sent = 0;
        let dropping = false;
        up.on('data', (chunk: Buffer) => {
          if (dropping) return;
          let out = chunk;
          if (
            fault?.corruptAt !== undefined &&
            fault.corruptAt >= sent &&
            fault.corruptAt < sent + chunk.length
          ) {
            out = Buffer.from(chunk);
            out[fault.corruptAt - sent] ^= 0x01;
          }
          if (fault?.dropAfterBytes !== undefined && sent + out.length >= fault.dropAfterBytes) {
            dropping = true;
            const part = out.subarray(0, fault.dropAfterBytes - sent);
            up.pause();
            res.write(part, () => {
              void (fault.beforeDrop?.() ?? Promise.resolve()).finally(() => {
                req.socket.destroy();
                up.destroy();
              });
            });
            return;
          }
          sent += out.length;
          res.write(out);
        });
        up.on('end', () => {
          if (!dropping) res.end();
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    /** Faults for the next export downloads, in order. */
    faults,
    exportRequests: () => requests.filter((r) => /\/export(\?|$)/.test(r.url)),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
