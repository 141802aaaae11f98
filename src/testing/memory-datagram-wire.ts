import type { DatagramWire } from '../transport/udp';
import type { FakeDatagramEndpoint } from './fake-datagram-endpoint';

/**
 * The socket side of an in-memory UDP protocol: what the production UDP endpoint would ask of a
 * `dgram.Socket`, answered by a `FakeDatagramEndpoint` (sends are recorded there, datagrams are
 * injected there). Socket options are remembered so tests can check them.
 */
export class MemoryDatagramWire implements DatagramWire {
  broadcast = false;
  ttl: number | undefined;
  readonly memberships = new Set<string>();

  constructor(private readonly fake: FakeDatagramEndpoint) {}

  send(bytes: Uint8Array, port: number, address: string, callback: (error: Error | null) => void): void {
    try {
      this.fake.send(bytes, { address, port });
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback(null);
  }

  address(): { address: string; port: number } {
    return this.fake.localAddress;
  }

  close(callback: () => void): void {
    this.fake.close();
    callback();
  }

  setBroadcast(on: boolean): void {
    this.broadcast = on;
  }

  setTTL(ttl: number): void {
    this.ttl = ttl;
  }

  addMembership(group: string, iface?: string): void {
    this.memberships.add(iface === undefined ? group : `${group}%${iface}`);
  }

  dropMembership(group: string, iface?: string): void {
    this.memberships.delete(iface === undefined ? group : `${group}%${iface}`);
  }
}
