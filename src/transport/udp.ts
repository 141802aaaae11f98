import * as dgram from 'node:dgram';
import type { DependencyContainer } from 'tsyringe';
import type { BindContext, Binder, BoundAddress } from './binder';
import { datagramRaw, isDatagramCodec, type DatagramCodec } from '../codec/datagram';
import type { HandlerTable } from '../dispatch/handler-table';
import { FrameTooLargeError, HandlerError, OptionError } from '../errors';
import { Logger } from '../logger';
import type { Reactor } from '../reactor/reactor';
import { classToken } from '../types';
import { DatagramSocket, type DatagramAddress } from './udp-socket';
import { isThenable } from '../thenable';

/** Options of `@Listen({ transport: 'udp', ... })` beyond port and host. */
export interface UdpListenOptions {
  /** Default: 'udp6' when host contains ':', else 'udp4'. */
  type?: 'udp4' | 'udp6';
  /** A datagram codec (datagramRaw(), datagramUtf8(), datagramJson()); default datagramRaw(). */
  codec?: DatagramCodec;
  /** Allow sending to broadcast addresses. */
  broadcast?: boolean;
  /** Unicast TTL (1-255). */
  ttl?: number;
  /** Join a multicast group once bound (bind host: the group itself or a wildcard). */
  multicast?: { group: string; interface?: string; ttl?: number; loopback?: boolean };
  /** SO_REUSEADDR, so several sockets may share a multicast port. */
  reuseAddr?: boolean;
  /** Async handlers in flight before further datagrams are dropped (default 1024). */
  maxInFlight?: number;
}

/**
 * The socket operations a UDP endpoint uses: a `dgram.Socket` in production, the testing kit's
 * in-memory fake in tests (so a UDP protocol runs the same code either way).
 */
export interface DatagramWire {
  send(bytes: Uint8Array, port: number, address: string, callback: (error: Error | null) => void): void;
  address(): { address: string; port: number };
  close(callback: () => void): void;
  setBroadcast(on: boolean): void;
  setTTL(ttl: number): void;
  addMembership(group: string, iface?: string): void;
  dropMembership(group: string, iface?: string): void;
}

/** A sender's address as the endpoint receives it. */
export type DatagramSender = { address: string; port: number; family?: string; size?: number };

const DEFAULT_MAX_IN_FLIGHT = 1024;
/** How long close() waits for in-flight handlers before closing the socket anyway. */
const CLOSE_GRACE_MS = 2000;

type Handler = (this: object, ...args: unknown[]) => unknown;

/**
 * One bound UDP socket served by one protocol instance. `@OnData(datagram, sender)` receives each
 * decoded datagram; a returned value (or resolved promise) is encoded and sent back to the
 * sender. An oversized or undecodable datagram, or a handler that throws, is an error for that
 * datagram only: `@OnError(error, sender)` gets it (its return value goes to the sender), and
 * the socket goes on. `@OnConnect` runs once bound, `@OnClose` once closed.
 */
export class UdpEndpoint extends DatagramSocket {
  readonly transport = 'udp' as const;
  state: 'open' | 'closing' | 'closed' = 'open';
  receivedDatagrams = 0;
  droppedDatagrams = 0;
  sendErrors = 0;
  localAddress = '';
  localPort = 0;
  instance: object | undefined;
  private inFlight = 0;
  private wireClosed = false;
  private idle: (() => void) | undefined;
  private readonly onSent = (error: Error | null): void => {
    if (error === null) return;
    this.sendErrors++;
    if (this.limiter.allow('datagram send failed')) this.log.warn({ err: error }, 'sending a datagram failed');
  };

  constructor(
    readonly socket: DatagramWire,
    readonly type: 'udp4' | 'udp6',
    private readonly codec: DatagramCodec,
    private readonly table: HandlerTable,
    private readonly maxInFlight: number,
    readonly log: Logger,
    private readonly limiter: { allow(kind: string): boolean },
  ) {
    super();
  }

  send(value: unknown, to: DatagramAddress): boolean {
    return this.transmit(this.codec.encode(value), to);
  }

