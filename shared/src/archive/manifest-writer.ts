import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import type { SpillBuffer } from './spill';

const BLOCK = 256 << 10;

/**
 * Builds the manifest while the snapshot runs, deflating it in 256 KiB blocks into a SpillBuffer
 * (blocks end with Z_SYNC_FLUSH, the last with Z_FINISH: together one raw deflate stream), so the
 * manifest of a huge run never sits in memory. Tracks the CRC-32, size and SHA-256 of the text.
 */
export class ManifestWriter {
  /** lines written, header and summary included */
  lines = 0;
  size = 0;
  crc = 0;
  private hash = createHash('sha256');
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(readonly deflated: SpillBuffer) {}

  async add(line: object): Promise<void> {
    const text = JSON.stringify(line) + '\n';
    this.pending.push(text);
    this.pendingChars += text.length;
    this.lines++;
    if (this.pendingChars >= BLOCK) await this.flush(false);
  }

  /** Deflate what is left; returns the SHA-256 (hex) of the whole manifest text. */
  async finish(): Promise<string> {
    await this.flush(true);
    return this.hash.digest('hex');
  }

  private async flush(final: boolean): Promise<void> {
    const buf = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingChars = 0;
    this.size += buf.length;
    this.crc = zlib.crc32(buf, this.crc);
    this.hash.update(buf);
    const flush = final ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH;
    await this.deflated.append(zlib.deflateRawSync(buf, { level: 6, finishFlush: flush }));
  }
}
