import type { BoundAddress } from '../../transport/binder';
import type { ShutdownReport } from '../../reactor/shutdown-report';

/**
 * @internal
 * What the primary and its workers say to each other over the cluster IPC channel. Every message
 * carries `torsion` (its kind), so the application's own `process.send` / `worker.send` messages
 * pass by untouched.
 */

/** Environment variable naming a torsion worker's slot (set by the primary on fork). */
export const WORKER_SLOT_ENV = 'TORSION_WORKER_SLOT';

/** Worker → primary: every listener is bound (port 0 resolved). */
export interface ReadyMessage {
  readonly torsion: 'ready';
  readonly addresses: BoundAddress[];
}

/** Worker → primary: its bootstrap failed (then it exits). */
export interface FailedMessage {
  readonly torsion: 'failed';
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}

/** Worker → primary: the answer to a request. */
export interface ReplyMessage {
  readonly torsion: 'reply';
  readonly requestId: number;
  readonly body: unknown;
}

/** Worker → primary: its application has closed (just before it exits). */
export interface ClosedMessage {
  readonly torsion: 'closed';
  readonly report: ShutdownReport;
}

/** Primary → worker: asks for its metrics (prom-client `getMetricsAsJSON()`) or its health report. */
export interface RequestMessage {
  readonly torsion: 'metrics' | 'health';
  readonly requestId: number;
}

/** Primary → worker: close gracefully within `timeoutMs`, then exit. */
export interface ShutdownMessage {
  readonly torsion: 'shutdown';
  readonly timeoutMs: number;
}

/** Anything a worker sends the primary. */
export type WorkerMessage = ReadyMessage | FailedMessage | ReplyMessage | ClosedMessage;
/** Anything the primary sends a worker. */
export type PrimaryMessage = RequestMessage | ShutdownMessage;

/** Whether `message` is one of torsion's (and not the application's own). */
export function isTorsionMessage<T extends { readonly torsion: string }>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && typeof (message as { torsion?: unknown }).torsion === 'string';
}
