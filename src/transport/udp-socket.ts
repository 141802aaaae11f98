/**
 * Where a datagram came from or goes to. Senders handed to `@OnData(datagram, sender)` also
 * carry `family` and `size`; a reply goes to `{ address, port }`.
 */
export interface DatagramAddress {
  /** The IP address (IPv4 dotted or IPv6). */
  readonly address: string;
  /** The UDP port. */
  readonly port: number;
  /** 'IPv4' or 'IPv6', on received senders. */
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
  /** Always 'udp' (the counterpart of `Connection.transport`). */
  abstract readonly transport: 'udp';
  /** The socket's address family, from `@Listen({ type })` or the host. */
  abstract readonly type: 'udp4' | 'udp6';
  /** The address the socket is bound to. */
  abstract readonly localAddress: string;
  /** The port the socket is bound to (the one the system chose, for port 0). */
  abstract readonly localPort: number;
  /**
   * 'open' while bound; 'closing' while in-flight handlers finish (nothing new is dispatched, sends still go out); 'closed' once the socket is closed.
   */
  abstract readonly state: 'open' | 'closing' | 'closed';
  /** Datagrams received, including ones that failed to decode. */
  abstract readonly receivedDatagrams: number;
  /** Datagrams dropped: too many handlers in flight, or arriving while closing. */
  abstract readonly droppedDatagrams: number;
  /** Sends the network refused (EMSGSIZE, unreachable...): each is logged (rate-limited) and counted, never thrown. */
  abstract readonly sendErrors: number;

  /** Encodes `value` with the protocol's datagram codec and sends it to `to`. */
  abstract send(value: unknown, to: DatagramAddress): boolean;
  /** Sends raw bytes, bypassing the codec (still bounded by its maxSize). */
  abstract write(data: Buffer | Uint8Array | string, to: DatagramAddress): boolean;
  /** Allows (or forbids) sending to broadcast addresses (SO_BROADCAST). */
  abstract setBroadcast(on: boolean): void;
  /** Sets the unicast TTL, 1 to 255 (IP_TTL). */
  abstract setTTL(ttl: number): void;
  /** Joins multicast `group`, on interface `iface` (an address) or the one the system picks. */
  abstract addMembership(group: string, iface?: string): void;
  /** Leaves multicast `group` joined with `addMembership`. */
  abstract dropMembership(group: string, iface?: string): void;
}

/**
 * The socket operations a `DatagramSocket` is served over: a `dgram.Socket` in production,
 * the testing kit's `MemoryDatagramWire` in tests, so a UDP protocol runs the same code either
 * way. Each datagram arrives whole, through whatever the owner wires to `received`.
 */
export interface DatagramWire {
  /** Sends one datagram; `callback` gets the error when the send failed, null when it went out (or was dropped after close). */
  send(bytes: Uint8Array, port: number, address: string, callback: (error: Error | null) => void): void;
  /** The bound address and port. */
  address(): {
    /** The bound IP address. */
    address: string;
    /** The bound UDP port (the one the system chose, for port 0). */
    port: number;
  };
  /** Closes the socket; `callback` runs once it is closed. Nothing is received after. */
  close(callback: () => void): void;
  /** As `DatagramSocket.setBroadcast`. */
  setBroadcast(on: boolean): void;
  /** As `DatagramSocket.setTTL`. */
  setTTL(ttl: number): void;
  /** As `DatagramSocket.addMembership`. */
  addMembership(group: string, iface?: string): void;
  /** As `DatagramSocket.dropMembership`. */
  dropMembership(group: string, iface?: string): void;
}
