import { ClosedError, OptionError } from 'torsion';
import { MemoryDatagramWire } from 'torsion/testing';

const alice = { address: '198.51.100.1', port: 4000 };
const bob = { address: '2001:db8::2', port: 5000 };

/** Sends through the wire as the served socket does, resolving with the callback's error. */
function send(wire: MemoryDatagramWire, data: string | Uint8Array, to: { address: string; port: number }): Error | null {
  let result: Error | null | undefined;
  wire.send(typeof data === 'string' ? Buffer.from(data) : data, to.port, to.address, (error) => (result = error));
  return result as Error | null;
}

describe('MemoryDatagramWire', () => {
  it('records every datagram sent, whole, with its address', () => {
    const wire = new MemoryDatagramWire({ local: { address: '0.0.0.0', port: 5353 } });
    expect(send(wire, 'one', alice)).toBeNull();
    send(wire, Uint8Array.of(1, 2, 3), bob);
    send(wire, 'two', alice);
    expect(wire.sentTo(alice).map(String)).toEqual(['one', 'two']);
    expect(wire.take()).toEqual([
      { data: Buffer.from('one'), to: alice },
      { data: Buffer.from([1, 2, 3]), to: bob },
      { data: Buffer.from('two'), to: alice },
    ]);
    expect(wire.sent).toEqual([]);
    expect(wire.address()).toEqual({ address: '0.0.0.0', port: 5353 });
  });

  it('copies what is sent, so a reused buffer does not change the record', () => {
    const wire = new MemoryDatagramWire();
    const buffer = Buffer.from('abc');
    send(wire, buffer, alice);
    buffer.write('xyz');
    expect(wire.sent[0].data.toString()).toBe('abc');
  });

  it('delivers injected datagrams whole, in order, with the sender address, family and size', () => {
    const wire = new MemoryDatagramWire();
    const got: string[] = [];
    wire.onDatagram((data, from) => {
      got.push(`${data.toString()} from ${from.address}:${from.port} ${String(from.family)} ${String(from.size)}`);
      send(wire, data.toString().toUpperCase(), from);
    });
    wire.inject('ping', alice);
    wire.inject('pong', bob);
    expect(got).toEqual(['ping from 198.51.100.1:4000 IPv4 4', 'pong from 2001:db8::2:5000 IPv6 4']);
    expect(wire.sentTo(bob).map(String)).toEqual(['PONG']);
  });

  it('fails a send over the maximum size, naming both numbers', () => {
    const wire = new MemoryDatagramWire({ maxDatagramSize: 4 });
    expect(send(wire, '12345', alice)).toEqual(new OptionError('datagram of 5 bytes exceeds the maximum datagram size (4): split it or use a stream transport'));
    expect(wire.sent).toEqual([]);
  });

  it('drops sends after close and refuses injection without a receiver or after close', () => {
    const wire = new MemoryDatagramWire();
    expect(() => wire.inject('x', alice)).toThrow(ClosedError);
    wire.onDatagram(() => undefined);
    wire.close(() => undefined);
    expect(wire.closed).toBe(true);
    send(wire, 'late', alice);
    expect(wire.sent).toEqual([]);
    expect(wire.droppedSends).toBe(1);
    expect(() => wire.inject('x', alice)).toThrow(ClosedError);
  });
});
