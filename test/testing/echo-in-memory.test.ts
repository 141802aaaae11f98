import { Connection, Module, OnClose, OnConnect, OnData, Protocol, Listen, type CloseReason } from 'torsion';
import { createTestingApp, type TestingApp } from 'torsion/testing';

// The same Echo as test/e2e/echo.test.ts, driven without a socket.
const closes: CloseReason[] = [];

@Listen(8000)
@Protocol()
class Echo {
  constructor(readonly conn: Connection) {}
  @OnConnect() hello(): string {
    return `hi ${this.conn.id}\n`;
  }
  @OnData() echo(data: Buffer): Buffer {
    return data;
  }
  @OnClose() bye(reason: CloseReason): void {
    closes.push(reason);
  }
}

@Module({ protocols: [Echo] })
class AppModule {}

describe('echo in memory', () => {
  let t: TestingApp;
  beforeEach(() => {
    t = createTestingApp(AppModule);
  });
  afterEach(() => t.close());

  it('greets on connect and echoes bytes back', () => {
    const peer = t.connect(Echo);
    expect(peer.text()).toMatch(/^hi \d+\n$/);
    peer.send('hello');
    expect(peer.text()).toMatch(/^hi \d+\nhello$/);
    peer.peerClose();
    expect(t.app.metrics().connections).toBe(0);
    expect(closes.at(-1)?.kind).toBe('done');
  });

  it('echoes every read as it came, byte by byte (the raw codec has no framing)', () => {
    const peer = t.connect(Echo, { peer: { address: '192.0.2.1', port: 50000 } });
    peer.clear();
    peer.send('abc', { split: 1 });
    expect(peer.frames<Buffer>().map(String)).toEqual(['a', 'b', 'c']);
    expect(peer.connection.localPort).toBe(8000); // from @Listen; nothing is bound
    expect(peer.connection.remoteAddress).toBe('192.0.2.1');
  });
});
