/**
 * One turn of the real event loop: every queued microtask (promise continuations) runs, then
 * pending I/O callbacks get their chance. Not a sleep: it waits for no timer, real or virtual.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
