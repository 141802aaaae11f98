import type { PrimaryMessage } from './messages';

/**
 * @internal
 * One worker process as the supervisor drives it: node:cluster's `Worker` in production
 * (node-cluster.ts), a fake in the supervisor's unit tests.
 */
export interface WorkerProcess {
  /** node:cluster's worker id: 1, 2, ... in fork order (a replacement gets a new one). */
  readonly id: number;
  readonly pid: number | undefined;
  /** Sends over the IPC channel; false when the channel is gone (the worker is exiting). */
  send(message: PrimaryMessage): boolean;
  /** Signals the process (no-op once it has exited). */
  kill(signal: NodeJS.Signals): void;
  /** Every message the worker sends (torsion's and the application's). */
  onMessage(listener: (message: unknown) => void): void;
  /**
   * Called once, when the process has exited and its IPC channel has closed (so every message
   * it sent has arrived, and node:cluster has released its share of the listeners).
   */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
}

/** @internal Starts the worker process of `slot` (0 to workers - 1). */
export type ForkWorker = (slot: number) => WorkerProcess;
