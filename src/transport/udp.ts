import * as dgram from 'node:dgram';
import type { DependencyContainer } from 'tsyringe';
import { datagramRaw, isDatagramCodec, type DatagramCodec } from '../codec/datagram';
import { DatagramDispatcher, type DatagramTarget } from '../dispatch/datagram-dispatcher';
import type { HandlerTable } from '../dispatch/handler-table';
import type { ConnectionStats } from '../dispatch/stats';
import { FrameTooLargeError, OptionError } from '../errors';
import type { Logger } from '../logger';
import type { Reactor } from '../reactor/reactor';
import type { BindContext, Binder, BoundAddress } from './binder';
import { buildProtocol } from './open-protocol';
import { DatagramSocket, type DatagramAddress, type DatagramWire } from './udp-socket';

/** Options of `@Listen({ transport: 'udp', ... })` beyond port and host. */
export interface UdpListenOptions {
  /** Default: 'udp6' when host contains ':', else 'udp4'. */
  type?: 'udp4' | 'udp6';
  /** Overrides the protocol's datagram codec for this listener (default: `@Protocol`'s, else datagramRaw()). */
  codec?: DatagramCodec;
  /** Allow sending to broadcast addresses. */
  broadcast?: boolean;
  /** Unicast TTL (1-255). */
  ttl?: number;
  /** Join a multicast group once bound (bind host: the group itself or a wildcard). */
  multicast?: {
    /** The multicast group address to join, e.g. '239.1.2.3' or 'ff02::1:3'. */
    group: string;
    /** The local interface's address to join on and send multicast from. Default: the system's choice. */
    interface?: string;
    /** Hops a multicast datagram sent may take, 0 to 255 (IP_MULTICAST_TTL). Default: the system's (usually 1). */
    ttl?: number;
    /** Whether multicast datagrams sent are delivered back to this host too (IP_MULTICAST_LOOP). Default: the system's (usually true). */
    loopback?: boolean;
  };
  /** SO_REUSEADDR, so several sockets may share a multicast port. */
  reuseAddr?: boolean;
  /** Async handlers in flight before further datagrams are dropped (default 1024). */
  maxInFlight?: number;
}

const DEFAULT_MAX_IN_FLIGHT = 1024;
/** How long close() waits for in-flight handlers before closing the socket anyway. */
const CLOSE_GRACE_MS = 2000;

/** How a datagram socket is served: from `@Listen` (and `@Protocol`'s codec), checked. */
export interface DatagramSettings {
  readonly type: 'udp4' | 'udp6';
  readonly codec: DatagramCodec;
  readonly maxInFlight: number;
}

/**
 * One bound UDP socket served by one protocol instance: what the protocol injects as
 * `DatagramSocket`. Dispatch (decoding, handlers, replies, per-datagram failures) is the shared
 * core's (`DatagramDispatcher`); this class moves datagrams and keeps the socket's state.
 * `@OnConnect` runs once bound, `@OnClose` once closed.
 */
export class UdpSocket extends DatagramSocket implements DatagramTarget {
  /** Always 'udp'. */
  readonly transport = 'udp' as const;
  /** 'open' once bound; 'closing' from `close()` until the wire has closed; then 'closed'. */
  state: 'open' | 'closing' | 'closed' = 'open';
  /** Datagrams received, including ones dropped or that failed to decode. */
  receivedDatagrams = 0;
  /** Datagrams dropped: `maxInFlight` handlers were running, or the socket was closing. */
  droppedDatagrams = 0;
  /** Sends the wire reported as failed (logged, rate-limited, never thrown). */
  sendErrors = 0;
  /** The bound address, read from the wire once at construction. */
  readonly localAddress: string;
  /** The bound port, read from the wire once at construction. */
  readonly localPort: number;
  /** Set once the protocol instance is built. */
  dispatcher: DatagramDispatcher | undefined;
  /** Set by whoever built the protocol; runs once closed (releases its DI scope). */
  onRelease: (() => void) | undefined;
  private wireClosed = false;
  private readonly onSent = (error: Error | null): void => {
    if (error === null) return;
    this.sendErrors++;
    if (this.allowLog('datagram send failed')) this.log.warn({ err: error }, 'sending a datagram failed');
  };

