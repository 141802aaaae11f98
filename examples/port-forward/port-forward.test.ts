import * as net from 'node:net';
import { bootstrap, silentLogger, type Application } from 'torsion';
import { Peer, eventually } from '../../test/support/peer';
import { FORWARD_TARGET, PortForwardModule, ProxyServer } from './app';

/** A target that echoes, or holds what it gets unread while `paused`. */
async function startTarget(): Promise<{ port: number; server: net.Server; sockets: net.Socket[]; received: () => number }> {
  const sockets: net.Socket[] = [];
  let received = 0;
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      socket.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, server, sockets, received: () => received };
}

async function startForward(port: number): Promise<Application> {
  return bootstrap(PortForwardModule, {
    listen: [[ProxyServer, { port: 0, host: '127.0.0.1' }]],
    overrides: [{ provide: FORWARD_TARGET, useValue: { host: '127.0.0.1', port } }],
    logger: silentLogger,
  });
}

function pattern(size: number): Buffer {
  const payload = Buffer.alloc(size);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 131) & 0xff;
  return payload;
}

describe('examples/port-forward', () => {
  it('relays every byte both ways, in order', async () => {
    const target = await startTarget();
    const app = await startForward(target.port);
    try {
      const peer = await Peer.connect(app.address(ProxyServer).port);
      const payload = pattern(2 * 1024 * 1024);
      peer.send(payload);
      await peer.receive(payload.length, 10_000);
      expect(peer.received.equals(payload)).toBe(true);
      peer.close();
      await eventually(() => app.metrics().connections === 0);
    } finally {
      await app.close();
      target.server.close();
    }
  });

  it('stops reading from the client while the target does not read (bounded memory), and catches up after', async () => {
    const target = await startTarget();
    const app = await startForward(target.port);
    try {
      const peer = await Peer.connect(app.address(ProxyServer).port);
      await eventually(() => target.sockets.length === 1);
      target.sockets[0].pause(); // the target stops reading
      const payload = pattern(32 * 1024 * 1024);
      peer.send(payload);
      // The forwarder must stop taking the client's bytes: most of the payload stays queued
      // in the client's own socket instead of piling up in the forwarder.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(peer.socket.writableLength).toBeGreaterThan(8 * 1024 * 1024);
      expect(target.received()).toBeLessThan(payload.length);
      target.sockets[0].resume();
      await peer.receive(payload.length, 20_000);
      expect(peer.received.equals(payload)).toBe(true);
      peer.close();
    } finally {
      await app.close();
      target.server.close();
    }
  });

  it('closes the client connection when the target refuses', async () => {
    const target = await startTarget();
    const port = target.port;
    await new Promise((resolve) => target.server.close(resolve));
    const app = await startForward(port);
    try {
      const peer = await Peer.connect(app.address(ProxyServer).port);
      await peer.waitClosed();
    } finally {
      await app.close();
    }
  });
});
