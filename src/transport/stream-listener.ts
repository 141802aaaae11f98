import * as net from 'node:net';
import type { BoundAddress } from './binder';
import type { SocketSettings } from './socket-options';

/**
 * What `listenStream` binds: a TCP `port`/`host` (port 0 picks a free one), or a Unix `path`, with the listen `backlog` (node's default when unset).
 */
export interface StreamListenOptions {
  port?: number;
  host?: string;
  path?: string;
  backlog?: number;
  /** Socket buffer high-water mark (read and write), bytes. */
  highWaterMark: number;
  /** The listener's noDelay / keepAlive, which node applies to each socket as it accepts it. */
  socket: SocketSettings;
  /**
   * Errors once listening (accept failing with EMFILE/ENFILE under load): logged, never thrown —
   * an unhandled 'error' on the server would end the process.
   */
  onServerError: (error: Error) => void;
}

/**
 * Binds a `net.Server` and resolves once listening (rejects with the bind error, e.g.
 * EADDRINUSE). `allowHalfOpen` so a peer's FIN still lets us answer what it sent.
 *
 * The socket options go to the server, not to each socket: node sets them on the accepted
 * handle before the socket reaches `onSocket` (as a hand-written server does), and a
 * `socket.setNoDelay` call per accept was a JS call and three megamorphic lookups more
 * (callgrind, connection churn: ~500 instructions of ~139,000). A Unix socket has neither option
 * (node skips them there).
 */
export function listenStream(options: StreamListenOptions, onSocket: (socket: net.Socket) => void): Promise<net.Server> {
  const { noDelay, keepAlive, keepAliveInitialDelayMs } = options.socket;
  const server = net.createServer({ allowHalfOpen: true, highWaterMark: options.highWaterMark, noDelay, keepAlive, keepAliveInitialDelay: keepAliveInitialDelayMs }, onSocket);
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.close();
      reject(error);
    };
    server.once('error', onError);
    const listenOptions: net.ListenOptions =
      options.path !== undefined ? { path: options.path, backlog: options.backlog } : { port: options.port ?? 0, host: options.host, backlog: options.backlog };
    server.listen(listenOptions, () => {
      server.off('error', onError);
      server.on('error', options.onServerError);
      resolve(server);
    });
  });
}

/**
 * Stops accepting at once; resolves when the server is fully closed, which node:net reports
 * only after its open connections are gone (the reactor drains those meanwhile).
 */
export function closeServer(server: net.Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Where `server` listens, as `Application.addresses` reports it: host and port for TCP, `path` (host '', port 0) for a Unix socket. */
export function boundAddress(server: net.Server, protocol: string, transport: string): BoundAddress {
  const address = server.address();
  if (typeof address === 'string') return { protocol, transport, host: '', port: 0, path: address };
  if (address === null) return { protocol, transport, host: '', port: 0 };
  return { protocol, transport, host: address.address, port: address.port };
}
