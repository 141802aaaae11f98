import { ClosedError, OptionError } from '../errors';
import { drive } from './memory-loop';
import { toBuffer } from './split';

/** Where a datagram comes from or goes to. */
export interface DatagramAddress {
  readonly address: string;
  readonly port: number;
}

/** Receives each datagram, whole, with the sender's address. */
export type DatagramReceiver = (data: Buffer, from: DatagramAddress) => void;

/**
 * A datagram socket as a test sees it: bytes sent to an address, datagrams received whole.
 * `FakeDatagramEndpoint` implements it; the UDP transport does not (it talks to a
 * `dgram.Socket`, or in memory to a `MemoryDatagramWire` over a `FakeDatagramEndpoint`).
 *
 * Ordering: datagrams reach the receiver one at a time, each whole (never split or joined), in
 * the order the socket read them; `send` keeps each datagram whole and may drop it (UDP).
 * Errors: `send` of a datagram over `maxDatagramSize` throws `OptionError`; after `close()`
 * sends are dropped and counted, never thrown.
 */
export interface DatagramEndpoint {
  /** The bound address (`{ address, port }`). */
  readonly localAddress: DatagramAddress;
  /** Sends one datagram to `to`. Returns false when it was dropped (closed). */
  send(data: Uint8Array | string, to: DatagramAddress): boolean;
  /** Sets who receives incoming datagrams (one receiver; a later call replaces it). */
  onDatagram(receiver: DatagramReceiver): void;
  close(): void;
}

/** A datagram recorded by `FakeDatagramEndpoint.send`. */
export interface SentDatagram {
  /** A copy of the bytes, as sent. */
  readonly data: Buffer;
  readonly to: DatagramAddress;
}

/** Options of `new FakeDatagramEndpoint(...)`. */
export interface FakeDatagramEndpointOptions {
  /** The address the fake is "bound" to. Default 127.0.0.1:0. */
  local?: DatagramAddress;
  /** Largest datagram `send` accepts, in bytes. Default 65 507 (UDP over IPv4). */
  maxDatagramSize?: number;
}

const MAX_UDP_PAYLOAD = 65_507;

/**
 * An in-memory datagram socket: records every `(bytes, address)` sent, and delivers datagrams
 * the test injects, whole, to the receiver (Twisted's `proto_helpers` for DatagramProtocol).
 * Implements `DatagramEndpoint`. `t.bindDatagram(Proto)` serves a UDP protocol through the
 * production UDP endpoint over one of these (via `MemoryDatagramWire`).
 *
 * @example
 * const udp = new FakeDatagramEndpoint({ local: { address: '0.0.0.0', port: 5353 } });
 * udp.onDatagram((data, from) => udp.send(data, from));   // an echo
 * udp.inject('ping', { address: '198.51.100.1', port: 4000 });
 * expect(udp.take()).toEqual([{ data: Buffer.from('ping'), to: { address: '198.51.100.1', port: 4000 } }]);
 */
export class FakeDatagramEndpoint implements DatagramEndpoint {
  /** The address given as `options.local` (default 127.0.0.1:0); nothing is bound. */
  readonly localAddress: DatagramAddress;
  /** Every datagram sent since creation or the last `take()`/`clear()`, oldest first. */
  readonly sent: SentDatagram[] = [];
  /** Datagrams sent after `close()` (dropped). */
  droppedSends = 0;
  private readonly maxDatagramSize: number;
  private receiver: DatagramReceiver | undefined;
  private isClosed = false;

  constructor(options: FakeDatagramEndpointOptions = {}) {
    this.localAddress = options.local ?? { address: '127.0.0.1', port: 0 };
    this.maxDatagramSize = options.maxDatagramSize ?? MAX_UDP_PAYLOAD;
    if (!Number.isInteger(this.maxDatagramSize) || this.maxDatagramSize < 1) {
      throw new OptionError(`maxDatagramSize must be a positive integer, got ${this.maxDatagramSize}`);
    }
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Records a copy of `data` with `to`; false (and counted in `droppedSends`) after `close()`. */
  send(data: Uint8Array | string, to: DatagramAddress): boolean {
    if (this.isClosed) {
      this.droppedSends++;
      return false;
    }
    const bytes = toBuffer(data);
    if (bytes.length > this.maxDatagramSize) {
      throw new OptionError(`datagram of ${bytes.length} bytes exceeds the maximum datagram size (${this.maxDatagramSize}): split it or use a stream transport`);
    }
    this.sent.push({ data: Buffer.from(bytes), to: { address: to.address, port: to.port } });
    return true;
  }

  /** Sets the receiver of injected datagrams (a later call replaces it). */
  onDatagram(receiver: DatagramReceiver): void {
    this.receiver = receiver;
  }

  /**
   * A datagram arrives from `from`: the receiver gets it whole, synchronously. Throws
   * `ClosedError` after `close()` and when no receiver is set (a test forgetting to bind one).
   */
  inject(data: Uint8Array | string, from: DatagramAddress): void {
    if (this.isClosed) throw new ClosedError('inject: the datagram endpoint is closed');
    const receiver = this.receiver;
    if (receiver === undefined) throw new ClosedError('inject: nothing receives datagrams on this endpoint yet (call onDatagram first)');
    const bytes = Buffer.from(toBuffer(data)); // a datagram is the receiver's to keep
    drive(() => receiver(bytes, { address: from.address, port: from.port }));
  }

  /** Returns the datagrams sent so far and forgets them. */
  take(): SentDatagram[] {
    return this.sent.splice(0);
  }

  /** The datagrams sent to `to` (address and port), oldest first. */
  sentTo(to: DatagramAddress): Buffer[] {
    return this.sent.filter((d) => d.to.address === to.address && d.to.port === to.port).map((d) => d.data);
  }

  /** Forgets the datagrams sent so far. */
  clear(): void {
    this.sent.length = 0;
  }

  /** Stops the endpoint: later sends are dropped, injections refused, the receiver forgotten. */
  close(): void {
    this.isClosed = true;
    this.receiver = undefined;
  }
}
