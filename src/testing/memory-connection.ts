import type { Codec } from '../codec/codec';
import type { Dispatcher } from '../dispatch/dispatcher';
import type { Reactor } from '../reactor/reactor';
import { StreamConnection } from '../transport/stream-connection';
import { defer, drive, isDeferred } from './memory-loop';
import { toBuffer } from './split';
import type { ProxyInfo } from '../transport/proxy-header';

/** The peer's FIN, in a queue of bytes. */
export const PEER_END: unique symbol = Symbol('torsion:testing:end');
/** The peer's RST, in a queue of bytes. */
export const PEER_RESET: unique symbol = Symbol('torsion:testing:reset');

/**
 * What a connection sent towards its peer, in order, as `takeOutput()` hands it to a pump:
 * bytes, then possibly `PEER_END` (it ended its side, FIN) or `PEER_RESET` (it was destroyed).
 */
export type MemoryOutput = Buffer | typeof PEER_END | typeof PEER_RESET;

/** Options of `new MemoryConnection(...)`; every field has a default. */
export interface MemoryConnectionOptions {
  /** The peer's address as the protocol sees it (`conn.remoteAddress`). Default '127.0.0.1'. */
  remoteAddress?: string;
  /** Default: a fresh ephemeral port number (49152 and up). */
  remotePort?: number;
  /** Default '127.0.0.1'. */
  localAddress?: string;
  /** Default 0. */
  localPort?: number;
  /** What `conn.transport` reports. Default 'memory'. */
  transport?: string;
  /** Same meaning as `@Protocol({ writeHighWaterMark })`: bytes gathered before a write is flushed. Default 64 KiB. */
  writeHighWaterMark?: number;
  /**
   * Whether the peer keeps its side open after ours ends (our `end()` sends a FIN): then the
   * connection closes only once the peer ends too (`peerEnd()`, or the pumped peer's own end).
   * Default false: the peer closes at once, as a socket without `allowHalfOpen` does.
   * Connections made by `connectPair` are half-open: each side is a torsion connection.
   */
  halfOpenPeer?: boolean;
  /** What `conn.proxy` reports: the PROXY header the connection was accepted with. Default none. */
  proxy?: ProxyInfo;
}

const DEFAULT_WRITE_HIGH_WATER_MARK = 64 * 1024;
let nextEphemeralPort = 49152;

/** The next fake ephemeral port (49152..65535, wrapping). */
export function ephemeralPort(): number {
  const port = nextEphemeralPort;
  nextEphemeralPort = port >= 65535 ? 49152 : port + 1;
  return port;
}

/**
 * A `Connection` whose other end is the test (Twisted's `StringTransport`, Netty's
 * `EmbeddedChannel`): a `StreamConnection` like the TCP one, so write gathering, flow control,
 * the close state machine, close reasons and ordered dispatch are the production code; only
 * the bytes move through memory.
 *
 * Peer side (what the test does): `receive(bytes)` is input, `peerEnd()` a FIN, `peerReset()`
 * an RST, `setWritable(false)` a peer that stops reading. What the protocol wrote is in
 * `writtenChunks`; `takeOutput()` hands the same bytes (plus FIN/RST) to a pump.
 *
 * Timing, like a socket: while reading is paused (backpressure, `conn.pause()`, a full frame
 * queue) input is held, in order, and delivered on resume. Close and resumed input never run
 * inside the call that caused them (a handler's `end()` does not re-enter `@OnClose`); they run
 * as soon as the outermost testing-kit call returns, so the test sees them on its next line.
 *
 * Usually made by `TestingApp.connect`; use it directly only to drive an opened connection
 * by hand.
 */
// `defer(this)` checks it is a DeferredWork; an implements clause would show that internal interface.
export class MemoryConnection extends StreamConnection {
  /** The fake peer's address (`options.remoteAddress`, default '127.0.0.1'). */
  readonly remoteAddress: string;
  /** The fake peer's port (`options.remotePort`, default a fresh ephemeral port). */
  readonly remotePort: number;
  /** Our side's address (`options.localAddress`, default '127.0.0.1'). */
  readonly localAddress: string;
  /** Our side's port (`options.localPort`; `t.connect` uses the protocol's first `@Listen` port). */
  readonly localPort: number;
  /** `options.transport`, default 'memory'. */
  readonly transport: string;
  private readonly halfOpenPeer: boolean;
  private readonly written: Buffer[] = [];
  private outbox: MemoryOutput[] = [];
  /** Input not yet delivered because reading is paused (bytes, then maybe the peer's FIN). */
  private inbox: Array<Buffer | typeof PEER_END> = [];
  private inboxBytes = 0;
  private reading = true;
  private peerReading = true;
  /** We sent FIN (or were destroyed). */
  private localEnded = false;
  /** The peer's FIN was delivered. */
  private remoteEnded = false;
  /** Both sides are done (or we were destroyed): close on the next deferred run. */
  private closeDue = false;
  private finishedSettled = false;
  private sent = 0;
  /** Bytes written while the peer was not reading (`setWritable(false)`): what a socket would hold. */
  private unread = 0;
  private boundDispatcher: Dispatcher | undefined;
  private readonly proxyInfo: ProxyInfo | undefined;

