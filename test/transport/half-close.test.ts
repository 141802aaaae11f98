import { Connection, Listen, Module, OnData, OnInputEnd, Protocol, bootstrap, lines, silentLogger, type Application } from '../../src';
import { createTestingApp, PEER_END, type TestingApp } from '../../src/testing';
import type { SocketConnection } from '../../src/transport/socket-connection';
import { Peer, eventually } from '../support/peer';

/** Answers each line; on the peer's FIN says how many it got and keeps the connection open. */
@Listen({ port: 0, host: '127.0.0.1' })
@Protocol({ codec: lines() })
class Counter {
  /** The latest instance (the real-socket test reaches its connection through it). */
  static latest: Counter | undefined;
  count = 0;
  constructor(readonly conn: Connection) {
    Counter.latest = this;
  }
  @OnData() line(text: string): string | undefined {
    if (text === 'shut') {
      this.conn.endOutput();
      return 'after shut'; // our FIN is out: dropped, and counted
    }
    this.count++;
    return `got ${text}`;
  }
  @OnInputEnd() async inputEnded(): Promise<string> {
    await Promise.resolve();
    return `total ${this.count}`;
  }
}

/** No @OnInputEnd: today's behaviour, the connection ends once what was sent is answered. */
@Protocol({ codec: lines() })
class Plain {
  constructor(readonly conn: Connection) {}
  @OnData() line(text: string): string {
    if (text === 'shut') this.conn.endOutput();
    return `got ${text}`;
  }
}

@Module({ protocols: [Counter, Plain] })
class HalfCloseModule {}

describe('half-close: endOutput() and @OnInputEnd', () => {
  let t: TestingApp;
  beforeEach(() => (t = createTestingApp(HalfCloseModule)));
  afterEach(() => t.close());

  it('runs @OnInputEnd after every frame sent before the FIN, writes its value, and stays open for writing', async () => {
    const c = t.connect(Counter, { halfOpen: true });
    c.send('a\nb\n');
    c.peerClose();
    await c.settle();
    expect(c.frames()).toEqual(['got a', 'got b', 'total 2']);
    expect(c.closed).toBe(false);
    expect(c.connection.state).toBe('open');
    c.protocol.conn.send('still here');
    c.protocol.conn.end();
    await c.settle();
    expect(c.frames()).toEqual(['got a', 'got b', 'total 2', 'still here']);
    expect(c.closeReason?.kind).toBe('done');
  });

  it('endOutput() sends FIN after what was written, keeps reading, drops later writes, closes once the peer ends', async () => {
    const c = t.connect(Counter, { halfOpen: true });
    c.send('a\nshut\n');
    expect(c.frames()).toEqual(['got a']);
    expect(c.connection.outputEnded).toBe(true);
    // The FIN follows the reply in what the peer receives.
    const out = c.connection.takeOutput();
    expect(out[out.length - 1]).toBe(PEER_END);
    expect(c.connection.droppedWrites).toBe(1);
    c.send('b\n'); // still read and dispatched
    expect(c.protocol.count).toBe(2);
    expect(c.closed).toBe(false);
    c.peerClose();
    await c.settle();
    expect(c.closed).toBe(true);
    expect(c.closeReason?.kind).toBe('done');
  });

  it('without @OnInputEnd, ends once everything sent before the FIN is answered (unchanged)', async () => {
    const c = t.connect(Plain, { halfOpen: true });
    c.send('a\n');
    c.peerClose();
    await c.settle();
    expect(c.frames()).toEqual(['got a']);
    expect(c.closed).toBe(true);
  });

  it('without @OnInputEnd, endOutput() then the peer FIN closes the connection', async () => {
    const c = t.connect(Plain, { halfOpen: true });
    c.send('shut\n');
    expect(c.frames()).toEqual([]);
    expect(c.closed).toBe(false);
    c.send('b\n');
    c.peerClose();
    await c.settle();
    expect(c.closed).toBe(true);
    expect(c.connection.droppedWrites).toBe(2);
  });
});

