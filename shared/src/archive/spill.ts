import fs from 'node:fs/promises';
import { writeFully } from './file-io';

/**
 * An append-only byte list that stays in memory up to `memLimit` and continues in a temp file,
 * so what a snapshot must keep until its end (central directory, deflated manifest) does not
 * grow the process with the number of entries. Read back in order with `chunks()`.
 */
export class SpillBuffer {
  length = 0;
  private blocks: Buffer[] = [];
  private current: Buffer;
  private used = 0;
  private inMemory = 0;
  private file: fs.FileHandle | null = null;
  private fileBytes = 0;

  constructor(
    private readonly spillPath: string,
    private readonly memLimit = 8 << 20,
    private readonly blockSize = 1 << 20,
  ) {
    this.current = Buffer.allocUnsafe(blockSize);
  }

  async append(buf: Buffer): Promise<void> {
    this.length += buf.length;
    let done = 0;
    while (done < buf.length) {
      if (this.used === this.current.length) await this.retireBlock();
      const n = buf.copy(this.current, this.used, done);
      this.used += n;
      done += n;
    }
  }

  /** A full block stays in memory while under the limit, else goes to the file (whole blocks only). */
  private async retireBlock(): Promise<void> {
    if (!this.file && this.inMemory + this.used <= this.memLimit) {
      this.blocks.push(this.current);
      this.inMemory += this.used;
      this.current = Buffer.allocUnsafe(this.blockSize);
    } else {
      this.file ??= await fs.open(this.spillPath, 'wx+', 0o600);
      await writeFully(this.file, this.current.subarray(0, this.used), this.fileBytes);
      this.fileBytes += this.used;
    }
    this.used = 0;
  }

  /** The content in order: blocks kept in memory, the file in 1 MiB pieces, then the last block. */
  async *chunks(): AsyncGenerator<Buffer> {
    for (const b of this.blocks) yield b;
    if (this.file) {
      const piece = Buffer.allocUnsafe(1 << 20);
      for (let pos = 0; pos < this.fileBytes;) {
        const { bytesRead } = await this.file.read(
          piece,
          0,
          Math.min(piece.length, this.fileBytes - pos),
          pos,
        );
        if (bytesRead === 0) throw new Error(`spill file ${this.spillPath} is shorter than written`);
        pos += bytesRead;
        yield piece.subarray(0, bytesRead);
      }
    }
    if (this.used) yield this.current.subarray(0, this.used);
  }

  /** Close and delete the temp file (if any); safe to call more than once. */
  async dispose(): Promise<void> {
    const f = this.file;
    this.file = null;
    this.blocks = [];
    if (!f) return;
    await f.close().catch(() => undefined);
    await fs.rm(this.spillPath, { force: true }).catch(() => undefined);
  }
}
