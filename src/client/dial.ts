import * as net from 'node:net';
import { ConnectError, OptionError } from '../errors';
import type { Reactor } from '../reactor/reactor';

/** Where a client connects. */
export interface ConnectTarget {
  /** Default 'tcp'. */
  transport?: string;
  /** Default '127.0.0.1'. */
  host?: string;
  port?: number;
  /** Unix socket path. */
  path?: string;
  /** Give up after this long (reactor clock); default 10 s. */
  timeoutMs?: number;
  /** Further transport-specific options (TLS...). */
  [option: string]: unknown;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens a stream socket; resolves once connected, rejects with a `ConnectError`
 * (TORSION_ERR_CONNECT_REFUSED / _TIMEOUT / _CONNECT) naming the address.
 */
export function dialStream(reactor: Reactor, target: ConnectTarget, highWaterMark: number): Promise<net.Socket> {
  const timeoutMs = target.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new OptionError(`connect timeoutMs must be a positive number, got ${timeoutMs}`);
  const where = target.path ?? `${target.host ?? '127.0.0.1'}:${String(target.port)}`;
  // highWaterMark reaches the socket's stream options (node:net passes them on), though @types/node omits it.
  const options = (
    target.path !== undefined
      ? { path: target.path, allowHalfOpen: true, highWaterMark }
      : { host: target.host ?? '127.0.0.1', port: target.port as number, allowHalfOpen: true, highWaterMark }
  ) as unknown as net.NetConnectOpts;
  if (target.path === undefined && (!Number.isInteger(target.port) || (target.port as number) < 1 || (target.port as number) > 65535)) {
    throw new OptionError(`connect needs a port from 1 to 65535 (or a path), got ${String(target.port)}`);
  }
  return new Promise((resolve, reject) => {
    const socket = net.connect(options);
    const timer = reactor.callLater(timeoutMs, () => {
      socket.destroy();
      reject(new ConnectError('TORSION_ERR_CONNECT_TIMEOUT', `connecting to ${where} timed out after ${timeoutMs} ms`));
    });
    const onError = (error: NodeJS.ErrnoException): void => {
      timer.cancel();
      const code = error.code === 'ECONNREFUSED' ? 'TORSION_ERR_CONNECT_REFUSED' : 'TORSION_ERR_CONNECT';
      reject(new ConnectError(code, `connecting to ${where} failed: ${error.message}`, { cause: error }));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      timer.cancel();
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
