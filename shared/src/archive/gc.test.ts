import { collectGarbage } from './gc';

function allocateAndDrop(): number {
  const junk = Array.from({ length: 200 }, (_, i) => new Array<number>(50_000).fill(i));
  return junk.length;
}

test('collectGarbage reclaims memory that is no longer referenced', () => {
  expect(allocateAndDrop()).toBe(200);
  const held = process.memoryUsage().heapUsed;
  collectGarbage();
  // ~80 MB of arrays became unreachable; a full collection returns most of it at once.
  expect(process.memoryUsage().heapUsed).toBeLessThan(held - 40e6);
});
