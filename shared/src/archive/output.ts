import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs/promises';

/** Sequential, buffered archive output that hashes (SHA-256) every byte it writes. */
export class ArchiveOutput {
  offset = 0;
  private hash: Hash = createHash('sha256');
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly fh: fs.FileHandle, private readonly flushAt = 1 << 20) {}

  async write(buf: Buffer): Promise<void> {
    if (buf.length === 0) return;
    this.hash.update(buf);
    this.offset += buf.length;
    if (buf.length >= this.flushAt) {
      await this.flush();
      await this.writeAll(buf);
      return;
    }
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (this.pendingBytes >= this.flushAt) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.pendingBytes) return;
    const buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    await this.writeAll(buf);
  }

  private async writeAll(buf: Buffer): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, done, buf.length - done);
      done += bytesWritten;
    }
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