  constructor(reactor: Reactor, codec: Codec<unknown, unknown>, options: MemoryConnectionOptions = {}) {
    super(reactor, codec, options.writeHighWaterMark ?? DEFAULT_WRITE_HIGH_WATER_MARK);
    this.remoteAddress = options.remoteAddress ?? '127.0.0.1';
    this.remotePort = options.remotePort ?? ephemeralPort();
    this.localAddress = options.localAddress ?? '127.0.0.1';
    this.localPort = options.localPort ?? 0;
    this.transport = options.transport ?? 'memory';
    this.halfOpenPeer = options.halfOpenPeer ?? false;
    this.proxyInfo = options.proxy;
    void this.finished.then(() => (this.finishedSettled = true));
  }

  override get proxy(): ProxyInfo | undefined {
    return this.proxyInfo;
  }

  /** @internal Keeps a reference to the dispatcher so the kit can tell when it is idle. */
  override attach(dispatcher: Dispatcher): void {
    this.boundDispatcher = dispatcher;
    super.attach(dispatcher);
  }

  // --- the peer side ---------------------------------------------------------------------

  /** The peer sends `data` as one chunk (one socket read). Held while reading is paused; ignored once closed. */
  receive(data: Uint8Array | string): void {
    const chunk = toBuffer(data);
    // After its FIN (even one still held behind paused input) a peer sends nothing more.
    if (chunk.length === 0 || this.state === 'closed' || this.remoteEnded || this.inbox.includes(PEER_END)) return;
    drive(() => {
      if (this.canRead() && this.inbox.length === 0) this.received(chunk);
      else this.hold(chunk);
    });
  }

  /** The peer ends its side (FIN), after any input still held. Replies to what it sent are still written. */
  peerEnd(): void {
    if (this.state === 'closed' || this.remoteEnded || this.inbox.includes(PEER_END)) return;
    drive(() => {
      if (this.canRead() && this.inbox.length === 0) this.deliverEnd();
      else this.inbox.push(PEER_END);
    });
  }

  /** The peer resets the connection (RST): it closes at once with reason 'lost' (ECONNRESET); held input is lost. */
  peerReset(): void {
    if (this.state === 'closed') return;
    drive(() => {
      this.inbox = [];
      this.inboxBytes = 0;
      this.localEnded = true;
      // Node's own error for a reset, as a real socket reports it (not a TorsionError on purpose).
      const error = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
      this.transportClosed('lost', error);
    });
  }

  /**
   * false: the peer stops reading, so every write reports a full buffer (`write` returns false)
   * and the connection applies backpressure at once, exactly as when a socket's buffer fills:
   * it stops reading and dispatches nothing until drained. true: the buffer drains (`@OnDrain`
   * runs, queued frames and held input go on). Writes are still recorded while not writable.
   */
  setWritable(writable: boolean): void {
    if (writable === this.peerReading) return;
    this.peerReading = writable;
    drive(() => {
      // An empty write is how a full buffer is discovered: the production blockWrites path.
      if (!writable && this.state === 'open') this.write('');
      if (writable) {
        this.unread = 0;
        this.drained();
      }
    });
  }

  /** True while writes report a full buffer (see `setWritable`). */
  get isWritable(): boolean {
    return this.peerReading;
  }

  /** True while the connection reads its input (false under backpressure or `pause()`). */
  get isReading(): boolean {
    return this.reading;
  }

  /** Bytes sent by the peer and held, not yet read, because reading is paused. */
  get heldBytes(): number {
    return this.inboxBytes;
  }

  /** Every chunk the protocol wrote since creation or `clearWritten()`, one per transport write. */
  get writtenChunks(): readonly Buffer[] {
    return this.written;
  }

  /** Forgets `writtenChunks` (a pump's pending output is kept). */
  clearWritten(): void {
    this.written.length = 0;
  }

