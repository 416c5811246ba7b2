import { SharedRing, type Region } from './ring';

describe('SharedRing', () => {
  it('hands out non-overlapping regions and reuses space in allocation order', async () => {
    const ring = new SharedRing(100);
    const a = await ring.acquire(40);
    const b = await ring.acquire(40);
    expect([a.offset, b.offset]).toEqual([0, 40]);
    let c: Region | null = null;
    const pending = ring.acquire(30).then((r) => (c = r));
    await Promise.resolve();
    expect(c).toBeNull(); // only 20 B left at the end, the start is still in use
    ring.release(b); // out of order: a still holds the front
    await Promise.resolve();
    expect(c).toBeNull();
    ring.release(a);
    await pending;
    expect(c).toEqual({ offset: 0, length: 30 });
  });

  it('wraps around and never lets a region cross the oldest live one', async () => {
    const ring = new SharedRing(100);
    const a = await ring.acquire(30);
    const b = await ring.acquire(30);
    const c = await ring.acquire(30);
    ring.release(a);
    const d = await ring.acquire(25); // fits before b at the start
    expect(d.offset).toBe(0);
    let e: Region | null = null;
    void ring.acquire(10).then((r) => (e = r));
    await Promise.resolve();
    expect(e).toBeNull(); // wrapped: only the 5 B between d and b can be used
    ring.release(b);
    ring.release(c);
    await Promise.resolve();
    expect(e).not.toBeNull();
    ring.release(d);
    ring.release(e!);
    expect((await ring.acquire(50)).offset).toBe(0);
  });

  it('keeps live regions disjoint under a random workload', async () => {
    const ring = new SharedRing(1000);
    let seed = 9;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const live: Region[] = [];
    for (let i = 0; i < 5000; i++) {
      if (live.length && (rand(3) === 0 || live.length > 20)) {
        const [r] = live.splice(rand(Math.min(3, live.length)), 1);
        ring.release(r);
        continue;
      }
      const want = 1 + rand(300);
      const got = await Promise.race([
        ring.acquire(want),
        new Promise<null>((r) => setImmediate(() => r(null))),
      ]);
      if (!got) {
        // blocked: free everything, the waiter must then be served
        for (const r of live.splice(0)) ring.release(r);
        await new Promise((r) => setImmediate(r));
        continue;
      }
      for (const o of live)
        expect(got.offset + got.length <= o.offset || o.offset + o.length <= got.offset).toBe(true);
      expect(got.offset + got.length).toBeLessThanOrEqual(1000);
      live.push(got);
    }
  });

  it('refuses regions over half its size, and fails waiters with the pipeline error', async () => {
    const ring = new SharedRing(100);
    await expect(ring.acquire(51)).rejects.toThrow(/exceeds the ring/);
    await ring.acquire(50);
    await ring.acquire(50);
    const waiting = ring.acquire(10);
    ring.fail(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    await expect(ring.acquire(1)).rejects.toThrow('cancelled');
  });

  it('views share memory with the SharedArrayBuffer', async () => {
    const ring = new SharedRing(64);
    const r = await ring.acquire(8);
    ring.view(r).write('abcdefgh');
    expect(Buffer.from(ring.sab, r.offset, 8).toString()).toBe('abcdefgh');
    expect(ring.view(r, 2, 3).toString()).toBe('cde');
  });
});