  constructor(
    private readonly wire: DatagramWire,
    readonly type: 'udp4' | 'udp6',
    private readonly codec: DatagramCodec,
    private readonly reactor: Reactor,
    readonly log: Logger,
    /** @internal The listener's counters (bytes in and out). */
    readonly stats: ConnectionStats,
  ) {
    super();
    const address = wire.address();
    this.localAddress = address.address;
    this.localPort = address.port;
  }

  /**
   * Encodes `value` with the datagram codec (which throws for what it cannot write or past `maxSize`) and sends it to `to`; false once the wire is closed.
   */
  send(value: unknown, to: DatagramAddress): boolean {
    return this.transmit(this.codec.encode(value), to);
  }

  /** Sends raw bytes (strings as UTF-8); throws `FrameTooLargeError` past the codec's `maxSize`; false once the wire is closed. */
  write(data: Buffer | Uint8Array | string, to: DatagramAddress): boolean {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (bytes.length > this.codec.maxSize) throw new FrameTooLargeError(bytes.length, this.codec.maxSize, 'outgoing datagram size');
    return this.transmit(bytes, to);
  }

  /** Passed to the wire (SO_BROADCAST). */
  setBroadcast(on: boolean): void {
    this.wire.setBroadcast(on);
  }
  /** Passed to the wire (IP_TTL). */
  setTTL(ttl: number): void {
    this.wire.setTTL(ttl);
  }
  /** Passed to the wire (joins the multicast group). */
  addMembership(group: string, iface?: string): void {
    this.wire.addMembership(group, iface);
  }
  /** Passed to the wire (leaves the multicast group). */
  dropMembership(group: string, iface?: string): void {
    this.wire.dropMembership(group, iface);
  }

  /**
   * @internal For the dispatcher: false when log records of `kind` are over the reactor's rate limit (peers must not decide our log volume).
   */
  allowLog(kind: string): boolean {
    return this.reactor.logLimiter.allow(kind);
  }

  /** The protocol instance serving this socket (undefined until built). */
  get protocol(): object | undefined {
    return this.dispatcher?.instance;
  }

  /** One datagram from the wire. */
  received(datagram: Buffer, sender: DatagramAddress): void {
    this.receivedDatagrams++;
    this.stats.bytesIn += datagram.length;
    if (this.state !== 'open' || this.dispatcher === undefined || !this.dispatcher.received(datagram, sender)) this.droppedDatagrams++;
  }

