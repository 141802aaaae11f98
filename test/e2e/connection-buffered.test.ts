import * as net from 'node:net';
import { Connection, Listen, Module, OnConnect, OnData, Protocol, bootstrap, lines, silentLogger } from '../../src';
import { eventually } from '../support/peer';

const conns: Connection[] = [];

@Listen({ port: 0, host: '127.0.0.1' })
@Protocol({ codec: lines({ maxLength: 1024 }) })
class Collector {
  constructor(private readonly conn: Connection) {}
  @OnConnect() opened(): void {
    conns.push(this.conn);
  }
  @OnData() d(): void {}
}

@Module({ protocols: [Collector] })
class AppModule {}

/** Connection.writable and bufferedBytes over a real TCP socket whose peer stops reading. */
describe('Connection.writable and bufferedBytes (TCP)', () => {
  it('report the bytes the socket holds and the full buffer, then the drain', async () => {
    const app = await bootstrap(AppModule, { logger: silentLogger });
    const peer = net.connect({ port: app.address(Collector).port, host: '127.0.0.1' });
    try {
      peer.pause(); // reads nothing
      await eventually(() => conns.length === 1, 10_000, 'the server side');
      const conn = conns[0];
      expect([conn.writable, conn.bufferedBytes]).toEqual([true, 0]);
      const chunk = 'x'.repeat(64 * 1024);
      // Write until the socket reports a full buffer (bounded: at most 4096 × 64 KiB tries).
      for (let i = 0; i < 4096 && conn.writable; i++) conn.write(chunk);
      expect(conn.writable).toBe(false);
      expect(conn.bufferedBytes).toBeGreaterThan(0);
      const held = conn.bufferedBytes;
      peer.resume(); // the peer reads it all: the socket drains
      await eventually(() => conn.writable && conn.bufferedBytes === 0, 20_000, 'the drain');
      expect(held).toBeGreaterThanOrEqual(64 * 1024);
      conn.end();
      await eventually(() => conn.state === 'closed', 10_000, 'the close');
      expect(conn.writable).toBe(false);
    } finally {
      peer.destroy();
      await app.close();
    }
  });
});