  /** What was sent towards the peer since the last call (bytes, then maybe FIN or RST), for a pump. */
  takeOutput(): MemoryOutput[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  /**
   * True when nothing is left to happen without outside help: no handler in flight, no frame
   * queued, no deferred close or held input that could be delivered, and once closed, `@OnClose`
   * has settled.
   */
  get idle(): boolean {
    if (isDeferred(this)) return false;
    if (this.state === 'closed') return this.finishedSettled;
    const d = this.boundDispatcher;
    if (d !== undefined && (d.busy || (d.queued > 0 && !this.writeBlocked))) return false;
    return this.inbox.length === 0 || !this.canRead();
  }

  /** What keeps the connection from being idle, for error messages. */
  describeBusy(): string {
    const d = this.boundDispatcher;
    if (this.state === 'closed') return `@OnClose of connection #${this.id} still in flight`;
    if (d !== undefined && d.busy) return `a handler is still in flight on connection #${this.id}`;
    if (d !== undefined && d.queued > 0) return `${d.queued} frames still queued on connection #${this.id}`;
    return `connection #${this.id} still has work pending`;
  }

  // --- transport half of StreamConnection --------------------------------------------------

  /** @internal The transport half of StreamConnection. */
  protected transportWrite(data: Buffer | string, encoding: 'utf8' | 'latin1'): boolean {
    if (data.length > 0) {
      const chunk = typeof data === 'string' ? Buffer.from(data, encoding) : data;
      this.written.push(chunk);
      this.outbox.push(chunk);
      this.sent += chunk.length;
      if (!this.peerReading) this.unread += chunk.length;
    }
    return this.peerReading;
  }

  /** @internal Bytes written since the peer stopped reading; a peer that reads again takes them all. */
  protected get transportBufferedBytes(): number {
    return this.unread;
  }

  /** @internal Bytes written towards the peer so far (what `writtenChunks` held, counted). */
  get bytesSent(): number {
    return this.sent;
  }

  /** @internal The transport half of StreamConnection. */
  protected transportEnd(): void {
    this.localEnded = true;
    if (!this.outputEnded) this.outbox.push(PEER_END);
    if (this.remoteEnded || !this.halfOpenPeer) {
      this.scheduleClose();
      return;
    }
    // A half-open peer may never answer our FIN: linger, as a socket does (on the reactor's
    // clock), reading and discarding what it sent meanwhile, held input included.
    this.outputFlushed();
    if (this.inbox.length > 0) defer(this);
  }

  /** @internal The transport half of StreamConnection. */
  protected transportEndOutput(): void {
    this.outbox.push(PEER_END);
    if (this.remoteEnded) this.scheduleClose();
    // A peer that is not half-open answers our FIN with its own (after what it already sent).
    else if (!this.halfOpenPeer) this.peerEnd();
  }

  /** @internal The transport half of StreamConnection. */
  protected transportDestroy(error?: Error): void {
    void error; // our reason, already recorded; the peer just sees a reset
    if (this.closeDue) return;
    this.localEnded = true;
    this.outbox.push(PEER_RESET);
    this.inbox = [];
    this.inboxBytes = 0;
    this.scheduleClose();
  }

  /** @internal The transport half of StreamConnection. */
  protected transportSetReading(reading: boolean): void {
    this.reading = reading;
    if (reading && this.inbox.length > 0) defer(this);
  }

  /** @internal Runs after the kit call that caused it: closes, or delivers held input. */
  runDeferred(): void {
    if (this.state === 'closed') return;
    if (this.closeDue) {
      this.transportClosed('done');
      return;
    }
    // A delivered chunk may close the connection (a handler's destroy); re-check every time.
    while (this.inbox.length > 0 && this.canRead() && (this.state as string) !== 'closed') {
      const item = this.inbox.shift() as Buffer | typeof PEER_END;
      if (item === PEER_END) {
        this.deliverEnd();
      } else {
        this.inboxBytes -= item.length;
        this.received(item);
      }
    }
  }

  // --- internals ---------------------------------------------------------------------------

  /** Reading is allowed; a connection whose side has ended reads on, to see the peer's FIN. */
  private canRead(): boolean {
    return this.reading || this.localEnded;
  }

  private hold(chunk: Buffer): void {
    this.inbox.push(chunk);
    this.inboxBytes += chunk.length;
  }

  private deliverEnd(): void {
    this.remoteEnded = true;
    this.peerEnded();
    if (this.localEnded || this.outputEnded) this.scheduleClose();
  }

  private scheduleClose(): void {
    this.closeDue = true;
    defer(this);
  }
}