  write(data: Buffer | Uint8Array | string, to: DatagramAddress): boolean {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (bytes.length > this.codec.maxSize) throw new FrameTooLargeError(bytes.length, this.codec.maxSize, 'outgoing datagram size');
    return this.transmit(bytes, to);
  }

  setBroadcast(on: boolean): void {
    this.socket.setBroadcast(on);
  }
  setTTL(ttl: number): void {
    this.socket.setTTL(ttl);
  }
  addMembership(group: string, iface?: string): void {
    this.socket.addMembership(group, iface);
  }
  dropMembership(group: string, iface?: string): void {
    this.socket.dropMembership(group, iface);
  }

  /** One datagram from the socket. */
  received(datagram: Buffer, sender: DatagramSender): void {
    this.receivedDatagrams++;
    if (this.state !== 'open' || this.inFlight >= this.maxInFlight) {
      this.droppedDatagrams++;
      return;
    }
    let decoded: unknown;
    try {
      decoded = this.codec.decode(datagram);
    } catch (error) {
      this.failed(error, sender, undefined);
      return;
    }
    this.run(this.table.onData as Handler, decoded, sender, this.table.names.data);
  }

  /** Bound: `@OnConnect`. */
  opened(): void {
    const address = this.socket.address();
    this.localAddress = address.address;
    this.localPort = address.port;
    const { onConnect } = this.table;
    if (onConnect === undefined) return;
    const result = (onConnect as Handler).call(this.instance as object, this);
    // An async @OnConnect that rejects must be reported, not left as an unhandled rejection.
    if (isThenable(result)) result.then(undefined, (error: unknown) => this.log.error({ err: error }, `${this.table.name}.${this.table.names.connect} failed`));
  }

  /** Stops taking datagrams, waits (bounded) for in-flight handlers, runs `@OnClose`, closes the socket. */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_GRACE_MS); // real time: must hold under a frozen virtual clock
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    // No send may reach the socket once it is closing (dgram throws ERR_SOCKET_DGRAM_NOT_RUNNING).
    this.wireClosed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
    this.state = 'closed';
    const { onClose } = this.table;
    if (onClose !== undefined) {
      try {
        await (onClose as Handler).call(this.instance as object, { kind: 'done' });
      } catch (error) {
        this.log.error({ err: error }, `${this.table.name}.${this.table.names.close} failed`);
      }
    }
  }

  private transmit(bytes: Buffer | Uint8Array, to: DatagramAddress): boolean {
    if (this.wireClosed) return false;
    this.socket.send(bytes, to.port, to.address, this.onSent);
    return true;
  }

  private run(handler: Handler, arg: unknown, sender: DatagramSender, name: string): void {
    let result: unknown;
    try {
      result = handler.call(this.instance as object, arg, sender);
    } catch (error) {
      this.failed(error, sender, name);
      return;
    }
    if (result === undefined) return;
    if (isThenable(result)) {
      this.inFlight++;
      result.then(
        (value) => {
          this.settle();
          if (value !== undefined) this.reply(value, sender, name);
        },
        (error: unknown) => {
          this.settle();
          this.failed(error, sender, name);
        },
      );
      return;
    }
    this.reply(result, sender, name);
  }

  private settle(): void {
    if (--this.inFlight === 0 && this.idle !== undefined) this.idle();
  }

  private reply(value: unknown, sender: DatagramSender, name: string): void {
    try {
      this.send(value, sender);
    } catch (error) {
      this.failed(error, sender, name);
    }
  }

  /** An error for one datagram: `@OnError(error, sender)` answers it, or it is logged. */
  private failed(cause: unknown, sender: DatagramSender, handlerName: string | undefined): void {
    const { onError } = this.table;
    const logged = handlerName === undefined ? cause : new HandlerError(this.table.name, handlerName, cause);
    if (onError === undefined || handlerName === this.table.names.error) {
      const what = handlerName === undefined ? 'bad datagram skipped' : 'datagram handler failed';
      if (this.limiter.allow(what)) this.log.warn({ err: logged, peer: `${sender.address}:${sender.port}` }, what);
      return;
    }
    this.run(onError as Handler, cause, sender, this.table.names.error);
  }
}


