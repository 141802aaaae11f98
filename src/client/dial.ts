import * as net from 'node:net';
import * as tls from 'node:tls';
import { ConnectError, OptionError } from '../errors';
import type { IdleTimes } from '../dispatch/handler-table';
import { idleTimes } from '../dispatch/idle-times';
import type { ConnectTarget } from '../decorators/options';
import type { Reactor } from '../reactor/reactor';
import { socketSettings, type SocketSettings } from '../transport/socket-options';
import { checkProxySend } from '../transport/proxy-header-encode';

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const STREAM_TRANSPORTS = new Set(['tcp', 'tls', 'unix']);

/** The transport a target asks for, checked: 'tcp' | 'tls' | 'unix'. */
export function targetTransport(target: ConnectTarget): string {
  const transport = target.transport ?? (target.path !== undefined ? 'unix' : 'tcp');
  if (!STREAM_TRANSPORTS.has(transport)) {
    throw new OptionError(`connect transport must be one of ${[...STREAM_TRANSPORTS].join(', ')}, got '${transport}'`);
  }
  if (transport === 'unix' && (typeof target.path !== 'string' || target.path === '')) throw new OptionError(`connect with transport 'unix' needs a path`);
  return transport;
}

/**
 * Checks a target as a whole (transport, port or path, timeout) and returns what dialling needs;
 * throws an OptionError naming the fix. Shared by `connect()` and the bootstrap check of `@Connect`.
 */
export function checkTarget(target: ConnectTarget, protocolIdle?: IdleTimes): { transport: string; timeoutMs: number; socket: SocketSettings; idle: IdleTimes | undefined } {
  const transport = targetTransport(target);
  const timeoutMs = target.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new OptionError(`timeoutMs must be a positive number, got ${timeoutMs}`);
  if (transport !== 'unix' && (!Number.isInteger(target.port) || (target.port as number) < 1 || (target.port as number) > 65535)) {
    throw new OptionError(`connect needs a port from 1 to 65535 (or a path), got ${String(target.port)}`);
  }
  const where = `connect to ${describeTarget(target)}`;
  checkProxySend(target.proxyProtocol, transport, where);
  return { transport, timeoutMs, socket: socketSettings(target, transport, where), idle: idleTimes(target.idle, protocolIdle, where) };
}

/** `host:port` or the path, for messages. */
export function describeTarget(target: ConnectTarget): string {
  return target.path ?? `${target.host ?? '127.0.0.1'}:${String(target.port)}`;
}

/**
 * Opens a stream socket (TCP, TLS or Unix); resolves once connected (for TLS: once the handshake
 * is done and the server's certificate verified), rejects with a `ConnectError`
 * (TORSION_ERR_CONNECT_REFUSED / _TIMEOUT / _CONNECT) naming the address.
 */
export function dialStream(reactor: Reactor, target: ConnectTarget, highWaterMark: number): Promise<net.Socket> {
  const { transport, timeoutMs } = checkTarget(target);
  const where = describeTarget(target);
  const host = target.host ?? '127.0.0.1';
  // highWaterMark reaches the socket's stream options (node:net passes them on), though @types/node omits it.
  const base = (transport === 'unix' ? { path: target.path, allowHalfOpen: true, highWaterMark } : { host, port: target.port as number, allowHalfOpen: true, highWaterMark }) as unknown as net.NetConnectOpts;
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    let ready: string;
    if (transport === 'tls') {
      const servername = target.tls?.servername ?? (net.isIP(host) === 0 ? host : undefined);
      socket = tls.connect({ minVersion: 'TLSv1.2', ...target.tls, ...(base as tls.ConnectionOptions), servername });
      ready = 'secureConnect';
    } else {
      socket = net.connect(base);
      ready = 'connect';
    }
    const giveUp = (error: ConnectError): void => {
      timer.cancel();
      untrack();
      socket.off('error', onError);
      socket.on('error', ignore);
      socket.destroy();
      reject(error);
    };
    const timer = reactor.callLater(timeoutMs, () => giveUp(new ConnectError('TORSION_ERR_CONNECT_TIMEOUT', `connecting to ${transport} ${where} timed out after ${timeoutMs} ms`)));
    // app.close() while still dialling: the socket must not outlive the application.
    const untrack = reactor.track({ abort: () => giveUp(new ConnectError('TORSION_ERR_CONNECT', `connecting to ${transport} ${where} was abandoned: the application is closing`)) });
    const onError = (error: NodeJS.ErrnoException): void => {
      timer.cancel();
      untrack();
      const code = error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'TORSION_ERR_CONNECT_REFUSED' : 'TORSION_ERR_CONNECT';
      reject(new ConnectError(code, `connecting to ${transport} ${where} failed: ${error.message}`, { cause: error }));
    };
    socket.once('error', onError);
    socket.once(ready, () => {
      timer.cancel();
      untrack();
      socket.off('error', onError);
      // Until the connection attaches its own listener, an early error must not be uncaught.
      socket.once('error', ignore);
      resolve(socket);
    });
  });
}

function ignore(): void {}
