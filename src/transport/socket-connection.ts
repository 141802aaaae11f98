import { Socket } from 'node:net';
import * as tls from 'node:tls';
import { ClosedError, TorsionError, describe } from '../errors';
import type { StartTlsOptions } from './connection';
import type { Codec } from '../codec/codec';
import type { Reactor } from '../reactor/reactor';
import { FIRST_TRANSPORT_FLAG, StreamConnection } from './stream-connection';
import { readTlsInfo, type TlsInfo } from './tls-info';
import { proxiedEnds, type ProxyHeaderRead, type ProxyInfo } from './proxy-header';

/** How long a STARTTLS handshake may take. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

// SocketConnection's own flags (StreamConnection.flags).
/** A 'drain' listener is on the socket (only while its buffer is full). */
const AWAITING_DRAIN = FIRST_TRANSPORT_FLAG;
/** A STARTTLS handshake is under way. */
const UPGRADING = FIRST_TRANSPORT_FLAG << 1;

/**
 * node:net's 'end' listener on every socket (`onReadableStreamEnd`): with `allowHalfOpen` (every
 * socket torsion opens or accepts) it does nothing. Taken from the first socket attached (null
 * until then; undefined if node has none of that name, and then nothing is removed). Not from
 * a socket made at load for the purpose: a `Socket` without a handle runs node's stream code down
 * other paths, and the feedback it left made node's `Readable.read` and `writeOrBuffer`
 * megamorphic in every process that loaded torsion (callgrind, line echo: 46 instructions a line
 * in `KeyedLoadIC_Megamorphic`, none without it).
 */
let nodeEndListener: ((...args: unknown[]) => void) | undefined | null = null;

function nodeEndListenerOf(socket: Socket): ((...args: unknown[]) => void) | undefined {
  return socket.listeners('end').find((listener) => listener.name === 'onReadableStreamEnd') as ((...args: unknown[]) => void) | undefined;
}

/** Lets module-level listeners find their connection without a closure per socket (as ws does). */
const kConnection = Symbol('torsion:connection');

type OwnedSocket = Socket & { [kConnection]: SocketConnection };

/**
 * A Connection over a `net.Socket` (TCP, Unix, and TLS sockets, which extend it). Opened with
 * `allowHalfOpen`, so a peer's FIN does not cut off replies to what it sent before it.
 */
export class SocketConnection extends StreamConnection {
  // Every field set in the constructor, as in StreamConnection (one hidden class per connection).
  /** The remote end, read on first use (or at accept: see `keepPeer`) and kept, as node:net forgets it once the socket has closed. */
  private peer: { readonly address: string; readonly port: number } | undefined = undefined;
  private local: { address: string; port: number } | undefined = undefined;
  private lastError: Error | undefined = undefined;
  private tlsInfo: TlsInfo | undefined = undefined;
  private readonly proxyInfo: ProxyInfo | undefined = undefined;

  constructor(
    /** The socket bytes move on; replaced by a TLS socket over it after `startTls`. */
    public socket: Socket,
    reactor: Reactor,
    codec: Codec<unknown, unknown>,
    writeHighWaterMark: number,
    readonly transport: string,
    /** Which side of the connection we are: 'server' when a listener accepted it. */
    readonly role: 'server' | 'client' = 'server',
    /** The PROXY header read before anything else (a listener with `proxyProtocol`). */
    proxied?: ProxyHeaderRead,
  ) {
    super(reactor, codec, writeHighWaterMark);
    if (proxied !== undefined) {
      // The header's client becomes this connection's remote end (see proxiedEnds).
      const own = this.localEnd();
      const peer = this.remoteEnd();
      const ends = proxiedEnds(proxied.header, { remoteAddress: peer.address, remotePort: peer.port, localAddress: own.address, localPort: own.port });
      this.peer = { address: ends.remoteAddress, port: ends.remotePort };
      this.local = { address: ends.localAddress, port: ends.localPort };
      this.proxyInfo = ends.proxy;
    }
    // Connections are opened after the handshake, so what TLS negotiated is known (and fixed) here.
    // Only a 'tls' transport's socket is a TLS one (STARTTLS sets tlsInfo itself): a plain accept
    // skips the check, a megamorphic lookup on the socket (~250 instructions; callgrind, churn).
    if (transport === 'tls') this.tlsInfo = readTlsInfo(socket);
    // Socket options (noDelay, keepAlive) are the opener's: see applySocketSettings.
    this.attachSocket(socket);
  }

