import 'reflect-metadata';
import cluster from 'node:cluster';
import { bootstrap, formatAddress, ConsoleLogger, TorsionError, type Application, type BootstrapOptions, type ModuleImport } from 'torsion';
import type { ListenOptions } from 'torsion';

/**
 * The convention every example follows: `PORT` overrides its port (with several listeners,
 * listener i gets PORT + i; PORT=0 gives each a free port), `HOST` its interface, one line
 * `listening <transport> <host>:<port>` per listener on stdout once bound, and SIGINT/SIGTERM
 * close the application gracefully (bootstrap's `shutdownSignals`: exit code 0, or 1 after a
 * second signal). `WORKERS` (a number or `auto`) runs it in that many worker processes
 * (bootstrap's `workers`); the listening lines then come from the primary alone, once every
 * worker listens. `rootModule` is a module class or a configured module.
 *
 * A start that fails (a port in use, a module that does not wire up) prints the error's message
 * on one stderr line and exits with code 1: the promise never rejects, so a main.ts may start
 * an example with `void runExample(...)` and still never leave an unhandled rejection.
 */
export function runExample(rootModule: ModuleImport, options: BootstrapOptions = {}): Promise<Application> {
  return start(rootModule, options).catch(exitOnStartFailure);
}

/** A TorsionError (BootstrapError...) says what to do in its message; anything else is a bug: its stack helps. */
function exitOnStartFailure(error: unknown): never {
  // A cluster worker's failure is the primary's to report (its bootstrap rejects with it).
  if (cluster.isWorker) process.exit(1);
  const text = error instanceof TorsionError ? `${error.message.replace(/\s*\n\s*/g, ' ')} (${error.code})` : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${text}\n`);
  process.exit(1);
}

async function start(rootModule: ModuleImport, options: BootstrapOptions): Promise<Application> {
  const port = process.env.PORT === undefined || process.env.PORT === '' ? undefined : Number(process.env.PORT);
  const host = process.env.HOST === '' ? undefined : process.env.HOST;
  let next = 0;
  const listen =
    port === undefined && host === undefined
      ? options.listen
      : (_cls: unknown, opts: ListenOptions): ListenOptions => {
          if (opts.path !== undefined) return opts;
          const chosen = port === undefined ? opts.port : port === 0 ? 0 : port + next++;
          return { ...opts, port: chosen, host: host ?? opts.host };
        };
  const workers = process.env.WORKERS === undefined || process.env.WORKERS === '' ? undefined : process.env.WORKERS === 'auto' ? 'auto' : Number(process.env.WORKERS);
  const app = await bootstrap(rootModule, {
    logger: new ConsoleLogger({ level: (process.env.TORSION_LOG_LEVEL as never) ?? 'warn' }),
    // The library's handlers: the first signal shuts down gracefully and exits 0, a second aborts (exit 1).
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    workers,
    ...options,
    listen,
  });
  // In a cluster, the primary prints the (shared) addresses; its workers print nothing.
  if (app.worker !== undefined) return app;
  for (const address of app.addresses) process.stdout.write(`listening ${address.transport} ${formatAddress(address)}\n`);
  return app;
}
