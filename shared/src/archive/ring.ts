/**
 * A FIFO allocator over one SharedArrayBuffer, shared by the snapshot writer and the deflate workers.
 *
 * Chunk data is read into a region, compressed by a worker into another part of that region and
 * written out from it, without a new ArrayBuffer per chunk. Transferred ArrayBuffers count as new
 * external memory for V8, and ~1.5 GB of them per GB archived made the main thread run a full
 * mark-compact every ~150 ms (~0.4 s of a 6 s snapshot). The ring is also the memory bound: what is
 * in flight can never exceed its size.
 *
 * Regions are released in any order but their space is reused in allocation order (the writer
 * consumes in archive order, so the oldest region is almost always the first released).
 */
export interface Region {
  readonly offset: number;
  readonly length: number;
}

interface Live extends Region {
  released: boolean;
}

export class SharedRing {
  readonly sab: SharedArrayBuffer;
  private live: Live[] = [];
  /** where the next region starts */
  private head = 0;
  private waiters: Array<{ length: number; resolve(r: Region): void; reject(e: unknown): void }> = [];
  private error: unknown = null;

  constructor(readonly size: number) {
    this.sab = new SharedArrayBuffer(size);
  }

  /** Largest region that can be asked for: half the ring, so two never deadlock each other. */
  get maxRegion(): number {
    return Math.floor(this.size / 2);
  }

  acquire(length: number): Promise<Region> {
    if (length > this.maxRegion)
      return Promise.reject(new RangeError(`region of ${length} B exceeds the ring`));
    if (this.error !== null) return Promise.reject(this.error);
    if (this.waiters.length === 0) {
      const r = this.take(length);
      if (r) return Promise.resolve(r);
    }
    return new Promise((resolve, reject) => this.waiters.push({ length, resolve, reject }));
  }

  /** A Buffer view of (part of) a region. */
  view(r: Region, from = 0, length = r.length - from): Buffer {
    return Buffer.from(this.sab, r.offset + from, length);
  }

  release(r: Region): void {
    const live = this.live.find((l) => l.offset === r.offset && !l.released);
    if (!live) return;
    live.released = true;
    while (this.live.length && this.live[0].released) this.live.shift();
    if (!this.live.length) this.head = 0;
    while (this.waiters.length) {
      const got = this.take(this.waiters[0].length);
      if (!got) break;
      this.waiters.shift()!.resolve(got);
    }
  }

  fail(err: unknown): void {
    this.error = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private take(length: number): Region | null {
    const n = Math.max(1, length);
    let at: number;
    if (!this.live.length) at = 0;
    else {
      const oldest = this.live[0].offset;
      if (this.head > oldest) {
        // [oldest, head) in use: free space at the end, then at the start
        if (this.head + n <= this.size) at = this.head;
        else if (n <= oldest) at = 0;
        else return null;
      } else {
        // wrapped: [oldest, size) and [0, head) in use
        if (this.head + n <= oldest) at = this.head;
        else return null;
      }
    }
    this.live.push({ offset: at, length, released: false });
    this.head = at + n;
    return { offset: at, length };
  }
}
