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
    hog.pause(); // never read a reply
    await new Promise((resolve) => hog.once('connect', resolve));
    const requests = 5000; // 5000 × 64 KiB = 320 MiB of replies if nothing pushed back
    hog.write('GET\n'.repeat(requests));
    await eventually(() => conns.length === 1);
    const server = conns[0];
    let maxWritable = 0;
    let maxQueued = 0;
    const sample = (): void => {
      maxWritable = Math.max(maxWritable, server.socket.writableLength);
      maxQueued = Math.max(maxQueued, server.queuedFrames);
    };
    // Let the kernel buffers fill and the server stall on its full outgoing buffer (bounded wait),
    // then keep sampling a while to see that nothing grows once stalled.
    for (let i = 0; i < 1000 && !server.writeBlocked; i++) {
      sample();
      await new Promise((r) => setTimeout(r, 10));
    }
    for (let i = 0; i < 20; i++) {
      sample();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(server.state).toBe('open');
    expect(server.writeBlocked).toBe(true);
    expect(server.socket.isPaused()).toBe(true);
    // One high-water mark (64 KiB) plus one gathered reply batch at most.
    expect(maxWritable).toBeGreaterThan(0);
    expect(maxWritable).toBeLessThanOrEqual(256 * 1024);
    // Frames held are those of the read chunks already taken (bounded by a chunk, 64 KiB / 4 B).
    expect(maxQueued).toBeLessThanOrEqual(16 * 1024);

    const other = await Peer.connect(port);
    other.send('still served\n');
    await other.until((p) => p.text === 'still served\n');
    other.close();

    hog.destroy();
    await app.close();
  });
});
