/**
 * Where a datagram came from or goes to. Senders handed to `@OnData(datagram, sender)` also
 * carry `family` and `size`; a reply goes to `{ address, port }`.
 */
export interface DatagramAddress {
  readonly address: string;
  readonly port: number;
  readonly family?: string;
  /** Bytes of the received datagram. */
  readonly size?: number;
}

/**
 * What a UDP protocol talks to (Twisted's IUDPTransport): one per bound socket, injectable by
 * type in a UDP protocol (`constructor(private readonly socket: DatagramSocket)`).
 *
 * Sending never throws for network reasons: a failed send (EMSGSIZE, unreachable) is logged
 * and counted in `sendErrors`. A value the codec cannot encode (or over its `maxSize`) throws.
 * After close, sends are dropped and return false.
 */
export abstract class DatagramSocket {
  abstract readonly transport: 'udp';
  abstract readonly type: 'udp4' | 'udp6';
  abstract readonly localAddress: string;
  abstract readonly localPort: number;
  abstract readonly state: 'open' | 'closing' | 'closed';
  /** Datagrams received, including ones that failed to decode. */
  abstract readonly receivedDatagrams: number;
  /** Datagrams dropped: too many handlers in flight, or arriving while closing. */
  abstract readonly droppedDatagrams: number;
  abstract readonly sendErrors: number;

  /** Encodes `value` with the protocol's datagram codec and sends it to `to`. */
  abstract send(value: unknown, to: DatagramAddress): boolean;
  /** Sends raw bytes, bypassing the codec (still bounded by its maxSize). */
  abstract write(data: Buffer | Uint8Array | string, to: DatagramAddress): boolean;
  abstract setBroadcast(on: boolean): void;
  abstract setTTL(ttl: number): void;
  abstract addMembership(group: string, iface?: string): void;
  abstract dropMembership(group: string, iface?: string): void;
}

/**
 * The socket operations a `DatagramSocket` is served over: a `dgram.Socket` in production,
 * the testing kit's `MemoryDatagramWire` in tests, so a UDP protocol runs the same code either
 * way. Each datagram arrives whole, through whatever the owner wires to `received`.
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
