/** Small flow-control helpers for the archive pipeline: an async FIFO and a byte budget. */

export function noop(): void {}

/** An async FIFO consumed with `for await`; `fail` makes the consumer throw. */
export class AsyncQueue<T> {
  private items: T[] = [];
  private waiter: (() => void) | null = null;
  private done = false;
  private error: unknown = null;

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }
  end(): void {
    this.done = true;
    this.wake();
  }
  fail(err: unknown): void {
    if (this.error === null) this.error = err;
    this.wake();
  }
  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      if (this.error !== null) throw this.error;
      if (this.items.length) {
        yield this.items.shift() as T;
        continue;
      }
      if (this.done) return;
      await new Promise<void>((r) => (this.waiter = r));
    }
  }
}

/** A counting budget (bytes or slots). `acquire` waits until enough is free; `fail` rejects waiters. */
export class Budget {
  private used = 0;
  private waiters: Array<{ n: number; resolve(): void; reject(e: unknown): void }> = [];
  private error: unknown = null;

  constructor(private readonly total: number) {}

  acquire(n: number): Promise<void> {
    n = Math.min(n, this.total);
    if (this.error !== null) return Promise.reject(this.error);
    if (this.used + n <= this.total && this.waiters.length === 0) {
      this.used += n;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waiters.push({ n, resolve, reject }));
  }
  /** Take `n` now if that needs no waiting. */
  tryAcquire(n: number): boolean {
    n = Math.min(n, this.total);
    if (this.error !== null || this.used + n > this.total || this.waiters.length > 0) return false;
    this.used += n;
    return true;
  }
  release(n: number): void {
    this.used -= Math.min(n, this.total);
    while (this.waiters.length && this.used + this.waiters[0].n <= this.total) {
      const w = this.waiters.shift()!;
      this.used += w.n;
      w.resolve();
    }
  }
  fail(err: unknown): void {
    this.error = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

/** Run `fn` over items with at most `limit` in flight; stops at the first error. */
export async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  async function lane(): Promise<void> {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  }
  const lanes = Array.from({ length: Math.min(limit, items.length) }, lane);
  const results = await Promise.allSettled(lanes);
  const bad = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (bad) throw bad.reason;
}
