import cluster from 'node:cluster';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { OptionError } from '../errors';
import type { Binder } from './binder';
import type { Logger } from '../logger';
import { boundAddress, closeServer, listenStream } from './stream-listener';
import { serverErrorLogger } from './server-errors';
import { streamAcceptor } from './proxy-reader';

/** How long probing an existing socket file may take before it is called stale. */
const PROBE_TIMEOUT_MS = 1000;

/**
 * `@Listen({ transport: 'unix', path, mode })`. A socket file left by a crashed run is detected
 * (nothing accepts on it) and replaced (except in a node:cluster worker); one something still
 * answers on is EADDRINUSE; a path that is not a socket is never deleted. `mode` (e.g. 0o660) is applied right after binding.
 * node:net removes the file when the listener closes (app.close()).
 */
export const bindUnix: Binder = async (plan, accept, context) => {
  const { options, table } = plan;
  const path = options.path;
  if (typeof path !== 'string' || path === '') throw new OptionError(`@Listen on ${table.name} with transport 'unix' needs a path (the socket file)`);
  const mode = parseMode(options.mode, table.name);
  // In a node:cluster worker the primary binds the path once for every worker: a sibling
  // answering the probe is no stale file, and unlinking could remove the live socket. A stale
  // file there is the primary's EADDRINUSE, reported as any bind failure.
  if (!cluster.isWorker) await clearStaleSocket(path, context.reactor.logger);
  const server = await listenStream(
    { path, backlog: options.backlog, highWaterMark: table.writeHighWaterMark, socket: plan.socket, onServerError: serverErrorLogger(context, plan) },
    streamAcceptor(plan, accept, 'unix', context),
  );
  if (mode !== undefined) {
    try {
      await fs.promises.chmod(path, mode);
    } catch (error) {
      await closeServer(server);
      throw error;
    }
  }
  return { address: boundAddress(server, table.name, 'unix'), close: () => closeServer(server) };
};

function parseMode(mode: unknown, name: string): number | undefined {
  if (mode === undefined) return undefined;
  const value = typeof mode === 'string' && /^[0-7]{3,4}$/.test(mode) ? parseInt(mode, 8) : mode;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0o7777) {
    throw new OptionError(`@Listen on ${name}: mode must be a file mode like 0o660 (or the string '660'), got ${String(mode)}`);
  }
  return value;
}

/** Unlinks `path` if it is a socket nobody accepts on; throws EADDRINUSE if someone does. */
export async function clearStaleSocket(path: string, logger: Logger): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!stat.isSocket()) {
    // Node-style errors on purpose (code EEXIST / EADDRINUSE, as listen() itself reports): the
    // caller, Application.listen, wraps every bind failure in a BootstrapError by that code.
    throw Object.assign(new Error(`${path} exists and is not a socket; not removing it: delete it or choose another path`), { code: 'EEXIST' });
  }
  const answered = await probe(path);
  if (answered) {
    throw Object.assign(new Error(`a process is accepting connections on ${path}`), { code: 'EADDRINUSE' });
  }
  await fs.promises.unlink(path);
  logger.info({ path }, 'removed a stale unix socket file (nothing was accepting on it)');
}

/** True if something accepts a connection on the socket file; false on ECONNREFUSED (stale). */
function probe(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path });
    // Real time on purpose: this runs at bootstrap, before any virtual clock is advanced.
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(true); // it exists and does not refuse: treat as in use rather than delete it
    }, PROBE_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ECONNREFUSED') resolve(false);
      else reject(error);
    });
  });
}
