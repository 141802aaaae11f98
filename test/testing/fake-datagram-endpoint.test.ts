import { ClosedError, OptionError } from 'torsion';
import { FakeDatagramEndpoint } from 'torsion/testing';

const alice = { address: '198.51.100.1', port: 4000 };
const bob = { address: '2001:db8::2', port: 5000 };

describe('FakeDatagramEndpoint', () => {
  it('records every datagram sent, whole, with its address', () => {
    const udp = new FakeDatagramEndpoint({ local: { address: '0.0.0.0', port: 5353 } });
    expect(udp.send('one', alice)).toBe(true);
    udp.send(Uint8Array.of(1, 2, 3), bob);
    udp.send('two', alice);
    expect(udp.sentTo(alice).map(String)).toEqual(['one', 'two']);
    expect(udp.take()).toEqual([
      { data: Buffer.from('one'), to: alice },
      { data: Buffer.from([1, 2, 3]), to: bob },
      { data: Buffer.from('two'), to: alice },
    ]);
    expect(udp.sent).toEqual([]);
    expect(udp.localAddress).toEqual({ address: '0.0.0.0', port: 5353 });
  });

  it('copies what is sent, so a reused buffer does not change the record', () => {
    const udp = new FakeDatagramEndpoint();
    const buffer = Buffer.from('abc');
    udp.send(buffer, alice);
    buffer.write('xyz');
    expect(udp.sent[0].data.toString()).toBe('abc');
  });

  it('delivers injected datagrams whole, in order, with the sender address, to the receiver', () => {
    const udp = new FakeDatagramEndpoint();
    const got: Array<[string, string]> = [];
    udp.onDatagram((data, from) => {
      got.push([data.toString(), `${from.address}:${from.port}`]);
      udp.send(data.toString().toUpperCase(), from);
    });
    udp.inject('ping', alice);
    udp.inject('pong', bob);
    expect(got).toEqual([['ping', '198.51.100.1:4000'], ['pong', '2001:db8::2:5000']]);
    expect(udp.sentTo(bob).map(String)).toEqual(['PONG']);
  });

  it('refuses a datagram over the maximum size, naming both numbers', () => {
    const udp = new FakeDatagramEndpoint({ maxDatagramSize: 4 });
    expect(() => udp.send('12345', alice)).toThrow(new OptionError('datagram of 5 bytes exceeds the maximum datagram size (4): split it or use a stream transport'));
  });

  it('drops sends after close and refuses injection without a receiver or after close', () => {
    const udp = new FakeDatagramEndpoint();
    expect(() => udp.inject('x', alice)).toThrow(ClosedError);
    udp.onDatagram(() => undefined);
    udp.close();
    expect(udp.closed).toBe(true);
    expect(udp.send('late', alice)).toBe(false);
    expect(udp.droppedSends).toBe(1);
    expect(() => udp.inject('x', alice)).toThrow(ClosedError);
  });
});
