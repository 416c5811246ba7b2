import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | null | undefined;

/**
 * A full V8 collection, for the moment between two phases of a long operation when the first left
 * a lot of garbage (a restore's plan for 200,000 entries is ~130 MB) and the next is about to
 * allocate its own: V8 would otherwise grow the heap instead of collecting, and the process would
 * hold both. Node exposes `gc` only behind a flag, set here once (the documented caveat about
 * changing flags at run time concerns flags that alter compiled code; this one only adds a global
 * to new contexts). Does nothing if that is refused.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