describe('half-close over a real socket', () => {
  let app: Application;
  beforeEach(async () => {
    app = await bootstrap(HalfCloseModule, { logger: silentLogger });
  });
  afterEach(() => app.close());

  it("the peer's FIN reaches @OnInputEnd through the one 'end' listener the socket has (node's own, a no-op with allowHalfOpen, is taken off)", async () => {
    const peer = await Peer.connect(app.address(Counter).port, '127.0.0.1', { allowHalfOpen: true });
    peer.send('a\n');
    await peer.until((p) => p.text === 'got a\n', 5000, 'the first reply');
    const conn = (Counter.latest as Counter).conn as SocketConnection;
    expect(conn.socket.listenerCount('end')).toBe(1);
    peer.socket.end();
    await peer.until((p) => p.text === 'got a\ntotal 1\n', 5000, 'the reply to the FIN');
    expect(conn.state).toBe('open'); // @OnInputEnd keeps it open for writing
    conn.end();
    await peer.waitClosed();
    expect(conn.closeReason?.kind).toBe('done');
  });
});

/** Answers every line; `big N` with N KiB of 'x' (more than the socket buffers hold). */
@Listen({ port: 0, host: '127.0.0.1' })
@Protocol({ codec: lines({ maxLength: 64 }) })
class Replier {
  static latest: Replier | undefined;
  constructor(readonly conn: Connection) {
    Replier.latest = this;
  }
  @OnData() line(text: string): string {
    return text.startsWith('big ') ? 'x'.repeat(Number(text.slice(4)) * 1024) : `got ${text}`;
  }
}

@Module({ protocols: [Replier] })
class ReplierModule {}

describe("closing after the peer's FIN, over a real socket", () => {
  let app: Application;
  beforeEach(async () => {
    Replier.latest = undefined;
    app = await bootstrap(ReplierModule, { logger: silentLogger });
  });
  afterEach(() => app.close());

  it('with every reply handed to the kernel, closes the socket at once: the peer reads all replies, then a FIN, no reset', async () => {
    const peer = await Peer.connect(app.address(Replier).port, '127.0.0.1', { allowHalfOpen: true });
    peer.send('a\nb\n');
    await peer.until((p) => p.text === 'got a\ngot b\n', 5000, 'the replies');
    const conn = (Replier.latest as Replier).conn as SocketConnection;
    peer.socket.end();
    await peer.until((p) => p.ended && p.closed, 5000, "the server's FIN");
    await conn.finished;
    expect(peer.error).toBeUndefined();
    expect(peer.text).toBe('got a\ngot b\n');
    expect(conn.closeReason).toEqual({ kind: 'done' });
    // Closed, not ended: no shutdown(2) and no end/finish round before the close.
    expect(conn.socket.writableEnded).toBe(false);
    expect(conn.socket.destroyed).toBe(true);
  });

  it('with replies still queued in node, ends as usual: a peer that reads late still gets every byte, then the FIN', async () => {
    const kib = 32 * 1024; // 32 MiB: more than the kernel buffers of both ends hold while the peer reads nothing
    const peer = await Peer.connect(app.address(Replier).port, '127.0.0.1', { allowHalfOpen: true });
    peer.socket.pause();
    peer.send(`big ${kib}\n`);
    peer.socket.end(); // the FIN right behind the request
    await eventually(() => (Replier.latest?.conn.state ?? 'open') !== 'open', 5000, 'the server to take the FIN');
    const conn = (Replier.latest as Replier).conn as SocketConnection;
    expect(conn.state).toBe('closing');
    expect(conn.socket.writableLength).toBeGreaterThan(0);
    peer.socket.resume();
    await peer.until((p) => p.ended && p.closed, 20_000, 'the whole reply and the FIN');
    await conn.finished;
    expect(peer.error).toBeUndefined();
    expect(peer.receivedBytes).toBe(kib * 1024 + 1);
    expect(conn.closeReason).toEqual({ kind: 'done' });
    expect(conn.socket.writableEnded).toBe(true);
  });
});
