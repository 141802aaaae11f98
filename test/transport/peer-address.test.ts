import 'reflect-metadata';
import { Connection, Listen, Module, OnClose, OnConnect, OnData, Protocol, bootstrap, silentLogger, type Application } from '../../src';
import { Peer, eventually } from '../support/peer';

// A socket's peer address is read on first use (getpeername(2) is a syscall a connection that
// never asks does not pay), and node:net cannot tell it once the socket has closed. What a
// protocol can rely on: the address while open, and in @OnClose even when nothing read it
// before and the peer reset the connection (the socket was gone before the close ran).

describe('the peer address of a socket connection', () => {
  let app: Application;
  afterEach(async () => {
    await app?.close({ timeoutMs: 1000 });
  });

  it('is known in @OnClose after a reset, although nothing read it while open', async () => {
    const seen: string[] = [];
    @Listen({ port: 0, host: '127.0.0.1' })
    @Protocol()
    class Closing {
      constructor(private readonly conn: Connection) {}
      @OnData() data(): void {}
      @OnClose() closed(): void {
        seen.push(`${this.conn.remoteAddress}:${this.conn.remotePort}`);
      }
    }
    @Module({ protocols: [Closing] })
    class M {}
    app = await bootstrap(M, { logger: silentLogger });
    const peer = await Peer.connect(app.address(Closing).port);
    await peer.write('x');
    const port = peer.socket.localPort;
    peer.socket.resetAndDestroy();
    await eventually(() => seen.length === 1, 10_000, '@OnClose');
    expect(seen).toEqual([`127.0.0.1:${port}`]);
  });

  it('is read on first use while open, and kept after close', async () => {
    const conns: Connection[] = [];
    @Listen({ port: 0, host: '127.0.0.1' })
    @Protocol()
    class Asking {
      constructor(conn: Connection) {
        conns.push(conn);
      }
      @OnConnect() hello(): string {
        return 'hi\n';
      }
      @OnData() data(): void {}
    }
    @Module({ protocols: [Asking] })
    class M {}
    app = await bootstrap(M, { logger: silentLogger });
    // One after the other, so conns[0] is `asked`'s.
    const asked = await Peer.connect(app.address(Asking).port);
    await asked.until((p) => p.text === 'hi\n', 10_000, 'the greeting');
    const silent = await Peer.connect(app.address(Asking).port);
    await silent.until((p) => p.text === 'hi\n', 10_000, 'the greeting');
    expect(conns).toHaveLength(2);
    const [first, second] = conns;
    expect(first.remoteAddress).toBe('127.0.0.1');
    const firstPort = first.remotePort;
    await asked.close();
    await silent.close();
    await eventually(() => first.state === 'closed' && second.state === 'closed', 10_000, 'both closed');
    expect(`${first.remoteAddress}:${first.remotePort}`).toBe(`127.0.0.1:${firstPort}`);
    // Never asked while open, no @OnClose: the socket could no longer tell.
    expect(second.remoteAddress).toBe('');
  });
});
