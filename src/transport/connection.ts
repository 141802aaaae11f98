import type { ConnectionOptions, TlsOptions } from 'node:tls';
import { TorsionError } from '../errors';
import type { CloseReason } from '../types';

export type { CloseReason } from '../types';
import type { TlsInfo } from './tls-info';
import type { ProxyInfo } from './proxy-header';

/**
 * Options of `Connection.startTls`: Node's TLS options (key, cert, ca, servername,
 * rejectUnauthorized, requestCert, ALPNProtocols, minVersion...). `role` defaults to the side
 * that accepted ('server') or opened ('client') the connection; `minVersion` to TLSv1.2.
 */
export type StartTlsOptions = TlsOptions &
  ConnectionOptions & {
    /** Which side of the handshake this end takes. Default: 'server' on an accepted connection, 'client' on a dialled one. */
    role?: 'server' | 'client';
  };

/**
 * What a protocol talks to (Twisted's ITransport, Netty's Channel). Inject it by type:
 * `constructor(private readonly conn: Connection) {}`.
 *
 * Ordering: bytes are written in call order; replies returned by handlers and calls to
 * `write`/`send` made during one read are gathered into one socket write.
 * Buffering: `write` returns false once the connection's outgoing buffer is over its
 * high-water mark; torsion then stops reading from that peer until the buffer drains.
 * After close: writes are dropped and counted in `droppedWrites`; they never throw.
 */
export abstract class Connection {
  /** Unique within the process, increasing. */
  abstract readonly id: number;
  /** Where the connection is in its life; see `ConnectionState`. */
  abstract readonly state: ConnectionState;
  /**
   * The peer's address as the transport reports it (an IP for TCP and TLS, '' where there is none, as for most Unix sockets).
   * A socket is asked on first use (a syscall a connection that never asks does not pay) and the
   * answer kept; after close it is what was read while open — always in `@OnClose`, for dialled
   * connections, and on listeners with a per-peer limit or the PROXY protocol — else ''.
   */
  abstract readonly remoteAddress: string;
  /** The peer's port; 0 where the transport has none (Unix sockets). */
  abstract readonly remotePort: number;
  /** Our end's address (the listener's for an accepted connection). */
  abstract readonly localAddress: string;
  /** Our end's port; 0 where the transport has none (Unix sockets). */
  abstract readonly localPort: number;
  /** 'tcp' | 'tls' | 'unix' | 'memory' ... */
  abstract readonly transport: string;
  /** Writes dropped because the connection was closing or closed. */
  abstract readonly droppedWrites: number;
  /** How this connection ended; undefined while open. */
  abstract readonly closeReason: CloseReason | undefined;
  /**
   * False while the outgoing buffer is over its high-water mark (from the write that filled it
   * until it drains, when `@OnDrain` runs), and once writes are refused (output ended, closing,
   * closed). Netty's `Channel.isWritable()`: a broadcaster skips a member that is not writable.
   */
  abstract readonly writable: boolean;
  /**
   * Bytes written and not yet handed to the peer: what this connection gathered plus what the
   * transport holds (a socket's `writableLength`). Node's `writableLength`; a bound on it is how
   * a broadcaster limits what one slow member may make the server hold (an IRC SendQ).
   */
  abstract readonly bufferedBytes: number;
  /** What TLS negotiated (protocol, cipher, peer certificate, ALPN, SNI); undefined on plain transports. */
  get tls(): TlsInfo | undefined {
    return undefined;
  }
  /**
   * The PROXY protocol header this connection was accepted with (`@Listen({ proxyProtocol })`):
   * version, command, the client and the address it reached, v2 TLVs, and `socket`, the
   * proxy's own end; undefined on a listener without the option. When the header names a
   * client, `remoteAddress`/`remotePort` and `localAddress`/`localPort` are its addresses.
   */
  get proxy(): ProxyInfo | undefined {
    return undefined;
  }

  /**
   * STARTTLS: upgrades this plain connection to TLS in place; the protocol instance and its
   * state stay. What was written before is flushed in plaintext first (e.g. `220 ready`); plaintext
   * received after the command that triggered the upgrade (same read, or queued) is discarded,
   * never read as TLS, and nothing after the upgrade is read as plaintext. Resolves with what TLS
   * negotiated; a failed handshake rejects and closes the connection with reason "error".
   */
  startTls(options: StartTlsOptions = {}): Promise<TlsInfo> {
    void options;
    return Promise.reject(new TorsionError('TORSION_ERR_TLS', `the ${this.transport} transport cannot start TLS`));
  }

  /** Writes raw bytes, bypassing the codec. Returns false when the buffer is full. */
  abstract write(data: Buffer | Uint8Array | string): boolean;
  /** Encodes `value` with the protocol's codec (a line gets its delimiter) and writes it. */
  abstract send(value: unknown): boolean;
  /** Flushes what is written, waits for in-flight handlers, then closes. Reason: done. */
  abstract end(): void;
  /**
   * Half-close (Twisted's loseWriteConnection, a socket's shutdown(SHUT_WR)): flushes what is
   * written, sends FIN, and keeps reading and dispatching. Later writes are dropped and counted.
   * The connection closes once the peer has finished sending too.
   */
  abstract endOutput(): void;
  /** True once `endOutput()` sent our FIN. */
  abstract readonly outputEnded: boolean;
  /** Closes now, discarding unwritten data. Reason: aborted (with `error` when given). */
  abstract destroy(error?: Error): void;
  /** Stops reading from the peer (and so dispatching) until `resume()`. */
  abstract pause(): void;
  /**
   * Undoes `pause()`. Reading restarts only when nothing else holds it paused (a full outgoing buffer, a full frame queue, a close in progress).
   */
  abstract resume(): void;
}

/**
 * 'open': reading and writing. 'closing': `end()`, `destroy()`, an idle timeout or a failure
 * began the close; no frame is dispatched any more and writes are dropped once the transport
 * is told to end. 'closed': the transport has closed and `closeReason` is set. Never goes back.
 */
export type ConnectionState = 'open' | 'closing' | 'closed';
