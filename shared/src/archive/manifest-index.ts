import type { ManifestEntry } from './manifest';

const TYPES = ['f', 'd', 'l'] as const;
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The manifest's entries by path, kept in typed arrays (~60 B per entry plus the path) instead of
 * one object each (~270 B): a restore of a huge run holds every entry of its manifest. `get`
 * returns a fresh ManifestEntry.
 */
export class ManifestIndex {
  private byPath = new Map<string, number>();
  private cap = 0;
  private type = new Uint8Array(0);
  private hasHash = new Uint8Array(0);
  private mode = new Uint32Array(0);
  private sizes = new Float64Array(0);
  private mtimes = new Float64Array(0);
  private hashes = new Uint8Array(0);
  private links = new Map<number, string>();

  get size(): number {
    return this.byPath.size;
  }

  has(path: string): boolean {
    return this.byPath.has(path);
  }

  keys(): IterableIterator<string> {
    return this.byPath.keys();
  }

  /** Adds a parsed line; throws on a malformed or duplicated one (`what` names it in the error). */
  add(e: ManifestEntry, what: string): void {
    const t = TYPES.indexOf(e.t);
    if (
      typeof e.p !== 'string' ||
      t < 0 ||
      typeof e.s !== 'number' ||
      typeof e.m !== 'number' ||
      typeof e.mt !== 'number' ||
      (e.h !== undefined && !(typeof e.h === 'string' && HEX64.test(e.h))) ||
      (e.l !== undefined && typeof e.l !== 'string') ||
      this.byPath.has(e.p)
    )
      throw new Error(`${what} is invalid or duplicated`);
    const i = this.byPath.size;
    if (i === this.cap) this.grow();
    this.byPath.set(e.p, i);
    this.type[i] = t;
    this.sizes[i] = e.s;
    this.mode[i] = e.m;
    this.mtimes[i] = e.mt;
    if (e.h !== undefined) {
      this.hasHash[i] = 1;
      this.hashes.set(Buffer.from(e.h, 'hex'), i * 32);
    }
    if (e.l !== undefined) this.links.set(i, e.l);
  }

  get(path: string): ManifestEntry | undefined {
    const i = this.byPath.get(path);
    if (i === undefined) return undefined;
    const e: ManifestEntry = {
      p: path,
      t: TYPES[this.type[i]],
      s: this.sizes[i],
      m: this.mode[i],
      mt: this.mtimes[i],
    };
    if (this.hasHash[i])
      e.h = Buffer.from(this.hashes.buffer, this.hashes.byteOffset + i * 32, 32).toString('hex');
    const l = this.links.get(i);
    if (l !== undefined) e.l = l;
    return e;
  }

  private grow(): void {
    const cap = Math.max(1024, this.cap * 2);
    const grown = <T extends Uint8Array | Uint32Array | Float64Array>(a: T, per = 1): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * per);
      b.set(a);
      return b;
    };
    this.type = grown(this.type);
    this.hasHash = grown(this.hasHash);
    this.mode = grown(this.mode);
    this.sizes = grown(this.sizes);
    this.mtimes = grown(this.mtimes);
    this.hashes = grown(this.hashes, 32);
    this.cap = cap;
  }
}
