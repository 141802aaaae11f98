import cluster from 'node:cluster';
import { TorsionError, describe } from '../../errors';
import type { ShutdownReport } from '../../reactor/shutdown-report';
import type { Application } from '../application';
import { describeShutdown } from '../shutdown-signals';
import { isTorsionMessage, WORKER_SLOT_ENV, type PrimaryMessage, type WorkerMessage } from './messages';

/** @internal Who this process is when a torsion primary forked it. */
export interface WorkerIdentity {
  /** node:cluster's worker id (`app.worker`). */
  readonly id: number;
  /** Its slot in the pool. */
  readonly slot: number;
}

/**
 * @internal
 * What this process is to `bootstrap(M, { workers })`: the primary, a worker a torsion primary
 * forked, or 'foreign', a node:cluster worker someone else forked (which runs as one process).
 */
export function clusterRole(): 'primary' | 'foreign' | WorkerIdentity {
  if (cluster.isPrimary) return 'primary';
  const slot = process.env[WORKER_SLOT_ENV];
  if (cluster.worker === undefined || slot === undefined) return 'foreign';
  return { id: cluster.worker.id, slot: Number(slot) };
}

/**
 * @internal
 * Tells the primary that this worker's bootstrap failed (it rejects its own bootstrap with the
 * same code). Resolves once the message is written: the caller usually exits next.
 */
export function reportFailure(error: unknown): Promise<void> {
  const code = error instanceof TorsionError ? error.code : 'TORSION_ERR_WORKER_FAILED';
  const target = (error as { target?: unknown } | undefined)?.target;
  return new Promise((resolve) => send({ torsion: 'failed', code, message: describe(error), target: typeof target === 'string' ? target : undefined }, resolve));
}

/**
 * @internal
 * Makes a bootstrapped application a cluster worker: tells the primary its addresses, answers
 * its metrics and health requests, and shuts down when the primary says so or on one of
 * `signals` (with Ctrl-C, the whole process group gets SIGINT): a graceful `app.close()`
 * within `timeoutMs`, its report sent to the primary, exit code 0 (1 if the close failed). A
 * second signal aborts every connection and exits with code 1. When the application closes in
 * any other way, the process exits too, and the primary replaces it.
 */
export function joinCluster(app: Application, signals: readonly NodeJS.Signals[], timeoutMs: number): void {
  const logger = app.reactor.logger;
  let shuttingDown = false;
  const shutdown = (within: number, why: string): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info(`${why}: shutting down gracefully (timeout ${within} ms)`);
    app.close({ timeoutMs: within }).then(
      (report: ShutdownReport) => {
        logger.info(describeShutdown(report));
        send({ torsion: 'closed', report }, () => process.exit(0));
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutting down failed');
        process.exit(1);
      },
    );
  };
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++received > 1) {
      logger.warn(`${signal} again: aborting every connection now`);
      app.reactor.abortConnections();
      process.exit(1);
    }
    shutdown(timeoutMs, signal);
  };
  const onMessage = (message: unknown): void => {
    if (!isTorsionMessage<PrimaryMessage>(message)) return;
    switch (message.torsion) {
      case 'shutdown':
        return shutdown(message.timeoutMs, 'the primary is shutting down');
      case 'metrics': {
        const registry = app.metricsRegistry;
        if (registry === undefined) return send({ torsion: 'reply', requestId: message.requestId, body: null });
        registry.getMetricsAsJSON().then(
          (body) => send({ torsion: 'reply', requestId: message.requestId, body }),
          (error: unknown) => {
            logger.error({ err: error }, 'collecting metrics failed');
            send({ torsion: 'reply', requestId: message.requestId, body: null });
          },
        );
        return;
      }
      case 'health':
        return send({ torsion: 'reply', requestId: message.requestId, body: app.health() });
    }
  };
  for (const signal of signals) process.on(signal, onSignal);
  process.on('message', onMessage);
  app.onClosed = () => {
    for (const signal of signals) process.removeListener(signal, onSignal);
    process.removeListener('message', onMessage);
    // Closed by the application itself: this worker is done, and the primary forks another.
    if (!shuttingDown) setImmediate(() => process.exit(0));
  };
  send({ torsion: 'ready', addresses: app.addresses });
}

/** Sends to the primary; `then` runs once it is written (or at once when the channel is gone: the primary has exited). */
function send(message: WorkerMessage, then?: () => void): void {
  if (process.send === undefined || !process.connected) {
    then?.();
    return;
  }
  process.send(message, undefined, undefined, () => then?.());
}
