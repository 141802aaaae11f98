import { constants } from 'node:os';
import { BootstrapError } from '../errors';
import type { ShutdownReport } from '../reactor/shutdown-report';
import type { Application } from './application';

/** `bootstrap`'s `shutdownTimeoutMs` when none is given. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** Signals a process cannot catch: asking for them is a mistake bootstrap reports. */
const UNCATCHABLE = new Set(['SIGKILL', 'SIGSTOP']);

/** Checks `shutdownSignals` and `shutdownTimeoutMs` before anything is bound. */
export function checkShutdownOptions(signals: readonly string[], timeoutMs: number): void {
  for (const signal of signals) {
    if (!(signal in constants.signals) || UNCATCHABLE.has(signal)) {
      throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `shutdownSignals: ${JSON.stringify(signal)} is not a signal a process can handle; use names like 'SIGTERM' and 'SIGINT'`);
    }
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `shutdownTimeoutMs must be a finite number of ms >= 0, got ${timeoutMs}`);
  }
}

/**
 * Installs the shutdown signal handlers of `bootstrap({ shutdownSignals })`: the first signal
 * closes the application gracefully within `timeoutMs`, logs a one-line report and exits with
 * code 0 (1 if the close failed); a second signal destroys every connection and exits with
 * code 1 at once. The handlers are removed when the application has closed, however it was
 * closed. Returns the function that removes them.
 */
export function installShutdownSignals(app: Application, signals: readonly NodeJS.Signals[], timeoutMs: number): () => void {
  const logger = app.reactor.logger;
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received++;
    if (received > 1) {
      logger.warn(`${signal} again: aborting every connection now`);
      app.reactor.abortConnections();
      process.exit(1);
    }
    logger.info(`${signal}: shutting down gracefully (timeout ${timeoutMs} ms); another signal aborts`);
    app.close({ timeoutMs }).then(
      (report) => {
        logger.info(describeShutdown(report));
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutting down failed');
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.removeListener(signal, onSignal);
  };
}

/** The report on one line: `shut down in 12 ms: 20 connections closed, 1 aborted (Echo 20/1), ...`. */
export function describeShutdown(report: ShutdownReport): string {
  const perProtocol = Object.entries(report.protocols)
    .map(([name, counts]) => `${name}: ${counts.closed} closed, ${counts.aborted} aborted`)
    .join('; ');
  return (
    `shut down in ${Math.round(report.durationMs)} ms: ${report.closed} connections closed, ${report.aborted} aborted` +
    (perProtocol === '' ? '' : ` (${perProtocol})`) +
    `, ${report.clientsClosed} clients closed, ${report.framesDiscarded} frames discarded`
  );
}
