import { ClosedError, OptionError } from '../errors';
import type { DatagramAddress, DatagramWire } from '../transport/udp-socket';
import { drive } from './memory-loop';
import { toBuffer } from './split';

/** Options of `new MemoryDatagramWire(...)`. */
export interface MemoryDatagramWireOptions {
  /** The address the wire is "bound" to. Default 127.0.0.1:0. */
  local?: DatagramAddress;
  /** Largest datagram a send accepts, in bytes. Default 65 507 (UDP over IPv4). */
  maxDatagramSize?: number;
}

const MAX_UDP_PAYLOAD = 65_507;

/**
 * An in-memory datagram socket (Twisted's `proto_helpers` for DatagramProtocol): the
 * `DatagramWire` a UDP protocol is served over in tests, in place of a `dgram.Socket`. It
 * records every datagram sent (`sent`, `take()`, `sentTo()`), delivers datagrams the test
 * injects, whole and in order (`inject()`), and remembers the socket options set (broadcast,
 * TTL, multicast memberships). `t.bindDatagram(Proto)` serves a protocol over one.
 *
 * A send over `maxDatagramSize` fails that send (counted in the socket's `sendErrors`, as
 * EMSGSIZE would); after close, sends are dropped and counted in `droppedSends`.
 *
 * @example
 * const udp = t.bindDatagram(UdpEcho);
 * udp.wire.inject('ping', { address: '198.51.100.1', port: 4000 });
 * expect(udp.wire.take()).toEqual([{ data: Buffer.from('ping'), to: { address: '198.51.100.1', port: 4000 } }]);
 */
export class MemoryDatagramWire implements DatagramWire {
  /** The address given as `options.local` (default 127.0.0.1:0); nothing is bound. */
  readonly localAddress: DatagramAddress;
  /** Every datagram sent since creation or the last `take()`/`clear()`, oldest first (copies). */
  readonly sent: Array<{
    /** The datagram's bytes (a copy of what was sent). */
    readonly data: Buffer;
    /** The address and port it was sent to. */
    readonly to: DatagramAddress;
  }> = [];
  /** Datagrams sent after close (dropped). */
  droppedSends = 0;
  /** Set by `setBroadcast`. */
  broadcast = false;
  /** Set by `setTTL`. */
  ttl: number | undefined;
  /** Multicast groups joined (`group` or `group%interface`). */
  readonly memberships = new Set<string>();
  private readonly maxDatagramSize: number;
  private receiver: ((data: Buffer, from: DatagramAddress) => void) | undefined;
  private isClosed = false;

  constructor(options: MemoryDatagramWireOptions = {}) {
    this.localAddress = options.local ?? { address: '127.0.0.1', port: 0 };
    this.maxDatagramSize = options.maxDatagramSize ?? MAX_UDP_PAYLOAD;
    if (!Number.isInteger(this.maxDatagramSize) || this.maxDatagramSize < 1) {
      throw new OptionError(`maxDatagramSize must be a positive integer, got ${this.maxDatagramSize}`);
    }
  }

  /** True once closed. */
  get closed(): boolean {
    return this.isClosed;
  }

  // --- the test's side -------------------------------------------------------------------

  /**
   * A datagram arrives from `from`: the protocol gets it whole, now. Throws `ClosedError` once
   * closed, and when nothing is served over this wire yet.
   */
  inject(data: Uint8Array | string, from: DatagramAddress): void {
    if (this.isClosed) throw new ClosedError('inject: the datagram wire is closed');
    const receiver = this.receiver;
    if (receiver === undefined) throw new ClosedError('inject: nothing is served over this wire yet (use t.bindDatagram, or onDatagram)');
    const bytes = Buffer.from(toBuffer(data)); // a datagram is the receiver's to keep
    drive(() => receiver(bytes, { address: from.address, port: from.port, family: from.address.includes(':') ? 'IPv6' : 'IPv4', size: bytes.length }));
  }

  /** Sets who receives injected datagrams (a later call replaces it); `t.bindDatagram` sets the protocol's socket. */
  onDatagram(receiver: (data: Buffer, from: DatagramAddress) => void): void {
    this.receiver = receiver;
  }

  /** Returns the datagrams sent so far and forgets them. */
  take(): Array<{
    /** The datagram's bytes (a copy of what was sent). */
    readonly data: Buffer;
    /** The address and port it was sent to. */
    readonly to: DatagramAddress;
  }> {
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

  // --- DatagramWire: what the served socket calls ----------------------------------------

  /**
   * Records a copy of the datagram in `sent`. Over `maxDatagramSize`, the callback gets an error (as EMSGSIZE); after close, the datagram is counted in `droppedSends`.
   */
  send(bytes: Uint8Array, port: number, address: string, callback: (error: Error | null) => void): void {
    if (this.isClosed) {
      this.droppedSends++;
      callback(null);
      return;
    }
    if (bytes.length > this.maxDatagramSize) {
      callback(new OptionError(`datagram of ${bytes.length} bytes exceeds the maximum datagram size (${this.maxDatagramSize}): split it or use a stream transport`));
      return;
    }
    this.sent.push({ data: Buffer.from(bytes), to: { address, port } });
    callback(null);
  }

  /** `options.local` (default 127.0.0.1:0): nothing is bound, so port 0 stays 0. */
  address(): {
    /** `options.local`'s address. */
    address: string;
    /** `options.local`'s port (0 stays 0). */
    port: number;
  } {
    return { address: this.localAddress.address, port: this.localAddress.port };
  }

  /** Closes at once: `inject` throws afterwards and sends are dropped. */
  close(callback: () => void): void {
    this.isClosed = true;
    this.receiver = undefined;
    callback();
  }

  /** Records the setting in `broadcast`. */
  setBroadcast(on: boolean): void {
    this.broadcast = on;
  }

  /** Records the setting in `ttl`. */
  setTTL(ttl: number): void {
    this.ttl = ttl;
  }

  /** Records the group in `memberships`. */
  addMembership(group: string, iface?: string): void {
    this.memberships.add(iface === undefined ? group : `${group}%${iface}`);
  }

  /** Removes the group from `memberships`. */
  dropMembership(group: string, iface?: string): void {
    this.memberships.delete(iface === undefined ? group : `${group}%${iface}`);
  }
}