export function udpOptions(options: Record<string, unknown>, name: string): { type: 'udp4' | 'udp6'; codec: DatagramCodec; maxInFlight: number } {
  const where = `@Listen on ${name} (udp)`;
  const host = options.host as string | undefined;
  const type = (options.type ?? (host?.includes(':') ? 'udp6' : 'udp4')) as 'udp4' | 'udp6';
  if (type !== 'udp4' && type !== 'udp6') throw new OptionError(`${where}: type must be 'udp4' or 'udp6', got ${String(options.type)}`);
  const codec = options.codec ?? datagramRaw();
  if (!isDatagramCodec(codec)) throw new OptionError(`${where}: codec must be a datagram codec (datagramRaw(), datagramUtf8(), datagramJson()), not a stream codec`);
  const maxInFlight = (options.maxInFlight as number | undefined) ?? DEFAULT_MAX_IN_FLIGHT;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new OptionError(`${where}: maxInFlight must be a positive integer, got ${maxInFlight}`);
  return { type, codec, maxInFlight };
}

/** `@Listen({ transport: 'udp', port, type, codec, broadcast, multicast, ttl })`. */
export const bindUdp: Binder = async (plan, _accept, context: BindContext) => {
  const { table } = plan;
  const options = plan.options as Record<string, unknown> & UdpListenOptions;
  const { type, codec, maxInFlight } = udpOptions(options, table.name);
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
  const { endpoint, close } = openDatagramEndpoint(context.container, context.reactor, table, socket, { type, codec, maxInFlight });
  socket.on('message', (datagram: Buffer, sender: dgram.RemoteInfo) => endpoint.received(datagram, sender));
  // An ICMP error on a sent datagram surfaces here on some platforms; it concerns one send only.
  socket.on('error', (error) => {
    if (context.reactor.logLimiter.allow('udp socket error')) endpoint.log.warn({ err: error }, 'udp socket error');
  });
  return { address: bound, close };
};

/**
 * Serves a bound datagram wire with one protocol instance (built in its own DI scope) and runs
 * `@OnConnect`. The caller feeds `endpoint.received(datagram, sender)`. Shared by the UDP
 * listener and the testing kit's in-memory datagram sockets.
 */
export function openDatagramEndpoint(
  container: DependencyContainer,
  reactor: Reactor,
  table: HandlerTable,
  wire: DatagramWire,
  settings: { type: 'udp4' | 'udp6'; codec: DatagramCodec; maxInFlight: number },
): { endpoint: UdpEndpoint; close(): Promise<void> } {
  const address = wire.address();
  const log = reactor.logger.child({ protocol: table.name, udp: `${address.address}:${address.port}` });
  const endpoint = new UdpEndpoint(wire, settings.type, settings.codec, table, settings.maxInFlight, log, reactor.logLimiter);
  const release = openEndpoint(container, reactor, table, endpoint, wire);
  try {
    endpoint.opened();
  } catch (error) {
    wire.close(() => undefined);
    release();
    throw error;
  }
  return {
    endpoint,
    close: async () => {
      await endpoint.close();
      release();
    },
  };
}

/** Builds the socket's protocol instance in its own DI scope (holding `DatagramSocket` and a bound Logger). */
function openEndpoint(root: DependencyContainer, reactor: Reactor, table: HandlerTable, endpoint: UdpEndpoint, socket: DatagramWire): () => void {
  const scope = root.createChildContainer();
  scope.register(classToken(DatagramSocket), { useValue: endpoint });
  scope.register(classToken(Logger), { useValue: endpoint.log });
  try {
    endpoint.instance = scope.resolve(table.protocol as never);
  } catch (error) {
    socket.close(() => undefined);
    throw error;
  }
  // Not counted in reactor.liveScopes, which tracks per-connection scopes only.
  return () => {
    Promise.resolve(scope.dispose()).catch((error: unknown) => reactor.logger.warn({ err: error }, 'disposing a udp socket scope failed'));
  };
}
