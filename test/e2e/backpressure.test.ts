import * as net from 'node:net';
import { Connection, Listen, Module, OnData, Protocol, bootstrap, lines, silentLogger } from '../../src';
import type { SocketConnection } from '../../src/transport/socket-connection';
import { Peer, eventually } from '../support/peer';

const VALUE = 'v'.repeat(64 * 1024);
const conns: SocketConnection[] = [];

/** Answers every "GET" with a 64 KiB value; anything else is echoed. */
@Listen({ port: 0, host: '127.0.0.1' })
@Protocol({ codec: lines({ maxLength: 128 * 1024 }) })
class BigValues {
  constructor(conn: Connection) {
    conns.push(conn as SocketConnection);
  }
  @OnData() d(line: string): string {
    return line === 'GET' ? VALUE : line;
  }
}

@Module({ protocols: [BigValues] })
class AppModule {}

describe('backpressure', () => {
  it('bounds server memory for a client that pipelines requests and never reads, and serves others meanwhile', async () => {
    const app = await bootstrap(AppModule, { logger: silentLogger });
    const port = app.address(BigValues).port;
    const hog = net.connect({ port, host: '127.0.0.1' });
    const hogClosed = new Promise((resolve) => hog.once('close', resolve));
    try {
      hog.pause(); // never read a reply
      await new Promise((resolve) => hog.once('connect', resolve));
      const requests = 5000; // 5000 × 64 KiB = 320 MiB of replies if nothing pushed back
      hog.write('GET\n'.repeat(requests));
      await eventually(() => conns.length === 1, 5000, 'the server side of the hog');
      const server = conns[0];
      let maxWritable = 0;
      let maxQueued = 0;
      const sample = (): void => {
        maxWritable = Math.max(maxWritable, server.socket.writableLength);
        maxQueued = Math.max(maxQueued, server.queuedFrames);
      };
      // Let the kernel buffers fill until the server stalls on its full outgoing buffer.
      await eventually(
        () => {
          sample();
          return server.writeBlocked;
        },
        10_000,
        'the server to stall on its full outgoing buffer',
      );
      // Once stalled nothing may grow. Each round trip on another connection makes the server's
      // loop poll its sockets and run what is queued at least once more: a server that kept
      // reading or dispatching for the hog would grow its buffers meanwhile. Rounds, not time.
      const other = await Peer.connect(port);
      for (let i = 0; i < 20; i++) {
        other.send(`still served ${i}\n`);
        await other.until((p) => p.text.endsWith(`still served ${i}\n`), 5000, `echo #${i} on the other connection`);
        sample();
      }
      expect(server.state).toBe('open');
      expect(server.writeBlocked).toBe(true);
      expect(server.socket.isPaused()).toBe(true);
      // One high-water mark (64 KiB) plus one gathered reply batch at most.
      expect(maxWritable).toBeGreaterThan(0);
      expect(maxWritable).toBeLessThanOrEqual(256 * 1024);
      // Frames held are those of the read chunks already taken (bounded by a chunk, 64 KiB / 4 B).
      expect(maxQueued).toBeLessThanOrEqual(16 * 1024);
      expect(other.text).toBe(Array.from({ length: 20 }, (_, i) => `still served ${i}\n`).join(''));
      await other.close();
    } finally {
      hog.destroy();
      await hogClosed;
      await app.close();
    }
  });
});