  private attachSocket(socket: Socket): void {
    (socket as OwnedSocket)[kConnection] = this;
    socket.on('data', onData);
    // node's own 'end' listener only matters without allowHalfOpen (it then refuses writes after
    // the FIN); ours ends the connection. Ours alone: no two-listener array per socket, which
    // every 'end' would also copy before calling (callgrind, 50 connectors churning on line
    // echo: ~1,000 instructions less per connection, of ~144,000).
    if (socket.allowHalfOpen) {
      const listener = nodeEndListener === null ? (nodeEndListener = nodeEndListenerOf(socket)) : nodeEndListener;
      if (listener !== undefined) socket.removeListener('end', listener);
    }
    socket.on('end', onEnd);
    socket.on('error', onError);
    socket.on('close', onClose);
    // 'drain' is listened for only while the buffer is full (see transportWrite).
  }

  private detachSocket(socket: Socket): void {
    socket.removeListener('data', onData);
    socket.removeListener('end', onEnd);
    socket.removeListener('error', onError);
    socket.removeListener('close', onClose);
    socket.removeListener('drain', onDrain);
  }

  override startTls(options: StartTlsOptions = {}): Promise<TlsInfo> {
    if (this.state !== 'open') return Promise.reject(new ClosedError(`connection ${this.id} is ${this.state}: cannot start TLS`));
    const upgrading = (this.flags & UPGRADING) !== 0;
    if (this.tlsInfo !== undefined || upgrading) return Promise.reject(new TorsionError('TORSION_ERR_TLS', `connection ${this.id} is already ${upgrading ? 'starting' : 'using'} TLS`));
    const { role = this.role, ...rest } = options;
    const tlsOptions = { minVersion: 'TLSv1.2' as const, ...rest };
    let secure: tls.TLSSocket;
    const plain = this.socket;
    try {
      const context = role === 'server' ? tls.createSecureContext(tlsOptions) : undefined;
      // The reply that announced the upgrade leaves in plaintext; unread plaintext is dropped.
      this.restartInput();
      this.detachSocket(plain);
      secure =
        role === 'server'
          ? new tls.TLSSocket(plain, { ...tlsOptions, isServer: true, secureContext: context })
          : tls.connect({ ...tlsOptions, socket: plain });
    } catch (error) {
      return Promise.reject(new TorsionError('TORSION_ERR_TLS', `starting TLS failed: ${describe(error)}`, { cause: error }));
    }
    this.flags = (this.flags | UPGRADING) & ~AWAITING_DRAIN;
    this.socket = secure;
    this.attachSocket(secure);
    if (this.readingPaused) secure.pause();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        secure.removeListener('error', failed);
        timer.cancel();
        this.flags &= ~UPGRADING;
        this.tlsInfo = readTlsInfo(secure);
        resolve(this.tlsInfo as TlsInfo);
      };
      const failed = (error: Error): void => {
        secure.removeListener(role === 'server' ? 'secure' : 'secureConnect', done);
        timer.cancel();
        this.flags &= ~UPGRADING;
        const reason = new TorsionError('TORSION_ERR_TLS', `TLS handshake with ${this.remoteAddress}:${this.remotePort} failed: ${error.message}`, { cause: error });
        if (this.allowLog('STARTTLS failed')) this.log.warn({ err: reason }, 'STARTTLS failed');
        this.closeWithError(reason);
        this.destroy(reason);
        reject(reason);
      };
      // Stands in for the socket's own 'error' event; failed() wraps it in a TORSION_ERR_TLS error.
      const timer = this.reactor.callLater(HANDSHAKE_TIMEOUT_MS, () => failed(new Error(`no handshake within ${HANDSHAKE_TIMEOUT_MS} ms`)));
      secure.once(role === 'server' ? 'secure' : 'secureConnect', done);
      secure.once('error', failed);
    });
  }

  override get tls(): TlsInfo | undefined {
    return this.tlsInfo;
  }

  override get proxy(): ProxyInfo | undefined {
    return this.proxyInfo;
  }

  /**
   * @internal
   * Bytes that arrived in the same read as the PROXY header: the stream's first bytes, read as
   * if they had just arrived; kept in the socket (unshifted) for when reading resumes if the
   * protocol paused in `@OnConnect`.
   */
  receivedAhead(chunk: Buffer): void {
    if (this.readingPaused) this.socket.unshift(chunk);
    else this.received(chunk);
  }

  /**
   * The peer's address (else the socket's family, else ''). Read on first use, a getpeername(2)
   * less per connection that never asks, and kept: node:net forgets it once the socket has
   * closed, so after close it is what was read while open (always, for a protocol with
   * `@OnClose`: see `keepPeer`), else ''.
   */
  get remoteAddress(): string {
    return this.remoteEnd().address;
  }

  /** The peer's port, read on first use together with `remoteAddress`; 0 for a Unix socket. */
  get remotePort(): number {
    return this.remoteEnd().port;
  }

  /** @internal Reads the peer's address now, while the socket can still tell it (see `remoteAddress`). */
  keepPeer(): void {
    this.remoteEnd();
  }

  private remoteEnd(): { readonly address: string; readonly port: number } {
    const socket = this.socket;
    this.peer ??= { address: socket.remoteAddress ?? socket.remoteFamily ?? '', port: socket.remotePort ?? 0 };
    return this.peer;
  }

  /** Our own address is rarely asked for: read on first use (a getsockname less per accept). */
  get localAddress(): string {
    return this.localEnd().address;
  }

  /** Our port (0 for a Unix socket), read on first use together with `localAddress`. */
  get localPort(): number {
    return this.localEnd().port;
  }

  private localEnd(): { address: string; port: number } {
    this.local ??= { address: this.socket.localAddress ?? '', port: this.socket.localPort ?? 0 };
    return this.local;
  }

  /** @internal node's own count (`bytesWritten`) on the current socket (after STARTTLS: the TLS socket's). */
  get bytesSent(): number {
    return this.socket.bytesWritten;
  }

  /** @internal node's count of bytes queued on the socket, not yet handed to the kernel. */
  protected get transportBufferedBytes(): number {
    return this.socket.writableLength;
  }

  protected transportWrite(data: Buffer | string, encoding: 'utf8' | 'latin1'): boolean {
    const socket = this.socket;
    const ok = typeof data === 'string' ? socket.write(data, encoding) : socket.write(data);
    // Listening for 'drain' only when it matters keeps an idle connection one listener lighter.
    if (!ok && (this.flags & AWAITING_DRAIN) === 0) {
      this.flags |= AWAITING_DRAIN;
      socket.on('drain', onDrain);
    }
    return ok;
  }

  protected transportEnd(): void {
    const socket = this.socket;
    socket.end();
    // The peer's FIN is in already, with our bytes still queued (or over TLS; with nothing
    // queued, transportCloseIfDone closed it): node destroys the socket as soon as our FIN is
    // out (autoDestroy, both directions done), so there is nothing to linger for or read; the
    // close timeout still covers a flush that never ends. No 'finish' listener, no linger timer.
    if (socket.readableEnded) return;
    // Keep reading meanwhile: what arrives is discarded (nothing is dispatched after end). Once
    // our bytes and FIN are out, the socket is not closed at once: with input unread, close()
    // sends an RST, which can destroy replies the peer has not read yet. It closes when the
    // peer's FIN arrives (allowHalfOpen: node destroys it once both directions are done), or
    // when the linger passes (outputFlushed).
    socket.resume();
    if (socket.writableFinished) this.outputFlushed();
    else socket.once('finish', onFinish);
  }

  protected override transportCloseIfDone(): boolean {
    const socket = this.socket;
    // Plain TCP/Unix only: a TLS socket's close_notify and queued ciphertext sit below
    // `writableLength`, and TLS needs its close_notify sent, so TLS ends as usual.
    if (this.tlsInfo !== undefined || (this.flags & UPGRADING) !== 0 || !socket.readableEnded || socket.writableLength !== 0) return false;
    // The peer's FIN is in and everything was read, and node holds no byte we wrote: the
    // kernel has them all. close(2) sends our FIN after them, as shutdown(2) would, and no RST
    // (nothing unread). Closing at once skips the shutdown request, its callback on a later turn
    // of the loop and the stream's end/finish/autoDestroy machinery that leads to this same close.
    socket.destroy();
    return true;
  }

  protected transportEndOutput(): void {
    // allowHalfOpen: the socket keeps reading after our FIN; node destroys it once the peer's
    // FIN has arrived too (both directions done), which is our 'close'.
    this.socket.end();
  }

  protected transportDestroy(error?: Error): void {
    // The error is ours (the reason), not the socket's: do not pass it to socket.destroy,
    // which would emit it as an 'error' event.
    void error;
    this.socket.destroy();
  }

  protected transportSetReading(reading: boolean): void {
    const socket = this.socket;
    // After the peer's FIN nothing more is read: pausing (as every close does) would only emit 'pause'.
    if (socket.readableEnded) return;
    if (reading) socket.resume();
    else socket.pause();
  }

  /** @internal socket event entry points */
  static dataFrom(socket: Socket, chunk: Buffer): void {
    (socket as OwnedSocket)[kConnection].received(chunk);
  }

  /** @internal The socket's 'end' event (the peer's FIN), routed to its connection. */
  static endFrom(socket: Socket): void {
    (socket as OwnedSocket)[kConnection].peerEnded();
  }

  /** @internal The socket's 'error' event: kept so that the 'close' which follows reports reason "lost" with it. */
  static errorFrom(socket: Socket, error: Error): void {
    (socket as OwnedSocket)[kConnection].lastError = error;
  }

  /** @internal The socket's 'close' event: the connection is closed, "lost" after an error, else "done". */
  static closeFrom(socket: Socket): void {
    const conn = (socket as OwnedSocket)[kConnection];
    conn.transportClosed(conn.lastError === undefined ? 'done' : 'lost', conn.lastError);
  }

  /** @internal Our bytes and FIN are out ('finish'): linger for the peer's FIN. */
  static finishFrom(socket: Socket): void {
    (socket as OwnedSocket)[kConnection].outputFlushed();
  }

  /** @internal The socket's 'drain' event (listened for only while the buffer is full): writes may go on. */
  static drainFrom(socket: Socket): void {
    const conn = (socket as OwnedSocket)[kConnection];
    conn.flags &= ~AWAITING_DRAIN;
    socket.removeListener('drain', onDrain);
    conn.drained();
  }
}

function onFinish(this: Socket): void {
  SocketConnection.finishFrom(this);
}
function onData(this: Socket, chunk: Buffer): void {
  SocketConnection.dataFrom(this, chunk);
}
function onEnd(this: Socket): void {
  SocketConnection.endFrom(this);
}
function onError(this: Socket, error: Error): void {
  SocketConnection.errorFrom(this, error);
}
function onClose(this: Socket): void {
  SocketConnection.closeFrom(this);
}
function onDrain(this: Socket): void {
  SocketConnection.drainFrom(this);
}