  /** Stops taking datagrams, waits (bounded) for in-flight handlers, closes the wire, runs `@OnClose`. */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    const dispatcher = this.dispatcher;
    if (dispatcher !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      // Real time: must hold under a frozen virtual clock.
      await Promise.race([dispatcher.stop(), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
      clearTimeout(timer);
    }
    // No send may reach the socket once it is closing (dgram throws ERR_SOCKET_DGRAM_NOT_RUNNING).
    this.wireClosed = true;
    await new Promise<void>((resolve) => this.wire.close(() => resolve()));
    this.state = 'closed';
    await dispatcher?.closed();
    const release = this.onRelease;
    this.onRelease = undefined;
    release?.();
  }

  private transmit(bytes: Buffer | Uint8Array, to: DatagramAddress): boolean {
    if (this.wireClosed) return false;
    this.stats.bytesOut += bytes.length;
    this.wire.send(bytes, to.port, to.address, this.onSent);
    return true;
  }
}

/** Reads and checks a UDP listener's options; the codec is the listener's, else the protocol's, else datagramRaw(). */
export function udpOptions(options: Record<string, unknown>, table: HandlerTable): DatagramSettings {
  const where = `@Listen on ${table.name} (udp)`;
  const host = options.host as string | undefined;
  const type = (options.type ?? (host?.includes(':') ? 'udp6' : 'udp4')) as 'udp4' | 'udp6';
  if (type !== 'udp4' && type !== 'udp6') throw new OptionError(`${where}: type must be 'udp4' or 'udp6', got ${String(options.type)}`);
  const codec = options.codec ?? table.datagramCodec ?? datagramRaw();
  if (!isDatagramCodec(codec)) throw new OptionError(`${where}: codec must be a datagram codec (datagramRaw(), datagramUtf8(), datagramJson()), not a stream codec`);
  const maxInFlight = (options.maxInFlight as number | undefined) ?? DEFAULT_MAX_IN_FLIGHT;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new OptionError(`${where}: maxInFlight must be a positive integer, got ${maxInFlight}`);
  return { type, codec, maxInFlight };
}

/** `@Listen({ transport: 'udp', port, type, codec, broadcast, multicast, ttl })`. */
export const bindUdp: Binder = async (plan, _accept, context: BindContext) => {
  const { table } = plan;
  const options = plan.options as Record<string, unknown> & UdpListenOptions;
  const { type, codec, maxInFlight } = udpOptions(options, table);
  const socket = dgram.createSocket({ type, reuseAddr: options.reuseAddr === true });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error) => {
      socket.close(); // a failed bind (EADDRINUSE) must not leave the socket open
      reject(error);
    });
    socket.bind({ port: options.port as number | undefined, address: options.host as string | undefined }, () => {
      socket.removeAllListeners('error');
      resolve();
    });
  });
  try {
    if (options.broadcast === true) socket.setBroadcast(true);
    if (options.ttl !== undefined) socket.setTTL(options.ttl);
    const multicast = options.multicast;
    if (multicast !== undefined) {
      socket.addMembership(multicast.group, multicast.interface);
      if (multicast.interface !== undefined) socket.setMulticastInterface(multicast.interface);
      if (multicast.ttl !== undefined) socket.setMulticastTTL(multicast.ttl);
      if (multicast.loopback !== undefined) socket.setMulticastLoopback(multicast.loopback);
    }
  } catch (error) {
    socket.close();
    throw error;
  }
  const address = socket.address();
  const bound: BoundAddress = { protocol: table.name, transport: 'udp', host: address.address, port: address.port };
  const served = openDatagramSocket(context.container, context.reactor, table, socket, { type, codec, maxInFlight }, plan.stats ?? table.stats.endpoint('udp'));
  socket.on('message', (datagram: Buffer, sender: dgram.RemoteInfo) => served.received(datagram, sender));
  // An ICMP error on a sent datagram surfaces here on some platforms; it concerns one send only.
  socket.on('error', (error) => {
    if (served.allowLog('udp socket error')) served.log.warn({ err: error }, 'udp socket error');
  });
  return { address: bound, close: () => served.close() };
};

/**
 * Serves a bound datagram wire with one protocol instance (built by the shared `buildProtocol`,
 * in its own DI scope holding this `DatagramSocket`) and runs `@OnConnect`. The caller feeds
 * `socket.received(datagram, sender)` and closes it with `socket.close()`, which releases the
 * scope. Shared by the UDP listener and the testing kit's in-memory datagram sockets. Bytes in
 * and out count in `stats` (the listener's).
 */
export function openDatagramSocket(container: DependencyContainer, reactor: Reactor, table: HandlerTable, wire: DatagramWire, settings: DatagramSettings, stats: ConnectionStats): UdpSocket {
  const address = wire.address();
  const log = reactor.logger.child({ protocol: table.name, udp: `${address.address}:${address.port}` });
  const socket = new UdpSocket(wire, settings.type, settings.codec, reactor, log, stats);
  let built;
  try {
    built = buildProtocol(container, reactor, table, DatagramSocket, socket);
  } catch (error) {
    wire.close(() => undefined);
    throw error;
  }
  const dispatcher = new DatagramDispatcher<DatagramAddress>(table, built.instance, socket, settings.codec, settings.maxInFlight);
  socket.dispatcher = dispatcher;
  try {
    dispatcher.start(socket);
  } catch (error) {
    wire.close(() => undefined);
    built.release();
    throw error;
  }
  socket.onRelease = built.release;
  return socket;
}
