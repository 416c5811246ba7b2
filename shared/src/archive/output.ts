import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs/promises';
import { writeFully } from './file-io';

/**
 * Sequential, buffered archive output that hashes (SHA-256) every byte it writes. Small writes are
 * copied into one staging buffer, so callers may reuse their buffers as soon as `write` resolves.
 */
export class ArchiveOutput {
  offset = 0;
  private hash: Hash = createHash('sha256');
  private acc: Buffer;
  private used = 0;

  constructor(
    private readonly fh: fs.FileHandle,
    size = 1 << 20,
  ) {
    this.acc = Buffer.allocUnsafeSlow(size);
  }

  async write(buf: Buffer): Promise<void> {
    if (buf.length === 0) return;
    this.hash.update(buf);
    this.offset += buf.length;
    if (buf.length >= this.acc.length / 2) {
      await this.flush();
      await this.writeAll(buf);
      return;
    }
    if (buf.length > this.acc.length - this.used) await this.flush();
    buf.copy(this.acc, this.used);
    this.used += buf.length;
  }

  async flush(): Promise<void> {
    if (!this.used) return;
    const n = this.used;
    this.used = 0;
    await this.writeAll(this.acc.subarray(0, n));
  }

  private writeAll(buf: Buffer): Promise<void> {
    return writeFully(this.fh, buf);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
