/**
 * The in-memory stand-in for "the transport's events arrive on a later turn of the event loop".
 *
 * A socket never calls back into its connection from inside a write or an `end()`: 'close' and
 * buffered 'data' come later. In-memory connections keep that property without making tests
 * wait: what a connection must do after the current call (close, deliver input held while it
 * was paused) is deferred until the outermost kit call (`send`, `peerClose`, `advance`, ...)
 * returns, so it is done by the time the test's next line runs. When nothing of the kit is on
 * the stack (an async handler resolved) it runs in a microtask instead.
 */

import { DeferredRunawayError } from './errors';

/** Something with deferred work; `runDeferred` may defer more (itself or others). */
export interface DeferredWork {
  runDeferred(): void;
}

/** A runaway ping-pong of deferred work means a bug in the kit; fail loudly instead of hanging. */
const MAX_DEFERRED_RUNS = 1_000_000;

let depth = 0;
let scheduled = false;
const dirty = new Set<DeferredWork>();

/** Runs `fn` as a kit entry point: deferred work runs once the outermost one returns. */
export function drive<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    if (--depth === 0) runAll();
  }
}

/** Asks for `target.runDeferred()` after the current kit call (or in a microtask). */
export function defer(target: DeferredWork): void {
  dirty.add(target);
  if (depth === 0 && !scheduled) {
    scheduled = true;
    queueMicrotask(runScheduled);
  }
}

/** True while `target` has deferred work not yet run. */
export function isDeferred(target: DeferredWork): boolean {
  return dirty.has(target);
}

function runScheduled(): void {
  scheduled = false;
  if (depth === 0) runAll();
}

function runAll(): void {
  depth++;
  try {
    for (let runs = 0; dirty.size > 0; runs++) {
      if (runs >= MAX_DEFERRED_RUNS) throw new DeferredRunawayError(runs);
      const [next] = dirty;
      dirty.delete(next);
      next.runDeferred();
    }
  } finally {
    depth--;
  }
}
